import Foundation
import Logging
import PostgresNIO
import SkeinTestSupport
import Testing

/// Lock discipline at run time, on a real PostgreSQL with a real blocker: a session holding a lock on the table in
/// an open transaction, ended by the test once the run shows it waits (barriers, never sleeps).
@Suite("Lock discipline: lock timeout, retries, pre-flight, CONCURRENTLY, session reset", .requiresPostgreSQL)
struct LockDisciplineTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A session that holds `lock` (e.g. `LOCK TABLE busy IN ACCESS SHARE MODE`) in an open transaction.
    struct Holder {
        let connection: PostgresConnection
        let pid: Int32
        let logger: Logger

        init(_ statements: [String], on database: DatabaseURL, logger: Logger) async throws {
            self.logger = logger
            connection = try await PostgresConnection.connect(
                configuration: try database.connectionConfiguration(), id: 9, logger: logger)
            pid = try await connection.query("SELECT pg_backend_pid()", logger: logger).collect().first!.decode(
                Int32.self)
            for sql in statements {
                _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
            }
        }

        func release() async throws {
            _ = try await connection.query("ROLLBACK", logger: logger).collect()
            try await connection.close()
        }
    }

    func busyTable() async throws -> (DatabaseURL, MigrationsDirectory) {
        let database = try await TestDatabase.makeFreshDatabase()
        _ = try await rows("CREATE TABLE busy (id int)", on: database)
        _ = try await rows("INSERT INTO busy SELECT generate_series(1, 100)", on: database)
        let dir = try MigrationsDirectory()
        try dir.write(
            "00001_add_c.sql",
            "-- +goose Up\nALTER TABLE busy ADD COLUMN c int;\n-- +goose Down\nALTER TABLE busy DROP COLUMN c;\n")
        return (database, dir)
    }

    func hasColumnC(_ database: DatabaseURL) async throws -> Bool {
        try await scalar(
            "SELECT count(*)::text FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'c'",
            on: database) == "1"
    }

    @Test("the default 1 s lock_timeout gives up, retries, and the final failure names the blocker of every attempt")
    func retriesThenFailsNamingBlockers() async throws {
        let (database, dir) = try await busyTable()
        defer { dir.delete() }
        let holder = try await Holder(
            ["BEGIN", "LOCK TABLE busy IN ACCESS SHARE MODE"], on: database, logger: logger)
        let result = try await SkeinBinary.run([
            "up", "--dir", dir.path, "--database-url", database.text, "--preflight", "off", "--lock-retries", "2",
        ])
        try await holder.release()
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("SQLSTATE 55P03"), "\(result.stderr)")
        for attempt in 1...3 {
            #expect(result.stderr.contains("attempt \(attempt): blocked by pid \(holder.pid)"), "\(result.stderr)")
        }
        #expect(result.stderr.contains("LOCK TABLE busy IN ACCESS SHARE MODE"))
        #expect(result.stderr.contains("in any of 3 attempts"))
        #expect(result.stderr.contains("(attempt 1 of 3); retrying in"))
        #expect(try await hasColumnC(database) == false)
        // Each attempt is in the audit log: two retried, then the failure.
        let audit = try await rows(
            "SELECT outcome, sqlstate, message FROM goose_db_version_skein_audit WHERE action = 'migrate' ORDER BY id",
            on: database)
        #expect(audit.count == 3, "\(audit)")
        #expect(audit.allSatisfy { $0[0] == "failed" && $0[1] == "55P03" })
        #expect(audit.first?[2]?.contains("attempt 1 of 3") == true, "\(audit)")
        #expect(audit.first?[2]?.contains("blocked by pid \(holder.pid)") == true, "\(audit)")
    }

    @Test("a retry applies the migration once the blocker ends")
    func retrySucceedsAfterBlockerEnds() async throws {
        let (database, dir) = try await busyTable()
        defer { dir.delete() }
        let holder = try await Holder(
            ["BEGIN", "LOCK TABLE busy IN ACCESS SHARE MODE"], on: database, logger: logger)
        let process = try await SkeinBinary.start([
            "up", "--dir", dir.path, "--database-url", database.text, "--preflight", "off",
        ])
        let retried = try await eventually(.seconds(120)) { process.stdout.contains("retrying in") }
        try await holder.release()
        let ended = await process.wait()
        #expect(retried, "\(process.stdout)")
        #expect(ended.status == 0 && !ended.timedOut, "\(process.stdout)")
        #expect(try await hasColumnC(database))
        let outcomes = try await rows(
            "SELECT outcome FROM goose_db_version_skein_audit WHERE action = 'migrate' ORDER BY id", on: database
        ).map { $0[0] ?? "" }
        #expect(outcomes.last == "applied" && outcomes.dropLast().allSatisfy { $0 == "failed" }, "\(outcomes)")
    }

    @Test("pre-flight refuse: a long transaction holding a lock on the table is named, and nothing runs")
    func preflightRefuses() async throws {
        let (database, dir) = try await busyTable()
        defer { dir.delete() }
        let holder = try await Holder(
            ["BEGIN", "SELECT count(*) FROM busy"], on: database, logger: logger)
        let result = try await SkeinBinary.run([
            "up", "--dir", dir.path, "--database-url", database.text, "--preflight", "refuse",
        ])
        try await holder.release()
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("pre-flight"), "\(result.stderr)")
        #expect(result.stderr.contains("pid \(holder.pid)"), "\(result.stderr)")
        #expect(result.stderr.contains("SELECT count(*) FROM busy"))
        #expect(result.stderr.contains("holds ACCESS SHARE on \"busy\" (the migration needs ACCESS EXCLUSIVE)"))
        #expect(try await hasColumnC(database) == false)
    }

    @Test(
        "pre-flight as a role without pg_read_all_stats: the blocker's pid is named, its hidden query said to be hidden"
    )
    func preflightHiddenQuery() async throws {
        let (database, dir) = try await busyTable()
        defer { dir.delete() }
        let role = try await OwnRole("skein_lowpriv", on: database)
        _ = try await rows("GRANT CREATE ON SCHEMA public TO \(role.name)", on: database)
        let holder = try await Holder(["BEGIN", "SELECT count(*) FROM busy"], on: database, logger: logger)
        let result = try await SkeinBinary.run([
            "up", "--dir", dir.path, "--database-url", role.url, "--preflight", "refuse",
        ])
        try await holder.release()
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("pid \(holder.pid)"), "\(result.stderr)")
        #expect(result.stderr.contains("query hidden (grant pg_read_all_stats to the migration role to see it)"))
        #expect(!result.stderr.contains("SELECT count(*) FROM busy"))
        #expect(!result.stderr.contains("secret-"), "never a password")
        _ = try await rows("DROP OWNED BY \(role.name)", on: database)
        try await role.drop()
    }

    @Test("pre-flight wait (the default): no lock is requested while the blocker lives, so readers never queue")
    func preflightWaits() async throws {
        let (database, dir) = try await busyTable()
        defer { dir.delete() }
        let holder = try await Holder(
            ["BEGIN", "SELECT count(*) FROM busy"], on: database, logger: logger)
        let process = try await SkeinBinary.start(["up", "--dir", dir.path, "--database-url", database.text])
        let waiting = try await eventually(.seconds(120)) { process.stdout.contains("waiting before") }
        // While it waits, no session waits for a lock on busy: the ALTER has not been sent.
        let queued = try await scalar(
            "SELECT count(*)::text FROM pg_locks WHERE NOT granted AND relation = 'busy'::regclass AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            on: database)
        let readable = try await scalar("SELECT count(*)::text FROM busy", on: database)
        try await holder.release()
        let ended = await process.wait()
        #expect(waiting, "\(process.stdout)")
        #expect(process.stdout.contains("pid \(holder.pid)"), "\(process.stdout)")
        #expect(queued == "0")
        #expect(readable == "100")
        #expect(ended.status == 0 && !ended.timedOut, "\(process.stdout)")
        #expect(try await hasColumnC(database))
    }

    @Test("CONCURRENTLY statements are exempt from the lock timeout: the index waits for the old snapshot and is valid")
    func concurrentlyIsExempt() async throws {
        let (database, dir) = try await busyTable()
        defer { dir.delete() }
        try dir.remove("00001_add_c.sql")
        try dir.write(
            "00001_index.sql",
            "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY busy_id ON busy (id);\n"
                + "-- +goose Down\nDROP INDEX CONCURRENTLY busy_id;\n")
        // An old snapshot: CREATE INDEX CONCURRENTLY waits for it to end.
        let holder = try await Holder(
            ["BEGIN ISOLATION LEVEL REPEATABLE READ", "SELECT 1"], on: database, logger: logger)
        let process = try await SkeinBinary.start([
            "up", "--dir", dir.path, "--database-url", database.text, "--lock-timeout", "100ms",
        ])
        // The barrier: the index build is seen waiting for a lock (with a 100 ms lock_timeout it would have failed).
        var seenWaiting = false
        _ = try await eventually(.seconds(120)) {
            if process.hasEnded { return true }
            let waiting = try? await scalar(
                "SELECT count(*)::text FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'CREATE INDEX CONCURRENTLY%'",
                on: database)
            seenWaiting = waiting == "1"
            return seenWaiting
        }
        try await holder.release()
        let ended = await process.wait()
        #expect(seenWaiting, "\(process.stdout)")
        #expect(ended.status == 0 && !ended.timedOut, "\(process.stdout)")
        #expect(
            try await scalar(
                "SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'busy_id'::regclass", on: database) == "true")

        // Given a lock timeout of their own, CONCURRENTLY statements fail on the same old snapshot.
        try dir.write(
            "00002_index.sql",
            "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY busy_id2 ON busy (id);\n"
                + "-- +goose Down\nDROP INDEX CONCURRENTLY busy_id2;\n")
        let second = try await Holder(
            ["BEGIN ISOLATION LEVEL REPEATABLE READ", "SELECT 1"], on: database, logger: logger)
        let limited = try await SkeinBinary.run([
            "up", "--dir", dir.path, "--database-url", database.text, "--concurrent-lock-timeout", "100ms",
            "--lock-retries", "0",
        ])
        try await second.release()
        #expect(limited.status == 1 && limited.stderr.contains("SQLSTATE 55P03"), "\(limited.stderr)")
    }

    @Test(
        "an INVALID index left by a failed CONCURRENTLY build: goose's grammar keeps it (exit 0); Skein drops and rebuilds it"
    )
    func invalidIndexRebuilt() async throws {
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write(
            "00001_unique.sql",
            "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_a ON t (a);\n"
                + "-- +goose Down\nDROP INDEX CONCURRENTLY IF EXISTS t_a;\n")
        /// A database where a UNIQUE build failed on a duplicate, leaving t_a INVALID; the duplicate is gone since.
        func brokenIndex() async throws -> DatabaseURL {
            let database = try await TestDatabase.makeFreshDatabase()
            _ = try await rows("CREATE TABLE t (a int)", on: database)
            _ = try await rows("INSERT INTO t VALUES (1), (1), (2)", on: database)
            await #expect(throws: (any Error).self) {
                _ = try await rows("CREATE UNIQUE INDEX CONCURRENTLY t_a ON t (a)", on: database)
            }
            _ = try await rows("DELETE FROM t WHERE ctid = (SELECT max(ctid) FROM t WHERE a = 1)", on: database)
            #expect(try await valid("t_a", database) == "false")
            return database
        }
        func valid(_ index: String, _ database: DatabaseURL) async throws -> String? {
            try await scalar(
                "SELECT indisvalid::text FROM pg_index WHERE indexrelid = to_regclass('\(index)')", on: database)
        }
        let goose = try await brokenIndex()
        let gooseRun = try await SkeinBinary.run(["-dir", dir.path, "postgres", goose.text, "up"])
        #expect(gooseRun.status == 0, "\(gooseRun.stderr)")
        #expect(try await valid("t_a", goose) == "false")
        let skein = try await brokenIndex()
        let run = try await SkeinBinary.run(["up", "--dir", dir.path, "--database-url", skein.text])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("dropping the INVALID index public.t_a"), "\(run.stderr)")
        #expect(try await valid("t_a", skein) == "true")
    }

    @Test("Skein's grammar resets the session between files; goose's grammar carries a plain SET over, as goose does")
    func sessionReset() async throws {
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write("00001_set.sql", "-- +goose Up\nSET work_mem = '7MB';\n-- +goose Down\nSELECT 1;\n")
        try dir.write(
            "00002_seen.sql",
            "-- +goose NO TRANSACTION\n-- +goose Up\nSET application_name = 'mine';\n"
                + "CREATE TABLE seen AS SELECT current_setting('work_mem') AS work_mem, current_setting('lock_timeout') AS lock_timeout;\n"
                + "-- +goose Down\nDROP TABLE seen;\n")
        let skein = try await TestDatabase.makeFreshDatabase()
        let result = try await SkeinBinary.run(["up", "--dir", dir.path, "--database-url", skein.text])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try await rows("SELECT work_mem, lock_timeout FROM seen", on: skein) == [["4MB", "1s"]])
        let goose = try await TestDatabase.makeFreshDatabase()
        let gooseRun = try await SkeinBinary.run(["-dir", dir.path, "postgres", goose.text, "up"])
        #expect(gooseRun.status == 0, "\(gooseRun.stderr)")
        #expect(try await rows("SELECT work_mem, lock_timeout FROM seen", on: goose) == [["7MB", "0"]])
    }

    @Test("verify --locks traces each statement (text, JSON, SARIF); lint --trace says what a flagged statement took")
    func lockTraceAndLint() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write(
            "20240101120000_create_orders.sql",
            "-- +goose Up\nCREATE TABLE orders (id bigint PRIMARY KEY, amount int);\n-- +goose Down\nDROP TABLE orders;\n"
        )
        try dir.write(
            "20240102120000_widen_amount.sql",
            "-- +goose Up\nALTER TABLE orders ALTER COLUMN amount TYPE bigint;\n"
                + "-- +goose Down\nALTER TABLE orders ALTER COLUMN amount TYPE int;\n")
        let args = ["verify", "--locks", "--dir", dir.path, "--dev-url", database.text]
        let text = try await SkeinBinary.run(args)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("line 2: ALTER TABLE orders ALTER COLUMN amount TYPE bigint;"), "\(text.stdout)")
        #expect(text.stdout.contains("ACCESS EXCLUSIVE on table public.orders"))
        #expect(text.stdout.contains("rewrote public.orders"))
        let json = try await SkeinBinary.run(args + ["--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let tracePath = dir.url.appendingPathComponent("trace.json").path
        try json.stdout.write(toFile: tracePath, atomically: true, encoding: .utf8)
        let sarif = try await SkeinBinary.run(args + ["--format", "sarif"])
        #expect(
            sarif.stdout.contains("\"ruleId\" : \"lock-trace-rewrite\"")
                || sarif.stdout.contains("\"ruleId\":\"lock-trace-rewrite\""), "\(sarif.stdout)")
        let lint = try await SkeinBinary.run(["lint", "--trace", tracePath, dir.path])
        #expect(lint.stdout.contains("traced-table-rewrite"), "\(lint.stdout)")
        #expect(
            lint.stdout.contains(
                "(lock trace: this statement takes ACCESS EXCLUSIVE on public.orders and rewrote public.orders)"),
            "\(lint.stdout)")
        let bad = try await SkeinBinary.run([
            "lint", "--trace", dir.url.appendingPathComponent("nope.json").path, dir.path,
        ])
        #expect(bad.status != 0 && bad.stderr.contains("--trace"), "\(bad.stderr)")
    }
}
