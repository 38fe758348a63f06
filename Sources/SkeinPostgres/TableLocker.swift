import Foundation
import Logging
import PostgresNIO
import SkeinCore

#if canImport(Glibc)
    import Glibc
#endif

/// goose's table locker on PostgresNIO (``TableLock``): the same table, row, statements and owner format as
/// pressly/goose ≥ 3.26's `lock/`, so a goose runner and Skein exclude each other. Every statement is a single
/// statement or a transaction, so it works through a transaction pooler.
struct TableLocker: Sendable {
    var lock: TableLock
    /// goose's instance id: `hostname-pid-8 hex digits`, written to `locked_by`.
    var owner: String

    init(lock: TableLock, owner: String = Self.ownerName()) {
        self.lock = lock
        self.owner = owner
    }

    static func ownerName() -> String {
        // gethostname, as Go's os.Hostname: no name lookup (Foundation's hostName may ask DNS).
        var buffer = [CChar](repeating: 0, count: 256)
        let named = gethostname(&buffer, buffer.count) == 0
        let host = named ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        let random = (0..<4).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        return "\(host.isEmpty ? "unknown-hostname" : host)-\(getpid())-\(random)"
    }

    private var table: String { lock.table.quoted }

    /// goose's `CreateLockTable`, safe when several runners do it at once: a transaction-level advisory lock of its
    /// own (which a pooler cannot strand), then `CREATE TABLE IF NOT EXISTS`.
    func createTable(on connection: PostgresConnection, logger: Logger) async throws {
        var exists = PostgresBindings()
        exists.append(lock.table.schema)
        exists.append(lock.table.table)
        let existsSQL = """
            SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = coalesce($1, current_schema()) AND tablename = $2)
            """
        if try await connection.query(PostgresQuery(unsafeSQL: existsSQL, binds: exists), logger: logger)
            .decodeFirst(Bool.self) == true
        {
            return
        }
        var key = PostgresBindings()
        key.append("skein: create \(table)")
        try await connection.transaction(logger: logger) { statements in
            try await statements.execute(
                PostgresQuery(unsafeSQL: "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", binds: key))
            try await statements.execute(
                """
                CREATE TABLE IF NOT EXISTS \(table) (
                    lock_id bigint NOT NULL PRIMARY KEY,
                    locked boolean NOT NULL DEFAULT false,
                    locked_at timestamptz NULL,
                    locked_by text NULL,
                    lease_expires_at timestamptz NULL,
                    updated_at timestamptz NULL
                )
                """)
        }
    }

    /// goose's `AcquireLock`: the row is taken when free or when its lease has expired. Returns whether it was.
    func tryAcquire(on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let sql = """
            INSERT INTO \(table) (lock_id, locked, locked_at, locked_by, lease_expires_at, updated_at)
            VALUES ($1, true, now(), $2, now() + $3::interval, now())
            ON CONFLICT (lock_id) DO UPDATE SET
                locked = true, locked_at = now(), locked_by = $2, lease_expires_at = now() + $3::interval,
                updated_at = now()
            WHERE \(table).locked = false OR \(table).lease_expires_at < now()
            RETURNING locked_by
            """
        let holder = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: acquireBinds()), logger: logger)
            .decodeFirst(String.self)
        return holder == owner
    }

    /// Who holds the row, and until when its lease runs.
    func holder(on connection: PostgresConnection, logger: Logger) async throws -> String? {
        var binds = PostgresBindings()
        binds.append(lock.lockID)
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT coalesce(locked_by, ''),
                           coalesce(to_char(locked_at, 'YYYY-MM-DD HH24:MI:SS TZ'), ''),
                           coalesce(extract(epoch FROM lease_expires_at - now()), 0)::float8
                    FROM \(table) WHERE lock_id = $1 AND locked
                    """, binds: binds), logger: logger)
        for try await (owner, since, remaining) in rows.decode((String, String, Double).self) {
            let lease =
                remaining > 0
                ? "its lease runs \(Int(remaining.rounded(.up))) s more" : "its lease expired \(Int(-remaining)) s ago"
            return "\(owner), locked since \(since); \(lease)"
        }
        return nil
    }

    /// goose's `UpdateLease` (the heartbeat): whether this runner still held the row.
    func renew(on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        var binds = PostgresBindings()
        binds.append(Self.interval(lock.lease))
        binds.append(lock.lockID)
        binds.append(owner)
        let sql = """
            UPDATE \(table) SET lease_expires_at = now() + $1::interval, updated_at = now()
            WHERE lock_id = $2 AND locked_by = $3 AND locked = true RETURNING lock_id
            """
        return try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            .decodeFirst(Int64.self) != nil
    }

    /// goose's `ReleaseLock`, as one clean-up statement.
    func releaseQuery() -> PostgresQuery {
        var binds = PostgresBindings()
        binds.append(lock.lockID)
        binds.append(owner)
        return PostgresQuery(
            unsafeSQL: """
                UPDATE \(table) SET locked = false, locked_at = NULL, locked_by = NULL, lease_expires_at = NULL,
                    updated_at = now()
                WHERE lock_id = $1 AND locked_by = $2
                """, binds: binds)
    }

    private func acquireBinds() -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(lock.lockID)
        binds.append(owner)
        binds.append(Self.interval(lock.lease))
        return binds
    }

    /// goose writes the lease as whole seconds (`30 seconds`); Skein keeps milliseconds.
    static func interval(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000) milliseconds"
    }
}
