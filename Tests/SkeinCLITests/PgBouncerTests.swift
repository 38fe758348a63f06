import Foundation
import Logging
import PostgresNIO
import SkeinTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `skein up` through a real PgBouncer in transaction mode (`scripts/pgbouncer-pool.sh`: `server_round_robin = 1`,
/// `min_pool_size = 2`, so a client's statements really change server connection), in front of the test cluster.
/// Waits are barriers: an advisory lock the test holds, released once the database shows the run waits on it.
@Suite(
    "PgBouncer in transaction mode: the table lock, pooling detected, leases", .requiresPostgreSQL,
    .enabled(if: PgBouncerPool.unavailableReason == nil, Comment(rawValue: PgBouncerPool.unavailableReason ?? "")))
struct PgBouncerTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A database, a pool in front of it, and a migrations directory.
    struct Setup {
        let database: DatabaseURL
        let pool: PgBouncerPool
        let pooled: DatabaseURL
        let dir: MigrationsDirectory

        func finish() async {
            dir.delete()
            await pool.stop()
        }
    }

    /// Runs `body` with a database, a pool in front of it and the files; the pool is stopped however it ends.
    func withSetup(_ files: [String: String], _ body: (Setup) async throws -> Void) async throws {
        let setup = try await setUp(files)
        do {
            try await body(setup)
        } catch {
            await setup.finish()
            throw error
        }
        await setup.finish()
    }

    func setUp(_ files: [String: String]) async throws -> Setup {
        let database = try await TestDatabase.makeFreshDatabase()
        let pool = try await PgBouncerPool.start(for: database)
        try await pool.warm(database)
        let dir = try MigrationsDirectory()
        for (name, text) in files { try dir.write(name, text) }
        return Setup(database: database, pool: pool, pooled: try pool.url(for: database), dir: dir)
    }

    static let threeFiles = [
        "00001_users.sql":
            "-- +goose Up\nCREATE TABLE users (id int PRIMARY KEY);\n-- +goose Down\nDROP TABLE users;\n",
        "00002_email.sql":
            "-- +goose Up\nALTER TABLE users ADD COLUMN email text;\nSELECT pg_sleep(0.2);\n-- +goose Down\nALTER TABLE users DROP COLUMN email;\n",
        "00003_seed.sql":
            "-- +goose Up\nINSERT INTO users VALUES (1, 'a@example.com');\n-- +goose Down\nDELETE FROM users;\n",
    ]

    /// Each applied version and how many rows it has (none without goose's table).
    func versions(_ database: DatabaseURL) async throws -> [String: String] {
        guard try await scalar("SELECT to_regclass('goose_db_version')::text", on: database) != nil else { return [:] }
        let found = try await rows(
            "SELECT version_id::text, count(*)::text FROM goose_db_version WHERE version_id > 0 GROUP BY 1",
            on: database)
        return Dictionary(uniqueKeysWithValues: found.map { ($0[0] ?? "", $0[1] ?? "") })
    }

    @Test("the session lock is refused through the pool, naming the pooler and the fix; nothing is written")
    func sessionLockRefused() async throws {
        try await withSetup(Self.threeFiles) { setup in
            let result = try await SkeinBinary.run(["up", "--dir", setup.dir.path, "--database-url", setup.pooled.text])
            #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
            #expect(result.stderr.contains("transaction pooler"), "\(result.stderr)")
            #expect(result.stderr.contains("--lock table"), "\(result.stderr)")
            #expect(result.stderr.contains("a session advisory lock does not keep other runs out"), "\(result.stderr)")
            #expect(!result.stderr.contains("PSQLError"))
            #expect(try await scalar("SELECT to_regclass('goose_db_version')::text", on: setup.database) == nil)
        }
    }

    @Test("8 concurrent skein up --lock table through the pool: all exit 0, each version applied exactly once")
    func eightConcurrentRuns() async throws {
        try await withSetup(Self.threeFiles) { setup in
            let runs = try await withThrowingTaskGroup(of: SkeinBinary.Result.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await SkeinBinary.run([
                            "up", "--dir", setup.dir.path, "--database-url", setup.pooled.text, "--lock", "table",
                        ])
                    }
                }
                var results: [SkeinBinary.Result] = []
                for try await result in group { results.append(result) }
                return results
            }
            let applied = try await versions(setup.database)
            let lock = try await rows(
                "SELECT locked::text, coalesce(locked_by, '') FROM goose_lock", on: setup.database)
            for run in runs { #expect(run.status == 0, "\(run.stdout)\(run.stderr)") }
            #expect(applied == ["1": "1", "2": "1", "3": "1"], "\(applied)")
            // goose's row: lock id 4097083626, free again.
            #expect(lock == [["false", ""]], "\(lock)")
            #expect(runs.filter { $0.stdout.contains("successfully migrated database to version: 3") }.count == 1)
            #expect(runs.filter { $0.stdout.contains("no migrations to run. current version: 3") }.count == 7)
        }
    }

    @Test("with nothing to do, --lock table writes nothing: no lock table")
    func nothingToDoWritesNothing() async throws {
        try await withSetup(Self.threeFiles) { setup in
            let first = try await SkeinBinary.run([
                "up", "--dir", setup.dir.path, "--database-url", setup.database.text,
            ])
            let second = try await SkeinBinary.run([
                "up", "--dir", setup.dir.path, "--database-url", setup.pooled.text, "--lock", "table",
            ])
            let table = try await scalar("SELECT to_regclass('goose_lock')::text", on: setup.database)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stdout.contains("no migrations to run. current version: 3"), "\(second.stdout)")
            #expect(table == nil)
        }
    }

    @Test("a NO TRANSACTION file is refused through the pool before anything runs, naming the file")
    func noTransactionRefused() async throws {
        var files = Self.threeFiles
        files["00004_index.sql"] =
            "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n-- +goose Down\nDROP INDEX CONCURRENTLY users_email;\n"
        try await withSetup(files) { setup in
            let result = try await SkeinBinary.run([
                "up", "--dir", setup.dir.path, "--database-url", setup.pooled.text, "--lock", "table",
            ])
            let applied = try await versions(setup.database)
            #expect(result.status == 1, "\(result.stderr)")
            #expect(result.stderr.contains("00004_index.sql (-- +goose NO TRANSACTION)"), "\(result.stderr)")
            #expect(result.stderr.contains("MIGRATION_DATABASE_URL"), "\(result.stderr)")
            #expect(applied.isEmpty, "\(applied)")
        }
    }

    /// A migration that waits for the test's advisory lock 4242 (run with `--lock-timeout 0`).
    static let barrierFile = [
        "00001_wait.sql":
            "-- +goose Up\nCREATE TABLE waited (id int);\nSELECT pg_advisory_xact_lock(4242);\n-- +goose Down\nDROP TABLE waited;\n"
    ]

    /// Holds advisory lock 4242 on a direct connection until released.
    func barrier(_ database: DatabaseURL) async throws -> PostgresConnection {
        let connection = try await PostgresConnection.connect(
            configuration: try database.connectionConfiguration(), id: 7, logger: logger)
        _ = try await connection.query("SELECT pg_advisory_lock(4242)", logger: logger).collect()
        return connection
    }

    /// Whether a backend of this database waits for the barrier.
    func waitsAtBarrier(_ database: DatabaseURL) async throws -> Bool {
        try await scalar(
            """
            SELECT count(*)::text FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE a.datname = current_database() AND l.locktype = 'advisory' AND NOT l.granted
            """, on: database) == "1"
    }

    /// A skein.yaml beside the migrations directory with the table lock and a short lease.
    func writeLease(_ dir: MigrationsDirectory, lease: String, heartbeat: String) throws -> String {
        let path = dir.path + ".skein.yaml"
        try "lock: table\nlock-lease: \(lease)\nlock-heartbeat: \(heartbeat)\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Holds the barrier, starts `skein up` through the pool with `config`, and returns once its migration waits at
    /// the barrier (holding the table lock).
    func runUntilBarrier(_ setup: Setup, config: String) async throws -> (PostgresConnection, ChildProcess) {
        let barrier = try await barrier(setup.database)
        let first = try await SkeinBinary.start([
            "up", "--dir", setup.dir.path, "--database-url", setup.pooled.text, "--config", config, "--lock-timeout",
            "0",
        ])
        #expect(try await eventually { try await waitsAtBarrier(setup.database) })
        return (barrier, first)
    }

    @Test("a statement longer than the lease keeps its lock: the heartbeat renews it, another run waits and gives up")
    func heartbeatKeepsLease() async throws {
        try await withSetup(Self.barrierFile) { setup in
            let config = try writeLease(setup.dir, lease: "4s", heartbeat: "1s")
            defer { try? FileManager.default.removeItem(atPath: config) }
            let (barrier, first) = try await runUntilBarrier(setup, config: config)
            // Past the first lease (4 s after it was taken) and still held: renewed. (A 4 s lease renewed every second:
            // a heartbeat that comes late under load does not fail the test.)
            #expect(
                try await eventually {
                    try await scalar(
                        "SELECT (now() > locked_at + interval '4.5 seconds' AND lease_expires_at > now())::text FROM goose_lock",
                        on: setup.database) == "true"
                })
            let second = try await SkeinBinary.run([
                "up", "--dir", setup.dir.path, "--database-url", setup.pooled.text, "--config", config, "--lock-wait",
                "1s",
            ])
            _ = try await barrier.query("SELECT pg_advisory_unlock(4242)", logger: logger).collect()
            try await barrier.close()
            let firstEnd = await first.wait()
            let applied = try await versions(setup.database)
            #expect(firstEnd.status == 0, "\(first.stdout)")
            #expect(second.status == 1, "\(second.stderr)")
            #expect(second.stderr.contains("another migration run holds the migration lock"), "\(second.stderr)")
            #expect(second.stderr.contains("its lease runs"), "\(second.stderr)")
            #expect(applied == ["1": "1"], "\(applied)")
        }
    }

    @Test("a killed holder's lock expires with its lease; the next run takes it and applies each version once")
    func killedHolderExpires() async throws {
        try await withSetup(Self.barrierFile) { setup in
            let config = try writeLease(setup.dir, lease: "2s", heartbeat: "1s")
            defer { try? FileManager.default.removeItem(atPath: config) }
            let (barrier, first) = try await runUntilBarrier(setup, config: config)
            first.signal(SIGKILL)
            _ = await first.wait()
            let holder = try await scalar("SELECT locked_by FROM goose_lock WHERE locked", on: setup.database)
            // The killed run's server backend ends once the barrier lets it answer a client that is gone.
            _ = try await barrier.query("SELECT pg_advisory_unlock(4242)", logger: logger).collect()
            try await barrier.close()
            let second = try await SkeinBinary.run([
                "up", "--dir", setup.dir.path, "--database-url", setup.pooled.text, "--config", config,
                "--lock-timeout",
                "0",
            ])
            let applied = try await versions(setup.database)
            let after = try await rows("SELECT locked::text FROM goose_lock", on: setup.database)
            #expect(holder?.contains("-") == true, "the killed run held the row: \(holder ?? "none")")
            #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
            // The row was still held by the killed run when the second started (read just before it): the second
            // took it over only because its lease had expired (goose's upsert takes a held row no other way).
            #expect(applied == ["1": "1"], "\(applied)")
            #expect(after == [["false"]])
        }
    }

    @Test("--timeout through the pool closes the connection instead of cancelling by pid, and says so")
    func timeoutClosesConnection() async throws {
        try await withSetup(Self.barrierFile) { setup in
            let barrier = try await barrier(setup.database)
            let result = try await SkeinBinary.run([
                // The deadline must pass while the migration waits at the barrier, not before it gets there: 3 s
                // was not always enough to connect through the pooler and take the lock on a loaded CI machine.
                "up", "--dir", setup.dir.path, "--database-url", setup.pooled.text, "--lock", "table", "--lock-timeout",
                "0", "--timeout", "15s",
            ])
            _ = try await barrier.query("SELECT pg_advisory_unlock(4242)", logger: logger).collect()
            try await barrier.close()
            let applied = try await eventually {
                // The server backend rolls back once it can answer again (the client is gone).
                try await scalar("SELECT to_regclass('waited')::text", on: setup.database) == nil
            }
            #expect(result.status == 1, "\(result.stderr)")
            #expect(result.stderr.contains("the connection was closed instead"), "\(result.stderr)")
            #expect(result.stderr.contains("00001_wait.sql"), "\(result.stderr)")
            #expect(applied, "the migration's transaction was rolled back")
        }
    }
}
