import Foundation
import Logging
import PostgresNIO
import SkeinCore
import SkeinPostgres
import SkeinTestSupport
import SkeinVerify
import Testing

/// The Verifier on real PostgreSQL: each test's migrations on a fresh database.
@Suite("verify: every Down undoes its Up")
struct VerifierTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    func verify(_ texts: [String: String], options: Verifier.Options = .init()) async throws -> VerificationReport {
        let migrations = try MigrationCatalog(source: InMemorySource(texts: texts)).migrations
        return try await TestDatabase.withFreshDatabase { database in
            try await database.client.withConnection { connection in
                try await Verifier(options: options).verify(migrations, on: connection, logger: logger)
            }
        }
    }

    func file(_ up: String, _ down: String, header: String = "") -> String {
        header + "-- +goose Up\n" + up + "\n-- +goose Down\n" + down + "\n"
    }

    func messages(_ report: VerificationReport) -> [String] {
        report.migrations.flatMap { verdict in verdict.problems.map { "\(verdict.version): \($0.message)" } }
    }

    @Test("the example migrations are verified, each on its own")
    func examples() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let migrations = try MigrationCatalog(
            source: DirectorySource(directory: root.appendingPathComponent("examples/agentflow/migrations").path)
        ).migrations
        let report = try await TestDatabase.withFreshDatabase { database in
            try await database.client.withConnection { connection in
                try await Verifier().verify(migrations, on: connection, logger: logger)
            }
        }
        #expect(report.passed, "\(report)")
        #expect(report.migrations.count == migrations.count)
        #expect(report.migrations.allSatisfy { $0.outcome == .verified }, "\(report.migrations)")
    }

    @Test("a Down that leaves an index behind fails, naming the index; the next migration is still checked")
    func indexLeftBehind() async throws {
        let report = try await verify([
            "00001_create_sessions.sql": file(
                "CREATE TABLE sessions (id bigint PRIMARY KEY, token text);", "DROP TABLE sessions;"),
            "00002_add_sessions_token_index.sql": file(
                "CREATE INDEX IF NOT EXISTS idx_sessions_token ON sessions (token);", "SELECT 1;"),
            "00003_create_users.sql": file("CREATE TABLE users (id bigint);", "DROP TABLE users;"),
        ])
        #expect(!report.passed)
        #expect(report.migrations.map(\.outcome) == [.verified, .failed, .verified])
        #expect(
            messages(report).contains { $0.hasPrefix("2: Down leaves index idx_sessions_token") }, "\(messages(report))"
        )
    }

    @Test("a Down that restores a column with another default says what differs")
    func changedDefault() async throws {
        let report = try await verify([
            "00001_create_users.sql": file("CREATE TABLE users (id bigint, role text);", "DROP TABLE users;"),
            "00002_set_role_default.sql": file(
                "ALTER TABLE users ALTER COLUMN role SET DEFAULT 'member';",
                "ALTER TABLE users ALTER COLUMN role SET DEFAULT 'guest';"),
        ])
        #expect(report.migrations.map(\.outcome) == [.verified, .failed])
        let problem = report.migrations[1].problems.first
        #expect(problem?.phase == .down)
        #expect(problem?.message.contains("users.role") == true, "\(String(describing: problem))")
        #expect(problem?.message.contains("'guest'") == true && problem?.message.contains("after Down") == true)
    }

    @Test("an Up that fails on an empty database stops with the file, the line and what was verified before it")
    func upFails() async throws {
        let report = try await verify([
            "00001_create_users.sql": file("CREATE TABLE users (id bigint);", "DROP TABLE users;"),
            "00002_backfill_roles.sql": file(
                "INSERT INTO users (id) VALUES (1);\nUPDATE roles SET name = 'x';", "SELECT 1;"),
        ])
        #expect(!report.passed)
        guard case .upFailed(let file, let failure, let verified)? = report.stop else {
            Issue.record("expected an Up failure, got \(String(describing: report.stop))")
            return
        }
        #expect(file == "migrations/00002_backfill_roles.sql")
        #expect(failure.summary.hasPrefix("migrations/00002_backfill_roles.sql:3: "), "\(failure.summary)")
        #expect(failure.sqlState == "42P01")
        #expect(verified == ["migrations/00001_create_users.sql"])
        #expect(report.stop?.description.contains("Verified before it: 1") == true)
    }

    @Test("an Up that cannot run again after its Down is reported")
    func notRerunnable() async throws {
        let report = try await verify([
            "00001_create_things.sql": file(
                "CREATE TABLE things (id bigint);\nCREATE SEQUENCE thing_numbers;", "DROP TABLE things;")
        ])
        #expect(!report.passed)
        #expect(messages(report).contains { $0.contains("Down leaves sequence") || $0.contains("thing_numbers") })
        guard case .upAgainFailed? = report.stop else {
            Issue.record("expected the second Up to fail, got \(String(describing: report.stop))")
            return
        }
    }

    @Test("a DESTRUCTIVE migration with the manual-recovery Down is skipped, with the reason")
    func manualRecoverySkipped() async throws {
        let destructive = """
            -- DESTRUCTIVE: drops the legacy table
            -- Backup created: s3://backups/legacy.dump
            -- Recovery procedure: pg_restore -t legacy
            -- +goose Up
            DROP TABLE legacy;
            -- +goose Down
            SELECT 'MANUAL_RECOVERY_REQUIRED';

            """
        let report = try await verify([
            "00001_create_legacy.sql": file("CREATE TABLE legacy (id bigint);", "DROP TABLE legacy;"),
            "00002_drop_legacy.sql": destructive,
        ])
        let skipped = report.migrations.last
        #expect(skipped?.outcome == .skipped, "\(report)")
        #expect(skipped?.reason?.contains("manual-recovery") == true)
        #expect(report.passed)
    }

    @Test("--from and --to limit what is checked; earlier migrations are applied first")
    func range() async throws {
        var options = Verifier.Options()
        options.from = 2
        options.to = 2
        let report = try await verify(
            [
                "00001_create_users.sql": file("CREATE TABLE users (id bigint);", "SELECT 1;"),
                "00002_add_users_name.sql": file(
                    "ALTER TABLE users ADD COLUMN name text;", "ALTER TABLE users DROP COLUMN name;"),
                "00003_create_teams.sql": file("CREATE TABLE teams (id bigint);", "SELECT 1;"),
            ], options: options)
        // 1 and 3 leave their tables behind, but only 2 is checked.
        #expect(report.migrations.map(\.version) == [2])
        #expect(report.passed, "\(report)")
    }

    @Test("--data: values a Down loses are warnings; a table without generated rows is 'not checked'")
    func data() async throws {
        var options = Verifier.Options()
        options.data = true
        let report = try await verify(
            [
                "00001_create_users.sql": file(
                    "CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL, age int);",
                    "DROP TABLE users;"),
                "00002_alter_users_age.sql": file(
                    "ALTER TABLE users ALTER COLUMN age TYPE bigint;",
                    "ALTER TABLE users DROP COLUMN age;\nALTER TABLE users ADD COLUMN age int;"),
                "00003_create_boxes.sql": file("CREATE TABLE boxes (shape point NOT NULL);", "DROP TABLE boxes;"),
                "00004_add_boxes_label.sql": file(
                    "ALTER TABLE boxes ADD COLUMN label text;", "ALTER TABLE boxes DROP COLUMN label;"),
            ], options: options)
        let second = report.migrations[1]
        #expect(
            second.problems.contains {
                $0.phase == .data && $0.severity == .warning && $0.message.contains("column users.age")
            }, "\(second.problems)")
        #expect(!second.problems.contains { $0.message.contains("users.email") })
        #expect(report.migrations[3].dataNotChecked.contains { $0.hasPrefix("boxes: ") }, "\(report.migrations[3])")
    }

    @Test("--data: an Up that fails only with rows in its tables is a warning, and is verified without them")
    func upFailsWithData() async throws {
        var options = Verifier.Options()
        options.data = true
        let texts = [
            "00001_create_users.sql": file(
                "CREATE TABLE users (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, email text UNIQUE);",
                "DROP TABLE users;"),
            "00002_add_users_name.sql": file(
                "ALTER TABLE users ADD COLUMN name text NOT NULL;", "ALTER TABLE users DROP COLUMN name;"),
            "00003_seed_users.sql": file(
                "INSERT INTO users (id, email, name) VALUES (1, 'a@example.com', 'A');",
                "DELETE FROM users WHERE id = 1;"),
        ]
        let report = try await verify(texts, options: options)
        #expect(report.passed, "\(report)")
        #expect(report.migrations.map(\.outcome) == [.verified, .verified, .verified])
        let warnings = report.migrations.flatMap(\.problems).filter { $0.severity == .warning }.map(\.message)
        #expect(
            warnings.contains { $0.hasPrefix("Up fails with rows in users: ") && $0.contains("23502") }, "\(warnings)")
        #expect(warnings.count == 1, "\(warnings)")
        // Without --data the same set has no warnings at all.
        #expect(try await verify(texts).migrations.allSatisfy { $0.problems.isEmpty })
    }

    @Test("--seed: the user's rows instead of generated ones; statements wait for their table; a bad one is a warning")
    func seedFile() async throws {
        var options = Verifier.Options()
        options.data = true
        options.seed = SeedStatement.statements(
            of: """
                INSERT INTO teams (name) VALUES ('core'), ('web');
                INSERT INTO users (email) VALUES ('a@example.com');
                INSERT INTO users (nope) VALUES (1);
                INSERT INTO users (email) VALUES (NULL);
                """, path: "seed.sql")
        let report = try await verify(
            [
                "00001_create_users.sql": file("CREATE TABLE users (email text NOT NULL);", "DROP TABLE users;"),
                "00002_create_teams.sql": file("CREATE TABLE teams (name text);", "DROP TABLE teams;"),
                "00003_alter_teams_name.sql": file(
                    "ALTER TABLE teams ALTER COLUMN name TYPE varchar(50);",
                    "ALTER TABLE teams DROP COLUMN name;\nALTER TABLE teams ADD COLUMN name text;"),
            ], options: options)
        // Statement 3 waits for a column that never comes; statement 4 fails its NOT NULL: a warning, at its line.
        #expect(
            report.migrations[1].problems.map(\.message).contains {
                $0.hasPrefix("seed seed.sql:4 failed: null value in column \"email\"")
            }, "\(report.migrations[1].problems)")
        #expect(
            report.migrations[2].problems.map(\.message) == ["column teams.name: Down changed or lost 2 of 2 values"],
            "\(report.migrations[2].problems)")
        #expect(report.passed)
    }

    @Test("steps leave goose's version rows as goose does: version 0, then each migration applied")
    func versionRows() async throws {
        let migrations = try MigrationCatalog(
            source: InMemorySource(texts: [
                "00001_create_users.sql": file("CREATE TABLE users (id bigint);", "DROP TABLE users;"),
                "00002_create_teams.sql": file("CREATE TABLE teams (id bigint);", "DROP TABLE teams;"),
            ])
        ).migrations
        let (report, rows) = try await TestDatabase.withFreshDatabase { database in
            try await database.client.withConnection { connection in
                let report = try await Verifier().verify(migrations, on: connection, logger: logger)
                var rows: [String] = []
                for try await (version, applied) in try await connection.query(
                    "SELECT version_id, is_applied FROM goose_db_version ORDER BY id", logger: logger
                ).decode((Int64, Bool).self) {
                    rows.append("\(version) \(applied)")
                }
                return (report, rows)
            }
        }
        #expect(report.passed, "\(report)")
        #expect(rows == ["0 true", "1 true", "2 true"])
    }

    @Test("a version table that already records applied versions: steps are planned against it, as the runner does")
    func alreadyApplied() async throws {
        let migrations = try MigrationCatalog(
            source: InMemorySource(texts: [
                "00001_create_users.sql": file("CREATE TABLE users (id bigint);", "DROP TABLE users;"),
                "00002_create_teams.sql": file("CREATE TABLE teams (id bigint);", "DROP TABLE teams;"),
            ])
        ).migrations
        let report = try await TestDatabase.withFreshDatabase { database in
            try await database.client.withConnection { connection in
                var configuration = Migrator.Configuration()
                configuration.lockID = nil
                configuration.bookkeeping = .gooseOnly
                _ = try await Migrator(configuration: configuration).run(
                    .upByOne, migrations: migrations, on: connection, logger: logger)
                var options = Verifier.Options()
                options.from = 2
                return try await Verifier(options: options).verify(migrations, on: connection, logger: logger)
            }
        }
        // Planned, `up-by-one` finds migration 1 applied and refuses (run directly, it would fail with 42P07).
        guard case .setupFailed(let file, let failure, _)? = report.stop else {
            Issue.record("expected the set-up to be refused, got \(report)")
            return
        }
        #expect(file == "migrations/00001_create_users.sql")
        #expect(failure.summary.contains("no-next-version"), "\(failure.summary)")
    }

    @Test("a file that does not parse fails with the diagnostic the runner would refuse it with")
    func doesNotParse() async throws {
        let report = try await verify([
            "00001_create_users.sql": file(
                "CREATE TABLE users (id bigint);", "-- +goose StatementBegin\nDROP TABLE users;")
        ])
        #expect(!report.passed)
        #expect(report.migrations.map(\.outcome) == [.failed])
        #expect(
            messages(report).first?.hasPrefix(
                "1: Up fails: migrations/00001_create_users.sql:4: error[goose-missing-statement-end]") == true,
            "\(messages(report))")
    }
}
