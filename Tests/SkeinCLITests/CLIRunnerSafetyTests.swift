import Foundation
import Logging
import PostgresNIO
import SkeinTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A scratch migrations directory.
struct MigrationsDirectory {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("skein-mig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func remove(_ name: String) throws { try FileManager.default.removeItem(at: url.appendingPathComponent(name)) }

    func delete() { try? FileManager.default.removeItem(at: url) }
}

/// One SQL query's rows as text, over a connection of its own.
func rows(_ sql: String, on database: DatabaseURL) async throws -> [[String?]] {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    let connection = try await PostgresConnection.connect(
        configuration: try database.connectionConfiguration(), id: 1, logger: logger)
    defer { Task { try? await connection.close() } }
    var result: [[String?]] = []
    for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) {
        result.append(try row.map { cell in try cell.decode(String?.self) })
    }
    return result
}

func scalar(_ sql: String, on database: DatabaseURL) async throws -> String? {
    try await rows(sql, on: database).first?.first ?? nil
}

/// A login role with CREATEDB of a test's own, and `url`: the test database's URL as that role. Databases are
/// cluster-wide and other tests create and drop theirs meanwhile, so a test that counts what a `--dev-url` run
/// leaves counts only the databases its role owns.
struct OwnRole {
    let name: String
    let url: String
    let database: DatabaseURL

    init(_ prefix: String, on database: DatabaseURL) async throws {
        name = "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
        self.database = database
        _ = try await rows("CREATE ROLE \(name) LOGIN CREATEDB PASSWORD 'secret-\(name)'", on: database)
        var components = try #require(URLComponents(string: database.text))
        components.user = name
        components.password = "secret-\(name)"
        url = try #require(components.string)
    }

    /// How many databases the role owns whose names start with `prefix` (a LIKE pattern).
    func databases(like prefix: String) async throws -> String? {
        try await scalar(
            """
            SELECT count(*)::text FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba
            WHERE r.rolname = '\(name)' AND d.datname LIKE '\(prefix)\\_%'
            """, on: database)
    }

    /// Drops the role's databases (on a shared server they would stay), then the role.
    func drop() async throws {
        let left = try await rows(
            "SELECT d.datname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE r.rolname = '\(name)'",
            on: database)
        for database in left.compactMap({ $0.first ?? nil }) {
            _ = try await rows(
                "DROP DATABASE \(TestDatabase.quoteIdentifier(database)) WITH (FORCE)", on: self.database)
        }
        _ = try await rows("DROP ROLE \(name)", on: database)
    }
}

/// Holds an advisory lock that a migration statement (`SELECT pg_advisory_lock(<key>)`) waits for, so a test can
/// act while that statement is running, with no timing window. A lock_timeout ends that wait too: runs that use it
/// pass `--lock-timeout 0`.
struct Barrier {
    static let key: Int64 = 424_242
    static let statement = "SELECT pg_advisory_lock(424242)"
    let connection: PostgresConnection
    let database: DatabaseURL
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    init(on database: DatabaseURL) async throws {
        self.database = database
        connection = try await PostgresConnection.connect(
            configuration: try database.connectionConfiguration(), id: 7, logger: logger)
        _ = try await connection.query("SELECT pg_advisory_lock(424242)", logger: logger).collect()
    }

    /// Waits until a session of this database waits for the barrier.
    func waitForWaiter() async throws -> Bool {
        try await eventually(.seconds(120)) {
            try await scalar(
                "SELECT count(*)::text FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE d.datname = current_database() AND l.locktype = 'advisory' AND NOT l.granted AND l.objid = 424242",
                on: database) == "1"
        }
    }

    /// Releases the barrier (a query on a connection the server has closed would never return: skip it then).
    func release() async throws {
        if !connection.isClosed {
            _ = try await connection.query("SELECT pg_advisory_unlock(424242)", logger: logger).collect()
        }
        try await connection.close()
    }

    /// A barrier for `body`, released and closed however `body` ends: a test that fails or throws half-way must not
    /// leave an open connection behind (a debug PostgresNIO stops the whole test process on one).
    static func holding<Result>(on database: DatabaseURL, _ body: (Barrier) async throws -> Result) async throws
        -> Result
    {
        let barrier = try await Barrier(on: database)
        // Closing ends the session, which releases the lock; a connection the body released is closed already.
        do {
            let result = try await body(barrier)
            try? await barrier.connection.close()
            return result
        } catch {
            try? await barrier.connection.close()
            throw error
        }
    }
}

