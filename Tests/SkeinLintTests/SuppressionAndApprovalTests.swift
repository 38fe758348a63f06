import Foundation
import SkeinCore
import SkeinLint
import Testing

@Suite("lint: suppressions, approvals, baseline, severities")
struct SuppressionAndApprovalTests {
    let name = "20240101120000_add_index_to_t.sql"
    let earlier = [
        "20231231120000_create_t_table.sql": migration(
            up: "CREATE TABLE IF NOT EXISTS t (a int);", down: "DROP TABLE IF EXISTS t;")
    ]

    @Test("-- skein:ignore silences one rule on the next statement only; a reason is required")
    func ignore() {
        let text = migration(
            up:
                "-- skein:ignore require-concurrent-index-creation t is empty in every environment\nCREATE INDEX IF NOT EXISTS i ON t (a);\nCREATE INDEX IF NOT EXISTS j ON t (a);",
            down: "DROP INDEX IF EXISTS j;\nDROP INDEX IF EXISTS i;")
        #expect(
            findings(earlier.merging([name: text]) { $1 }, only: "require-concurrent-index-creation") == [
                "migrations/\(name):4:1 warning[require-concurrent-index-creation]"
            ])
        let noReason = migration(
            up: "-- skein:ignore require-concurrent-index-creation\nCREATE INDEX IF NOT EXISTS i ON t (a);",
            down: "DROP INDEX IF EXISTS i;")
        #expect(
            findings(earlier.merging([name: noReason]) { $1 }).contains(
                "migrations/\(name):2 error[invalid-suppression]"))
    }

    @Test("CRLF files: suppressions, the DESTRUCTIVE header and annotations are read line by line")
    func crlf() {
        let text = migration(
            up:
                "-- skein:ignore require-concurrent-index-creation t is empty in every environment\nCREATE INDEX IF NOT EXISTS i ON t (a);\nCREATE INDEX IF NOT EXISTS j ON t (a);",
            down: "DROP INDEX IF EXISTS j;\nDROP INDEX IF EXISTS i;"
        ).replacingOccurrences(of: "\n", with: "\r\n")
        #expect(
            findings(earlier.merging([name: text]) { $1 }, only: "require-concurrent-index-creation") == [
                "migrations/\(name):4:1 warning[require-concurrent-index-creation]"
            ])
        let destructive = migration(
            up: "DROP TABLE IF EXISTS t;", down: "SELECT 'MANUAL_RECOVERY_REQUIRED';",
            header:
                "-- DESTRUCTIVE: drops t\n-- Backup created: s3://b/t.dump\n-- Recovery procedure: pg_restore -t t\n"
        ).replacingOccurrences(of: "\n", with: "\r\n")
        let drop = "20240102120000_drop_t_table.sql"
        #expect(findings(earlier.merging([drop: destructive]) { $1 }, only: "destructive-requires-header") == [])
        #expect(findings(earlier.merging([drop: destructive]) { $1 }, only: "destructive-requires-backup-doc") == [])
    }

    @Test("-- skein:ignore-file silences a rule in the whole file")
    func ignoreFile() {
        let text =
            "-- skein:ignore-file require-concurrent-index-creation small lookup table\n"
            + migration(
                up: "CREATE INDEX IF NOT EXISTS i ON t (a);\nCREATE INDEX IF NOT EXISTS j ON t (a);",
                down: "DROP INDEX IF EXISTS j;\nDROP INDEX IF EXISTS i;")
        #expect(findings(earlier.merging([name: text]) { $1 }, only: "require-concurrent-index-creation") == [])
    }

    @Test("an approval bound to the file's checksum satisfies destructive-requires-approval until the file changes")
    func approvals() {
        let text =
            "-- DESTRUCTIVE: drops t.a\n-- Backup created: s3://backups/t\n-- Recovery procedure: docs/runbooks/t.md\n"
            + migration(
                up: "ALTER TABLE t DROP COLUMN IF EXISTS a;", down: "SELECT 'MANUAL_RECOVERY_REQUIRED' as status;")
        let file = SourceFile(path: "migrations/" + name, text: text)
        let catalog = MigrationCatalog(files: [file])
        var ledger = ApprovalLedger()
        _ = ledger.approve(catalog.migrations[0], by: "alice", reason: "PR 12", at: Date(timeIntervalSince1970: 0))
        var configuration = LintConfiguration()
        configuration.only = ["destructive-requires-approval"]
        #expect(Linter(configuration: configuration).lint([file]).map(\.code) == ["destructive-requires-approval"])
        configuration.approvals = ledger
        #expect(Linter(configuration: configuration).lint([file]).isEmpty)
        let edited = SourceFile(path: file.path, text: text + "-- a later edit\n")
        let stale = Linter(configuration: configuration).lint([edited])
        #expect(stale.map(\.code) == ["destructive-requires-approval"])
        #expect(stale.first?.message.contains("no longer holds") == true)
    }

    @Test("severities can be changed or turned off; a baseline reports only later files")
    func configuration() {
        let files = earlier.merging([
            name: migration(up: "CREATE INDEX IF NOT EXISTS i ON t (a);", down: "DROP INDEX IF EXISTS i;")
        ]) { $1 }
        let sources = files.map { SourceFile(path: "migrations/" + $0.key, text: $0.value) }
        var configuration = LintConfiguration()
        configuration.only = ["require-concurrent-index-creation"]
        configuration.severities["require-concurrent-index-creation"] = .some(.error)
        #expect(Linter(configuration: configuration).lint(sources).map(\.severity) == [.error])
        configuration.severities["require-concurrent-index-creation"] = .some(nil)
        #expect(Linter(configuration: configuration).lint(sources).isEmpty)
        configuration = LintConfiguration()
        configuration.baseline = 20_240_101_120_000
        #expect(Linter(configuration: configuration).lint(sources).isEmpty, "the index file is not after the baseline")
    }
}
