import Foundation
import SkeinTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Checksums and drift, adoption, and approvals at run time, through the `skein` binary on real PostgreSQL.
@Suite("skein binary: governance gates")
struct CLIGovernanceTests {
    static let users =
        "-- +goose Up\nCREATE TABLE users (id bigint PRIMARY KEY);\n-- +goose Down\nDROP TABLE users;\n"

    @Test(
        "an applied file whose Up changed: up refuses (goose mode warns), status and validate say so, --allow-modified accepts and records it"
    )
    func modified() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write("20240101120000_create_users_table.sql", Self.users)
        let args = ["--dir", dir.path, "--database-url", database.text]
        #expect(try await SkeinBinary.run(["up"] + args).status == 0)

        // Only the Down changes: reported, not blocking.
        try dir.write(
            "20240101120000_create_users_table.sql",
            Self.users.replacingOccurrences(of: "DROP TABLE users;", with: "DROP TABLE IF EXISTS users;"))
        let downOnly = try await SkeinBinary.run(["status", "--format", "json"] + args)
        #expect(downOnly.stdout.contains("\"down-modified\""), "\(downOnly.stdout)")

        // The Up changes: a new migration may not run on top of it.
        try dir.write(
            "20240101120000_create_users_table.sql",
            Self.users.replacingOccurrences(of: "id bigint PRIMARY KEY", with: "id bigint PRIMARY KEY, email text"))
        try dir.write(
            "20240102120000_add_users_name.sql",
            "-- +goose Up\nALTER TABLE users ADD COLUMN name text;\n-- +goose Down\nALTER TABLE users DROP COLUMN name;\n"
        )
        let refused = try await SkeinBinary.run(["up"] + args)
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains("20240101120000_create_users_table.sql: its Up changed after it was applied"),
            "\(refused.stderr)")
        #expect(refused.stderr.contains("--allow-modified"))
        #expect(
            try await scalar(
                "SELECT count(*)::text FROM goose_db_version WHERE version_id = 20240102120000", on: database) == "0")
        let status = try await SkeinBinary.run(["status", "--format", "json"] + args)
        #expect(status.stdout.contains("\"modified\""), "\(status.stdout)")
        let validate = try await SkeinBinary.run([
            "validate", "--format", "json", "--dir", dir.path, "--database-url", database.text,
        ])
        #expect(validate.status == 1)
        #expect(validate.stdout.contains("\"code\":\"modified\""), "\(validate.stdout)")
        #expect(try await SkeinBinary.run(["validate", "--dir", dir.path]).status == 0)

        // goose's invocation: a warning, and the run goes on (goose itself keeps no checksums).
        let goose = try await SkeinBinary.run(["-dir", dir.path, "postgres", database.text, "up-by-one"])
        #expect(goose.status == 0, "\(goose.stderr)")
        #expect(goose.stderr.contains("its Up changed after it was applied"))
        #expect(try await SkeinBinary.run(["down"] + args).status == 0)

        let allowed = try await SkeinBinary.run(["up", "--allow-modified"] + args)
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.stderr.contains("accepted (--allow-modified)"))
        #expect(
            try await rows(
                "SELECT action, version_id::text, outcome FROM goose_db_version_skein_audit WHERE action = 'allow-modified'",
                on: database) == [["allow-modified", "20240101120000", "recorded"]])
        // The new text is now the recorded one.
        try dir.write(
            "20240103120000_add_users_age.sql",
            "-- +goose Up\nALTER TABLE users ADD COLUMN age int;\n-- +goose Down\nALTER TABLE users DROP COLUMN age;\n")
        #expect(try await SkeinBinary.run(["up"] + args).status == 0)
    }

    @Test("a database migrated by goose alone: Skein adopts the checksums on its first run, says so, and audits it")
    func adoption() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write("20240101120000_create_users_table.sql", Self.users)
        // What goose v3.17 leaves: its table, version 0 and the applied version, and the schema.
        for statement in [
            """
            CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL, is_applied boolean NOT NULL,
                tstamp timestamp NULL default now(), PRIMARY KEY(id))
            """,
            "INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (20240101120000, true)",
            "CREATE TABLE users (id bigint PRIMARY KEY)",
        ] {
            _ = try await rows(statement, on: database)
        }
        try dir.write(
            "20240102120000_add_users_name.sql",
            "-- +goose Up\nALTER TABLE users ADD COLUMN name text;\n-- +goose Down\nALTER TABLE users DROP COLUMN name;\n"
        )
        let result = try await SkeinBinary.run(["up", "--dir", dir.path, "--database-url", database.text])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stderr.contains("adopted the checksums of 1 migration applied without Skein"), "\(result.stderr)")
        #expect(
            try await rows(
                "SELECT version_id::text FROM goose_db_version_skein_applied ORDER BY 1", on: database) == [
                    ["20240101120000"], ["20240102120000"],
                ])
        #expect(
            try await scalar(
                "SELECT count(*)::text FROM goose_db_version_skein_audit WHERE action = 'adopt'", on: database) == "1")
    }

    @Test(
        "a DESTRUCTIVE migration runs only with a valid approval (or --allow-destructive, recorded); the approver is audited"
    )
    func destructive() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write("20240101120000_create_users_table.sql", Self.users)
        let drop = """
            -- DESTRUCTIVE: drops the users table
            -- Backup created: s3://backups/users.dump
            -- Recovery procedure: pg_restore -t users
            -- +goose Up
            DROP TABLE users;
            -- +goose Down
            SELECT 'MANUAL_RECOVERY_REQUIRED';

            """
        try dir.write("20240102120000_drop_users_table.sql", drop)
        let args = ["--dir", dir.path, "--database-url", database.text]
        let refused = try await SkeinBinary.run(["up"] + args)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("20240102120000_drop_users_table.sql (no approval)"), "\(refused.stderr)")
        #expect(refused.stderr.contains("skein approve"))
        // Nothing ran, not even the harmless first file: the gate is checked before any step.
        #expect(try await scalar("SELECT to_regclass('users')::text", on: database) == nil)

        #expect(
            try await SkeinBinary.run([
                "approve", "20240102120000", "--by", "alice", "--reason", "legacy", "--dir", dir.path,
            ])
            .status == 0)
        try dir.write(
            "20240102120000_drop_users_table.sql", drop.replacingOccurrences(of: "users table", with: "users table!"))
        let stale = try await SkeinBinary.run(["up"] + args)
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("approved by alice, but the file changed since"), "\(stale.stderr)")

        try dir.write("20240102120000_drop_users_table.sql", drop)
        // Approved, but a destructive migration also needs a backup.
        let unbacked = try await SkeinBinary.run(["up"] + args)
        #expect(unbacked.status == 1)
        #expect(unbacked.stderr.contains("without a backup: 20240102120000_drop_users_table.sql"), "\(unbacked.stderr)")
        #expect(unbacked.stderr.contains("--backup DIR"))
        // A backup that cannot be written stops the run before anything runs.
        let badBackup = try await SkeinBinary.run(["up", "--backup", "/proc/skein-cannot-write-here"] + args)
        #expect(badBackup.status == 1)
        #expect(
            badBackup.stderr.contains("the backup before migrating failed, so nothing was migrated"),
            "\(badBackup.stderr)")
        #expect(try await scalar("SELECT to_regclass('users')::text", on: database) == nil)

        let backups = dir.url.appendingPathComponent("backups").path
        let approved = try await SkeinBinary.run(["up", "--backup", backups] + args)
        #expect(approved.status == 0, "\(approved.stderr)")
        let dumps = try FileManager.default.contentsOfDirectory(atPath: backups)
        #expect(dumps.count == 1 && dumps[0].hasSuffix("-to-20240102120000.dump"), "\(dumps)")
        #expect(approved.stderr.contains("backup: \(backups)/"))
        #expect(!approved.stderr.contains("warning: backup"), "a backup taken is information, not a warning")
        #expect(!approved.stderr.contains("password"))
        // The failed attempt and the backup that was taken, both audited.
        let backupRows = try await rows(
            "SELECT outcome, message FROM goose_db_version_skein_audit WHERE action = 'backup' ORDER BY id",
            on: database)
        #expect(backupRows.map { $0[0] } == ["failed", "recorded"])
        #expect(backupRows.last?[1]?.contains(dumps[0]) == true)
        let approval = try await scalar(
            "SELECT approval FROM goose_db_version_skein_audit WHERE action = 'migrate' AND version_id = 20240102120000",
            on: database)
        #expect(approval?.hasPrefix("approved by alice at ") == true, "\(approval ?? "nil")")
        #expect(approval?.hasSuffix(": legacy") == true)

        // Without approval, --allow-destructive lets it through and records who did.
        try dir.write(
            "20240103120000_drop_users_again.sql",
            "-- DESTRUCTIVE: nothing left\n-- +goose Up\nDROP TABLE IF EXISTS users;\n-- +goose Down\nSELECT 'MANUAL_RECOVERY_REQUIRED';\n"
        )
        let allowed = try await SkeinBinary.run(["up", "--allow-destructive", "--no-backup"] + args)
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(
            try await scalar(
                "SELECT count(*)::text FROM goose_db_version_skein_audit WHERE action = 'no-backup'", on: database)
                == "1")
        let audit = try await rows(
            "SELECT version_id::text, outcome, message FROM goose_db_version_skein_audit WHERE action = 'allow-destructive'",
            on: database)
        #expect(audit.count == 1 && audit.first?[0] == "20240103120000")
        #expect(audit.first?[2]?.contains("--allow-destructive by ") == true)
    }

    @Test(
        "--log-format json, --on-failure and --metrics-file: events as JSON lines, the hook gets the failure, the metrics file is written"
    )
    func alerts() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write("20240101120000_create_users_table.sql", Self.users)
        try dir.write(
            "20240102120000_add_users_age.sql",
            "-- +goose Up\nALTER TABLE users ADD COLUMN age int;\nSELECT 1/0;\n-- +goose Down\nSELECT 1;\n")
        let hookOutput = dir.url.appendingPathComponent("hook.txt").path
        let metrics = dir.url.appendingPathComponent("skein.prom").path
        let url = database.text
        let result = try await SkeinBinary.run(
            [
                "up", "--dir", dir.path, "--database-url", url, "--log-format", "json", "--metrics-file", metrics,
                "--on-failure",
                "env | grep -E '^SKEIN_' | sort > \(hookOutput); echo \"url=$DATABASE_URL\" >> \(hookOutput)",
            ], environment: ["DATABASE_URL": url])
        #expect(result.status == 1)
        let events = result.stderr.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
        }
        let messages = events.map { "\($0["message"] ?? "")/\($0["migration.version"] ?? "")" }
        #expect(messages.contains("migration started/20240101120000"), "\(result.stderr)")
        #expect(messages.contains("migration finished/20240101120000"))
        let failed = events.first { $0["message"] == "migration failed" }
        #expect(
            failed?["error.sqlstate"] == "22012" && failed?["migration.line"] == "3", "\(String(describing: failed))")
        #expect(failed?["level"] == "error" && failed?["time"] != nil)

        let hook = try String(contentsOfFile: hookOutput, encoding: .utf8)
        #expect(hook.contains("SKEIN_FAILED_VERSION=20240102120000"), "\(hook)")
        #expect(hook.contains("SKEIN_FAILED_FILE=\(dir.path)/20240102120000_add_users_age.sql"))
        #expect(hook.contains("SKEIN_SQLSTATE=22012") && hook.contains("SKEIN_FAILED_LINE=3"))
        #expect(hook.contains("SKEIN_APPLIED=20240101120000_create_users_table.sql"))
        #expect(
            hook.contains("url=\n") || hook.hasSuffix("url=\n"),
            "the connection string must not reach the hook: \(hook)")

        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(text.contains("skein_migrations_total{direction=\"up\",outcome=\"failed\"} 1"), "\(text)")
        #expect(text.contains("skein_migrations_total{direction=\"up\",outcome=\"applied\"} 1"))
    }

    @Test("an --on-failure hook that leaves a program running in the background does not hold the run")
    func hookInBackground() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write("00001_fail.sql", "-- +goose Up\nSELECT 1/0;\n-- +goose Down\nSELECT 1;\n")
        let pidFile = dir.url.appendingPathComponent("notifier.pid").path
        // Not SkeinBinary.run's 10 minutes: a run held by the notifier would end only when it does.
        let run = try await ChildProcess.run(
            SkeinBinary.path,
            [
                "up", "--dir", dir.path, "--database-url", database.text, "--on-failure",
                "sleep 600 & echo $! > \(pidFile)",
            ], environment: SkeinBinary.environment([:]), limit: .seconds(120))
        let notifier = Int32(
            (try? String(contentsOfFile: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
                ?? "")
        defer { if let notifier { kill(notifier, SIGKILL) } }
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("division by zero"), "\(run.stderr)")
        #expect(notifier.map { kill($0, 0) == 0 } == true, "the hook's background program is still running")
    }

    @Test("a role without the privilege a statement needs: the failure names it, at its file and line, with the hint")
    func leastPrivilege() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let role = "migrator_\(UInt32.random(in: 0...UInt32.max))"
        for statement in [
            "CREATE TABLE owned (id int)", "CREATE ROLE \(role) LOGIN", "GRANT CREATE ON SCHEMA public TO \(role)",
        ] {
            _ = try await rows(statement, on: database)
        }
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write(
            "20240101120000_add_owned_name.sql",
            "-- +goose Up\nALTER TABLE owned ADD COLUMN name text;\n-- +goose Down\nALTER TABLE owned DROP COLUMN name;\n"
        )
        var url = URLComponents(string: database.text)!
        url.user = role
        let result = try await SkeinBinary.run(["up", "--dir", dir.path, "--database-url", url.string!])
        for statement in ["DROP OWNED BY \(role)", "DROP ROLE \(role)"] { _ = try await rows(statement, on: database) }
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(
                "20240101120000_add_owned_name.sql:2: must be owner of table owned (SQLSTATE 42501)"),
            "\(result.stderr)")
        #expect(result.stderr.contains("docs/governance.md#least-privilege"))
    }
}