/// Waits until `condition` holds, polling (bounded; the test fails after `limit`). Two minutes by default: a child
/// process reaching its barrier can take tens of seconds on a loaded two-core machine running every suite at once.
func eventually(_ limit: Duration = .seconds(120), _ condition: () async throws -> Bool) async throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + limit
    while clock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return false
}

@Suite("skein binary: failure safety against a real PostgreSQL", .requiresPostgreSQL)
struct CLIRunnerSafetyTests {
    @Test("a NO TRANSACTION file failing at its 2nd statement is dirty: later runs refuse until repair")
    func dirtyState() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write("00001_a.sql", "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n")
        try dir.write(
            "00002_b.sql",
            "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE TABLE b (id int);\nSELECT 1/0;\nCREATE TABLE c (id int);\n-- +goose Down\nDROP TABLE b;\n"
        )
        let args = ["--dir", dir.path, "--database-url", database.text]
        let first = try await SkeinBinary.run(["up"] + args)
        #expect(first.status == 1)
        #expect(first.stderr.contains("00002_b.sql:4"), "\(first.stderr)")
        #expect(first.stderr.contains("22012"))
        #expect(first.stderr.contains("1 of its 3 statements completed"))
        #expect(first.stderr.contains("recorded as dirty"))

        let status = try await SkeinBinary.run(["status", "--format", "json"] + args)
        #expect(status.stdout.contains("\"state\":\"dirty\""), "\(status.stdout)")
        let table = try await SkeinBinary.run(["status"] + args)
        #expect(table.stdout.contains("DIRTY                    -- 00002_b.sql"))

        let again = try await SkeinBinary.run(["up"] + args)
        #expect(again.status == 1)
        #expect(again.stderr.contains("the database is dirty"), "\(again.stderr)")
        #expect(again.stderr.contains("statements 1–1 of 3 completed; statement 2 at line 4 failed: division by zero"))
        #expect(again.stderr.contains("skein repair 2 --applied"))

        let notDirty = try await SkeinBinary.run(["repair", "1", "--applied"] + args)
        #expect(notDirty.status == 1 && notDirty.stderr.contains("version 1 is not dirty"))
        let both = try await SkeinBinary.run(["repair", "2", "--applied", "--rolled-back"] + args)
        #expect(both.status == 2)

