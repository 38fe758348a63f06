import Foundation
import Logging
import PostgresNIO
import SkeinCore
import SkeinLint
import SkeinTestSupport
import SkeinVerify
import Testing

/// The lock trace on a real PostgreSQL, checked against the lock table lint takes its words from (`LockTable`, from
/// PostgreSQL's documentation): for each kind of DDL, the lock the trace reads on the table must be the one the
/// table claims.
@Suite("lock trace: what each statement takes, against the documentation's lock table", .requiresPostgreSQL)
struct LockTraceTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// One migration per statement, in order, on this schema.
    static let schema = [
        "CREATE TABLE users (id int PRIMARY KEY)",
        "CREATE TABLE orders (id int PRIMARY KEY, user_id int, note text, amount int)",
        "CREATE TABLE scratch (id int)",
        "CREATE MATERIALIZED VIEW mv AS SELECT id FROM orders",
        "CREATE TABLE parent (id int) PARTITION BY RANGE (id)",
        "CREATE TABLE part (id int)",
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
        "INSERT INTO users VALUES (1)",
        "INSERT INTO orders VALUES (1, 1, 'a', 5)",
    ]

    /// Each statement and the table whose lock is compared.
    static let kinds: [(sql: String, table: String)] = [
        ("ALTER TABLE orders ADD COLUMN c1 int", "orders"),
        ("ALTER TABLE orders ALTER COLUMN c1 SET DEFAULT 0", "orders"),
        ("ALTER TABLE orders ALTER COLUMN c1 DROP DEFAULT", "orders"),
        ("UPDATE orders SET c1 = 0", "-"),
        ("ALTER TABLE orders ALTER COLUMN c1 SET NOT NULL", "orders"),
        ("ALTER TABLE orders ALTER COLUMN c1 DROP NOT NULL", "orders"),
        ("ALTER TABLE orders ALTER COLUMN c1 TYPE bigint", "orders"),
        ("ALTER TABLE orders ALTER COLUMN c1 SET STATISTICS 500", "orders"),
        ("ALTER TABLE orders ALTER COLUMN c1 SET (n_distinct = 100)", "orders"),
        ("ALTER TABLE orders SET (fillfactor = 90)", "orders"),
        ("ALTER TABLE orders RESET (fillfactor)", "orders"),
        ("ALTER TABLE orders ADD CONSTRAINT orders_amount_check CHECK (amount >= 0) NOT VALID", "orders"),
        ("ALTER TABLE orders VALIDATE CONSTRAINT orders_amount_check", "orders"),
        (
            "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID",
            "orders"
        ),
        ("ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk", "orders"),
        ("ALTER TABLE orders DROP CONSTRAINT orders_amount_check", "orders"),
        ("ALTER TABLE orders ADD CONSTRAINT orders_note_key UNIQUE (note)", "orders"),
        ("ALTER TABLE orders RENAME COLUMN note TO remark", "orders"),
        ("ALTER TABLE orders RENAME CONSTRAINT orders_note_key TO orders_remark_key", "orders"),
        ("CREATE INDEX orders_user_idx ON orders (user_id)", "orders"),
        ("ALTER TABLE orders CLUSTER ON orders_user_idx", "orders"),
        ("ALTER TABLE orders SET WITHOUT CLUSTER", "orders"),
        ("CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch()", "orders"),
        ("ALTER TABLE orders DISABLE TRIGGER orders_touch", "orders"),
        ("ALTER TABLE orders ENABLE TRIGGER orders_touch", "orders"),
        ("ALTER TABLE orders REPLICA IDENTITY FULL", "orders"),
        ("REINDEX TABLE orders", "orders"),
        ("REFRESH MATERIALIZED VIEW mv", "mv"),
        ("ALTER TABLE parent ATTACH PARTITION part FOR VALUES FROM (0) TO (10)", "parent"),
        ("ALTER TABLE parent DETACH PARTITION part", "parent"),
        ("ALTER TABLE orders SET UNLOGGED", "orders"),
        ("ALTER TABLE orders SET LOGGED", "orders"),
        ("LOCK TABLE scratch IN SHARE MODE", "scratch"),
        ("ALTER TABLE orders DROP COLUMN c1", "orders"),
        ("TRUNCATE scratch", "scratch"),
        ("ALTER TABLE scratch RENAME TO scratch2", "scratch"),
        ("DROP TABLE scratch2", "scratch2"),
    ]

    @Test("at least 25 kinds of DDL: the lock the trace reads is the lock table's, and rewrites are seen")
    func againstLockTable() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let configuration = try database.connectionConfiguration()
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        defer { Task { try? await connection.close() } }
        for sql in Self.schema {
            _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
        }
        var texts: [String: String] = [:]
        for (index, kind) in Self.kinds.enumerated() {
            texts[String(format: "%05d_kind.sql", index + 1)] =
                "-- +goose Up\n\(kind.sql);\n-- +goose Down\nSELECT 1;\n"
        }
        let migrations = try MigrationCatalog(source: InMemorySource(texts: texts)).migrations
        let tracer = LockTracer {
            try await PostgresConnection.connect(configuration: configuration, id: 2, logger: logger)
        }
        let trace = try await tracer.trace(migrations, on: connection, logger: logger)
        #expect(trace.migrations.count == Self.kinds.count)
        #expect(trace.migrations.allSatisfy { $0.error == nil }, "\(trace.migrations.compactMap(\.error))")
        var compared = 0
        var disagreements: [String] = []
        for (kind, traced) in zip(Self.kinds, trace.migrations) where kind.table != "-" {
            guard let statement = traced.statements.first else { continue }
            // The table as the trace names it before the statement (a rename keeps the oid: the old name).
            let relation = "public.\(kind.table)"
            guard let claimed = StatementLocks.relations(in: kind.sql).first(where: { $0.name == "\"\(kind.table)\"" })
            else {
                disagreements.append("\(kind.sql): the lock table names no lock on \(kind.table)")
                continue
            }
            compared += 1
            let seen = statement.lock(on: relation)
            if seen != claimed.mode {
                disagreements.append(
                    "\(kind.sql): lock table \(claimed.mode), PostgreSQL took \(seen.map { "\($0)" } ?? "none")")
            }
        }
        #expect(compared >= 25)
        #expect(disagreements.isEmpty, "\(disagreements.joined(separator: "\n"))")
        // Rewrites: a type change and SET LOGGED/UNLOGGED copy the table; adding a nullable column does not.
        func statement(_ sql: String) -> StatementLockTrace? {
            zip(Self.kinds, trace.migrations).first { $0.0.sql == sql }?.1.statements.first
        }
        #expect(statement("ALTER TABLE orders ALTER COLUMN c1 TYPE bigint")?.rewrote == ["public.orders"])
        #expect(statement("ALTER TABLE orders SET UNLOGGED")?.rewrote == ["public.orders"])
        #expect(statement("ALTER TABLE orders ADD COLUMN c1 int")?.rewrote == [])
        #expect(
            statement("CREATE INDEX orders_user_idx ON orders (user_id)")?.created == ["index public.orders_user_idx"])
        #expect(
            statement(
                "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID"
            )?
            .lock(on: "public.users") == .shareRowExclusive)
    }

    @Test("a CREATE INDEX CONCURRENTLY outside a transaction is observed from a second connection")
    func concurrentlyObserved() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let configuration = try database.connectionConfiguration()
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        _ = try await connection.query("CREATE TABLE big (id int)", logger: logger).collect()
        _ = try await connection.query("INSERT INTO big SELECT generate_series(1, 1000)", logger: logger).collect()
        let migrations = try MigrationCatalog(
            source: InMemorySource(texts: [
                "00001_index.sql":
                    "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY big_id ON big (id);\n"
                    + "-- +goose Down\nDROP INDEX CONCURRENTLY big_id;\n"
            ])
        ).migrations
        // An old snapshot keeps the build waiting (holding its lock on big) until the test has seen it wait: the
        // sampler cannot miss it, however loaded the machine.
        let holder = try await PostgresConnection.connect(configuration: configuration, id: 3, logger: logger)
        _ = try await holder.query("BEGIN ISOLATION LEVEL REPEATABLE READ", logger: logger).collect()
        _ = try await holder.query("SELECT 1", logger: logger).collect()
        let tracer = LockTracer {
            try await PostgresConnection.connect(configuration: configuration, id: 2, logger: logger)
        }
        let tracing = Task { [logger] in try await tracer.trace(migrations, on: connection, logger: logger) }
        // Polled from a connection of its own: inside the holder's transaction the statistics would not change.
        let poll = try await PostgresConnection.connect(configuration: configuration, id: 4, logger: logger)
        let clock = ContinuousClock()
        let limit = clock.now + .seconds(120)
        var waiting = false
        while !waiting, clock.now < limit {
            let count = try await poll.query(
                "SELECT count(*)::int8 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'CREATE INDEX CONCURRENTLY%'",
                logger: logger
            ).collect().first?.decode(Int64.self)
            waiting = count == 1
            if !waiting { try await Task.sleep(for: .milliseconds(50)) }
        }
        // And until the tracer's sampler has finished a sample that started after that: it has seen the lock.
        var sampled = false
        if waiting {
            let since = try await poll.query("SELECT now()::text", logger: logger).collect().first?.decode(String.self)
            while !sampled, clock.now < limit {
                let count = try await poll.query(
                    PostgresQuery(
                        unsafeSQL:
                            "SELECT count(*)::int8 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT l.relation::int8, l.mode FROM pg_locks l WHERE l.pid =%' AND state = 'idle' AND query_start > '\(since ?? "now")'::timestamptz"
                    ), logger: logger
                ).collect().first?.decode(Int64.self)
                sampled = (count ?? 0) > 0
                if !sampled { try await Task.sleep(for: .milliseconds(20)) }
            }
        }
        try await poll.close()
        _ = try await holder.query("COMMIT", logger: logger).collect()
        try await holder.close()
        let trace = try await tracing.value
        try await connection.close()
        #expect(waiting && sampled)
        let statement = try #require(trace.migrations.first?.statements.first)
        #expect(statement.method == .observed)
        #expect(statement.lock(on: "public.big") == .shareUpdateExclusive, "\(statement.locks)")
        #expect(statement.created == ["index public.big_id"])
    }
}
