import Foundation
import SkeinCore
import SkeinLint
import Testing

@Suite("lint: statements on PostgreSQL's grammar")
struct SQLRulesTests {
    let name = "20240101120000_add_things.sql"

    @Test("a syntax error is reported at PostgreSQL's line and column (at WHERE)")
    func syntax() {
        let text = migration(up: "CREATE TABLE IF NOT EXISTS a (id int);\nSELECT\n  FROM WHERE;")
        #expect(findings([name: text], only: "syntax-error") == ["migrations/\(name):4:8 error[syntax-error]"])
    }

    @Test("CREATE INDEX CONCURRENTLY in a transactional file; fine alone in a NO TRANSACTION file")
    func concurrentInTransaction() {
        let up = "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);"
        #expect(
            findings(
                [name: migration(up: up, down: "DROP INDEX IF EXISTS i;")], only: "transaction-incompatible-statement")
                == ["migrations/\(name):2:1 error[transaction-incompatible-statement]"])
        #expect(
            findings(
                [name: "-- +goose NO TRANSACTION\n" + migration(up: up, down: "DROP INDEX IF EXISTS i;")],
                only: "transaction-incompatible-statement") == [])
        #expect(
            findings([name: migration(up: "BEGIN;\nSELECT 1;\nCOMMIT;")], only: "transaction-control-in-migration")
                .count == 2)
    }

    @Test("CREATE INDEX without CONCURRENTLY: flagged on an existing table, not on one created in the file")
    func concurrentIndex() {
        let earlier = migration(
            up: "CREATE TABLE IF NOT EXISTS t (a int);", down: "DROP TABLE IF EXISTS t;")
        let later = migration(up: "CREATE INDEX IF NOT EXISTS i ON t (a);", down: "DROP INDEX IF EXISTS i;")
        #expect(
            findings(
                ["20240101120000_create_t_table.sql": earlier, "20240102120000_add_index_to_t.sql": later],
                only: "require-concurrent-index-creation") == [
                    "migrations/20240102120000_add_index_to_t.sql:2:1 warning[require-concurrent-index-creation]"
                ])
        let same = migration(
            up: "CREATE TABLE IF NOT EXISTS u (a int);\nCREATE INDEX IF NOT EXISTS j ON u (a);",
            down: "DROP TABLE IF EXISTS u;")
        #expect(findings([name: same], only: "require-concurrent-index-creation") == [])
    }

    @Test("Down drops without IF EXISTS; Up creates without IF NOT EXISTS")
    func ifExists() {
        let text = migration(
            up: "CREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN b int;",
            down: "ALTER TABLE a DROP COLUMN b;\nDROP TABLE a;")
        #expect(
            findings([name: text], only: "down-drop-if-exists") == [
                "migrations/\(name):5:1 warning[down-drop-if-exists]",
                "migrations/\(name):6:1 warning[down-drop-if-exists]",
            ])
        #expect(
            findings([name: text], only: "up-create-if-not-exists") == [
                "migrations/\(name):2:1 warning[up-create-if-not-exists]",
                "migrations/\(name):3:1 warning[up-create-if-not-exists]",
            ])
    }

    @Test("a destructive Up needs the DESTRUCTIVE header, then the backup and recovery lines")
    func destructive() {
        let up = "ALTER TABLE users DROP COLUMN IF EXISTS legacy;"
        #expect(
            findings([name: migration(up: up)], only: "destructive-requires-header") == [
                "migrations/\(name):2:1 error[destructive-requires-header]"
            ])
        let headerOnly = migration(up: up, header: "-- DESTRUCTIVE: drops users.legacy\n")
        #expect(findings([name: headerOnly], only: "destructive-requires-header") == [])
        #expect(
            findings([name: headerOnly], only: "destructive-requires-backup-doc") == [
                "migrations/\(name):1 error[destructive-requires-backup-doc]"
            ])
        for statement in [
            "TRUNCATE users;", "DELETE FROM users;", "UPDATE users SET a = 1;", "ALTER TABLE u RENAME COLUMN a TO b;",
            "ALTER TABLE u ALTER COLUMN a TYPE text;", "DROP TYPE IF EXISTS mood;",
        ] {
            #expect(
                findings([name: migration(up: statement)], only: "destructive-requires-header").count == 1,
                "\(statement)")
        }
        #expect(
            findings([name: migration(up: "DELETE FROM users WHERE id = 1;")], only: "destructive-requires-header")
                == [])
    }

    @Test("the example AgentFlow migrations have no errors")
    func examples() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/agentflow/migrations")
        let files = try DirectorySource(directory: directory.path).sourceFiles()
        let diagnostics = Linter().lint(files)
        #expect(!diagnostics.hasErrors, "\(diagnostics.map(\.description))")
    }
}

@Suite("lint: a function body goose cuts apart")
struct SplitFunctionTests {
    @Test("only goose-split-mismatch reports it: no syntax-error, no COMMIT for its END;")
    func splitFunction() {
        let text = migration(
            up:
                "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.updated_at = now();\n  RETURN NEW;\nEND;\n$$;",
            down: "DROP FUNCTION IF EXISTS touch();")
        let codes = findings(["20240101120000_create_touch_function.sql": text]).map {
            $0.split(separator: "[").last ?? ""
        }
        #expect(codes.contains("goose-split-mismatch]"))
        #expect(!codes.contains("syntax-error]") && !codes.contains("transaction-control-in-migration]"), "\(codes)")
    }
}

@Suite("lint: positions")
struct PositionTests {
    @Test("an indented statement is reported at its own column")
    func indented() {
        let text = migration(up: "    CREATE TABLE a (id int);", down: "DROP TABLE IF EXISTS a;")
        #expect(
            findings(["20240101120000_create_a_table.sql": text], only: "up-create-if-not-exists") == [
                "migrations/20240101120000_create_a_table.sql:2:5 warning[up-create-if-not-exists]"
            ])
    }
}
