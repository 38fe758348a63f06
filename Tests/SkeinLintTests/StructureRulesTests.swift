import SkeinCore
import SkeinLint
import Testing

@Suite("lint: naming and goose structure")
struct StructureRulesTests {
    @Test("a clean file has no findings")
    func clean() {
        let text = migration(
            up: "CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY);", down: "DROP TABLE IF EXISTS users;")
        #expect(findings(["20240101120000_create_users_table.sql": text]) == [])
    }

    @Test("naming rules are SkeinCore's, with their ids")
    func naming() {
        let text = migration(up: "SELECT 1;")
        #expect(
            findings(["20240101120000_AddUsers.sql": text], only: "migration-name-snake-case") == [
                "migrations/20240101120000_AddUsers.sql error[migration-name-snake-case]"
            ])
        #expect(
            findings(["20241301120000_add_users.sql": text], only: "migration-name-timestamp") == [
                "migrations/20241301120000_add_users.sql error[migration-name-timestamp]"
            ])
        #expect(
            findings(["20240101120000_users.sql": text], only: "migration-name-verb") == [
                "migrations/20240101120000_users.sql warning[migration-name-verb]"
            ])
    }

    @Test("no Up, Down before Up, an empty Down, an unclosed StatementBegin")
    func structure() {
        #expect(
            findings(["20240101120000_add_a.sql": "-- +goose Down\nSELECT 1;\n-- +goose Up\nSELECT 1;\n"])
                .contains { $0.hasSuffix("error[up-before-down]") || $0.hasSuffix("error[require-up]") })
        #expect(
            findings(["20240101120000_add_a.sql": "-- +goose Up\nSELECT 1;\n-- +goose Down\n"], only: "require-down")
                == ["migrations/20240101120000_add_a.sql:1 error[require-down]"])
        #expect(
            findings(
                [
                    "20240101120000_add_a.sql":
                        "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n-- +goose Down\nSELECT 1;\n"
                ],
                only: "unbalanced-statement-block") != [])
    }

    @Test("the policy's manual-recovery Down counts as a Down")
    func manualRecovery() {
        let text =
            "-- DESTRUCTIVE: drops sessions\n-- Backup created: s3://b/x\n-- Recovery procedure: docs/r.md\n"
            + migration(up: "DROP TABLE IF EXISTS sessions;", down: "SELECT 'MANUAL_RECOVERY_REQUIRED' as status;")
        #expect(findings(["20240101120000_drop_sessions_table.sql": text], only: "require-down") == [])
        #expect(findings(["20240101120000_drop_sessions_table.sql": text], only: "destructive-requires-header") == [])
    }
}

@Suite("lint: what reading the directory finds")
struct CatalogRulesTests {
    @Test("duplicate versions and names goose refuses are findings with rule ids")
    func catalog() {
        let text = migration(up: "SELECT 1;")
        #expect(
            findings(
                ["20240101120000_add_a.sql": text, "20240101120000_add_b.sql": text], only: "duplicate-version") == [
                    "migrations/20240101120000_add_b.sql error[duplicate-version]"
                ])
        #expect(
            findings(["notes.sql": text], only: "invalid-migration-name") == [
                "migrations/notes.sql error[invalid-migration-name]"
            ])
    }
}

@Suite("lint: bad input")
struct BadInputTests {
    @Test("a file too large to parse with the grammar gets cannot-analyze, not minutes of work")
    func huge() {
        let row = "INSERT INTO t (a) VALUES ('" + String(repeating: "x", count: 200) + "');\n"
        let text =
            "-- +goose Up\n" + String(repeating: row, count: (LintFile.analysisLimit / row.utf8.count) + 1000)
            + "-- +goose Down\nDELETE FROM t;\n"
        #expect(
            findings(["20240101120000_seed_rows.sql": text]) == [
                "migrations/20240101120000_seed_rows.sql warning[cannot-analyze]"
            ])
    }

    @Test("a binary file is a goose parse error naming the encoding, and the other files are still linted")
    func binary() {
        let binary = SourceFile(
            path: "migrations/20240101120000_add_blob.sql", contents: [0xFF, 0xFE, 0x00, 0x81, 0x82])
        let good = SourceFile(
            path: "migrations/20240102120000_add_t.sql", text: migration(up: "SELEC 1;"))
        let codes = Linter().lint([binary, good]).map(\.code)
        #expect(codes.contains("goose-parse-error") && codes.contains("syntax-error"))
    }
}