        // The operator undoes what ran, fixes the file, records the rollback, and runs again.
        _ = try await rows("DROP TABLE b", on: database)
        let repaired = try await SkeinBinary.run(["repair", "2", "--rolled-back"] + args)
        #expect(repaired.status == 0, "\(repaired.stderr)")
        #expect(repaired.stdout.contains("recorded as rolled-back"))
        let audit = try await rows(
            "SELECT action, version_id::text, outcome, (os_user IS NOT NULL)::text, sqlstate FROM goose_db_version_skein_audit ORDER BY id",
            on: database)
        // The failed attempt's row survived the failure; the run has its own row; the repair is recorded.
        #expect(
            audit == [
                ["migrate", "1", "applied", "true", nil], ["migrate", "2", "failed", "true", "22012"],
                ["run", "2", "failed", "true", "22012"], ["repair", "2", "rolled-back", "true", nil],
            ])

        try dir.write(
            "00002_b.sql",
            "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE TABLE b (id int);\nSELECT 1;\nCREATE TABLE c (id int);\n-- +goose Down\nDROP TABLE c;\nDROP TABLE b;\n"
        )
        let fixed = try await SkeinBinary.run(["up"] + args)
        #expect(fixed.status == 0, "\(fixed.stderr)")
        #expect(
            try await rows("SELECT version_id::text FROM goose_db_version ORDER BY id", on: database) == [
                ["0"], ["1"], ["2"],
            ])
        #expect(try await scalar("SELECT count(*)::text FROM goose_db_version_skein_progress", on: database) == "0")
    }

    @Test("a NO TRANSACTION file whose first statement fails leaves nothing and is not dirty")
    func firstStatementFails() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write(
            "00001_a.sql",
            "-- +goose NO TRANSACTION\n-- +goose Up\nSELECT 1/0;\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n"
        )
        let args = ["--dir", dir.path, "--database-url", database.text]
        let first = try await SkeinBinary.run(["up"] + args)
        #expect(first.status == 1 && first.stderr.contains("0 of its 2 statements completed"), "\(first.stderr)")
        #expect(!first.stderr.contains("dirty"))
        let status = try await SkeinBinary.run(["status", "--format", "json"] + args)
        #expect(status.stdout.contains("\"state\":\"pending\""))
    }

    @Test("Skein's tables: layout row, checksum rows beside goose's, separate sets per -table")
    func skeinTables() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = CLIRunnerTests.root.appendingPathComponent("examples/agentflow/migrations").path
        #expect(try await SkeinBinary.run(["up", "--dir", dir, "--database-url", database.text]).status == 0)
        #expect(
            try await scalar("SELECT max(schema_version)::text FROM goose_db_version_skein_meta", on: database) == "2")
        let applied = try await rows(
            "SELECT a.file, length(a.checksum_file)::text FROM goose_db_version_skein_applied a JOIN goose_db_version g USING (version_id) ORDER BY version_id",
            on: database)
        let count = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".sql") }.count
        #expect(applied.count == count && applied.allSatisfy { $0[1] == "64" })
        #expect(applied.first?[0] == "20240101120000_initial_schema.sql")

        // A second set with its own -table in the same database: its own Skein tables, no collision.
        let second = try MigrationsDirectory()
        defer { second.delete() }
        try second.write("00001_x.sql", "-- +goose Up\nCREATE TABLE x (id int);\n-- +goose Down\nDROP TABLE x;\n")
        _ = try await rows("CREATE SCHEMA app", on: database)
        let other = try await SkeinBinary.run([
            "-dir", second.path, "-table", "app.Versions", "postgres", database.text, "up",
        ])
        #expect(other.status == 0, "\(other.stderr)")
        #expect(try await scalar("SELECT count(*)::text FROM app.versions_skein_applied", on: database) == "1")
        #expect(try await scalar("SELECT count(*)::text FROM app.versions", on: database) == "2")
        #expect(
            try await scalar("SELECT count(*)::text FROM goose_db_version_skein_applied", on: database) == "\(count)")

        let down = try await SkeinBinary.run(["down", "--dir", dir, "--database-url", database.text])
        #expect(down.status == 0)
        #expect(
            try await scalar(
                "SELECT count(*)::text FROM goose_db_version_skein_applied WHERE version_id = 20240918150000",
                on: database) == "0")
    }

    @Test("a role without CREATE on the schema gets an error naming the grant")
    func missingGrant() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let role = "limited_\(UInt32.random(in: 0...UInt32.max))"
        _ = try await rows("CREATE ROLE \(role) LOGIN", on: database)
        _ = try await rows("REVOKE CREATE ON SCHEMA public FROM PUBLIC", on: database)
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write("00001_a.sql", "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 1;\n")
        let url = "postgres://\(role)@\(database.host):\(database.port)/\(database.database)?sslmode=disable"
        let result = try await SkeinBinary.run(["up", "--dir", dir.path, "--database-url", url])
        #expect(result.status == 1)
        #expect(result.stderr.contains("GRANT CREATE ON SCHEMA public TO"), "\(result.stderr)")
        #expect(result.stderr.contains("42501"))
    }

    @Test("a transactional migration killed with SIGKILL: rerun leaves no half migration and no duplicate row")
    func killedTransactional() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write("00001_a.sql", "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n")
        try dir.write(
            "00002_b.sql",
            "-- +goose Up\nCREATE TABLE b (id int);\n\(Barrier.statement);\n-- +goose Down\nDROP TABLE b;\n")
        // No lock timeout: the barrier statement waits for an advisory lock, which lock_timeout would end.
        let args = ["up", "--dir", dir.path, "--database-url", database.text, "--lock-timeout", "0"]
        let killed = try await Barrier.holding(on: database) { barrier in
            let process = try await SkeinBinary.start(args)
            #expect(try await barrier.waitForWaiter())
            process.signal(SIGKILL)
            let killed = await process.wait()
            // The orphaned backend finishes its statement once the barrier goes, then finds its client gone.
            try await barrier.release()
            return killed
        }
        #expect(killed.signalled)

        // The orphaned backend still holds the migration lock until its statement ends; the rerun waits for it.
        let rerun = try await SkeinBinary.run(args)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(rerun.stdout.contains("OK   00002_b.sql"))
        #expect(
            try await rows("SELECT version_id::text FROM goose_db_version ORDER BY id", on: database) == [
                ["0"], ["1"], ["2"],
            ])
        #expect(try await scalar("SELECT count(*)::text FROM goose_db_version_skein_progress", on: database) == "0")
    }

    @Test("a NO TRANSACTION migration killed with SIGKILL mid-statement: the rerun refuses and says what ran")
    func killedNoTransaction() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write(
            "00001_a.sql",
            "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE TABLE a (id int);\n\(Barrier.statement);\nCREATE TABLE z (id int);\n-- +goose Down\nDROP TABLE a;\n"
        )
        // No lock timeout: the barrier statement waits for an advisory lock, which lock_timeout would end.
        let args = ["--dir", dir.path, "--database-url", database.text, "--lock-timeout", "0"]
        try await Barrier.holding(on: database) { barrier in
            let process = try await SkeinBinary.start(["up"] + args)
            #expect(try await barrier.waitForWaiter())
            process.signal(SIGKILL)
            await process.wait()
            // The orphaned backend finishes its statement once the barrier goes, then finds its client gone.
            try await barrier.release()
        }
        let rerun = try await SkeinBinary.run(["up"] + args)
        #expect(rerun.status == 1)
        #expect(
            rerun.stderr.contains(
                "00001_a.sql (up, NO TRANSACTION) is dirty: statements 1–1 of 3 completed; statement 2 at line 4 was running when the run stopped"
            ), "\(rerun.stderr)")
        #expect(try await scalar("SELECT to_regclass('z')::text", on: database) == nil)
        #expect(try await scalar("SELECT count(*)::text FROM goose_db_version", on: database) == "1")
    }

    @Test("--lock-timeout makes DDL on a busy table fail fast; --warn-after names who blocks it")
    func lockTimeoutAndBlockers() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        _ = try await rows("CREATE TABLE busy (id int)", on: database)
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write(
            "00001_a.sql",
            "-- +goose Up\nALTER TABLE busy ADD COLUMN c int;\n-- +goose Down\nALTER TABLE busy DROP COLUMN c;\n")
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let holder = try await PostgresConnection.connect(
            configuration: try database.connectionConfiguration(), id: 9, logger: logger)
        let holderPID = try await holder.query("SELECT pg_backend_pid()", logger: logger).collect().first?.decode(
            Int32.self)
        _ = try await holder.query("BEGIN", logger: logger).collect()
        _ = try await holder.query("LOCK TABLE busy IN ACCESS SHARE MODE", logger: logger).collect()
        // The pre-flight would wait for the holder (LockDisciplineTests): these runs go for the lock.
        let args = [
            "up", "--dir", dir.path, "--database-url", database.text, "--preflight", "off", "--lock-retries", "0",
        ]
        let result = try await SkeinBinary.run(args + ["--lock-timeout", "2s", "--warn-after", "500ms"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("55P03"), "\(result.stderr)")
        #expect(result.stderr.contains("lock_timeout expired"))

        // The watch's warning, in a run whose lock_timeout does not end the wait first (2 s would race the watch's
        // own connection and query on a slow machine): the holder lets go once the warning is there.
        let process = try await SkeinBinary.start(args + ["--lock-timeout", "10m", "--warn-after", "500ms"])
        let warned = try await eventually(.seconds(120)) {
            process.stdout.contains(", blocked by pid ")
        }
        _ = try await holder.query("ROLLBACK", logger: logger).collect()
        try await holder.close()
        let ended = await process.wait()
        let output = process.stdout
        #expect(warned, "\(output)")
        #expect(
            output.contains("for a lock at \(dir.path)/00001_a.sql:2, blocked by pid \(holderPID ?? -1)"), "\(output)")
        #expect(output.contains("LOCK TABLE busy IN ACCESS SHARE MODE"))
        #expect(ended.status == 0 && !ended.timedOut, "\(output)")
        #expect(output.contains("OK   00001_a.sql"))
    }

    @Test("skein.yaml's lock-timeout is the runner's default (a flag wins) and satisfies lint's require-lock-timeout")
    func lockTimeoutFromConfiguration() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        _ = try await rows("CREATE TABLE users (id int)", on: database)
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write(
            "20240101120000_add_users_nickname.sql",
            """
            -- +goose Up
            ALTER TABLE users ADD COLUMN nickname text;
            CREATE TABLE IF NOT EXISTS seen AS SELECT current_setting('lock_timeout') AS lock_timeout;
            -- +goose Down
            DROP TABLE IF EXISTS seen;
            ALTER TABLE users DROP COLUMN IF EXISTS nickname;

            """)
        let config = dir.url.appendingPathComponent("skein.yaml").path
        try "lock-timeout: 3s\n".write(toFile: config, atomically: true, encoding: .utf8)
        let lint = ["lint", "--rule", "require-lock-timeout", "--format", "json", dir.path]
        #expect(try await SkeinBinary.run(lint).stdout.contains("require-lock-timeout"))
        #expect(!(try await SkeinBinary.run(lint + ["--config", config]).stdout.contains("require-lock-timeout")))
        let args = ["--dir", dir.path, "--database-url", database.text, "--config", config]
        #expect(try await SkeinBinary.run(["up"] + args).status == 0)
        #expect(try await scalar("SELECT lock_timeout FROM seen", on: database) == "3s")
        #expect(try await SkeinBinary.run(["down"] + args).status == 0)
        #expect(try await SkeinBinary.run(["up", "--lock-timeout", "750ms"] + args).status == 0)
        #expect(try await scalar("SELECT lock_timeout FROM seen", on: database) == "750ms")
    }

    @Test("--statement-timeout applies in a transaction and, set for the session, in a NO TRANSACTION file")
    func statementTimeout() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write("00001_a.sql", "-- +goose Up\nSELECT pg_sleep(600);\n-- +goose Down\nSELECT 1;\n")
        // 5 s: far above any of the run's own statements on a loaded machine; the sleep outlasts it by far.
        let args = ["up", "--dir", dir.path, "--database-url", database.text, "--statement-timeout", "5s"]
        let transactional = try await SkeinBinary.run(args)
        #expect(transactional.status == 1 && transactional.stderr.contains("57014"), "\(transactional.stderr)")
        try dir.write(
            "00001_a.sql", "-- +goose NO TRANSACTION\n-- +goose Up\nSELECT pg_sleep(600);\n-- +goose Down\nSELECT 1;\n")
        let session = try await SkeinBinary.run(args)
        #expect(session.status == 1 && session.stderr.contains("57014"), "\(session.stderr)")
        #expect(session.stderr.contains("0 of its 1 statements completed"))
        try dir.write("00001_a.sql", "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 1;\n")
        #expect(try await SkeinBinary.run(args).status == 0)
    }

    @Test("--lock-wait: another run holds the migration lock; the error names it")
    func lockWait() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write("00001_a.sql", "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 1;\n")
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        var configuration = try database.connectionConfiguration()
        configuration.options.additionalStartupParameters = [("application_name", "other-migrator")]
        let holder = try await PostgresConnection.connect(configuration: configuration, id: 9, logger: logger)
        _ = try await holder.query("SELECT pg_advisory_lock(5887940537704921958)", logger: logger).collect()
        let result = try await SkeinBinary.run([
            "up", "--dir", dir.path, "--database-url", database.text, "--lock-wait", "1s",
        ])
        try await holder.close()
        #expect(result.status == 1)
        #expect(result.stderr.contains("holds the migration lock (pid "), "\(result.stderr)")
        #expect(result.stderr.contains("application \"other-migrator\""))
    }

    @Test("an unapplied version below the current one: refused, applied with -allow-missing")
    func missingVersions() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write("00001_a.sql", "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n")
        try dir.write("00003_c.sql", "-- +goose Up\nCREATE TABLE c (id int);\n-- +goose Down\nDROP TABLE c;\n")
        #expect(try await SkeinBinary.run(["-dir", dir.path, "postgres", database.text, "up"]).status == 0)
        try dir.write("00002_b.sql", "-- +goose Up\nCREATE TABLE b (id int);\n-- +goose Down\nDROP TABLE b;\n")
        let refused = try await SkeinBinary.run(["-dir", dir.path, "postgres", database.text, "up"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("00002_b.sql"), "\(refused.stderr)")
        #expect(try await scalar("SELECT to_regclass('b')::text", on: database) == nil)
        let allowed = try await SkeinBinary.run(["-dir", dir.path, "-allow-missing", "postgres", database.text, "up"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.stderr.contains("OK   00002_b.sql"))

        // An applied version whose file is gone: status names it, up has nothing to do.
        try dir.remove("00003_c.sql")
        let status = try await SkeinBinary.run([
            "status", "--format", "json", "--dir", dir.path, "--database-url", database.text,
        ])
        #expect(
            status.stdout.contains("\"file\":null,\"fileName\":null,\"flags\":[],\"state\":\"missing-file\""),
            "\(status.stdout)")
        let up = try await SkeinBinary.run(["-dir", dir.path, "postgres", database.text, "up"])
        #expect(up.status == 0 && up.stderr.contains("no migrations to run"), "\(up.stderr)")
    }

    @Test("-table with quotes and a semicolon: pasted SQL is refused, a quoted name works")
    func hostileTableName() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write("00001_a.sql", "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n")
        let hostile = try await SkeinBinary.run([
            "-dir", dir.path, "-table", "v; DROP TABLE a; --", "postgres", database.text, "up",
        ])
        #expect(hostile.status == 1)
        #expect(hostile.stderr.contains("invalid version table name"), "\(hostile.stderr)")
        let quoted = try await SkeinBinary.run([
            "-dir", dir.path, "-table", "\"odd;\"\"name\"", "postgres", database.text, "up",
        ])
        #expect(quoted.status == 0, "\(quoted.stderr)")
        #expect(try await scalar("SELECT count(*)::text FROM \"odd;\"\"name\"", on: database) == "2")
    }
}
