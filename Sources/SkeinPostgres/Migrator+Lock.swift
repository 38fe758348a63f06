import Foundation
import Logging
import PostgresNIO
import SkeinCore
import SkeinGovernance

extension Migrator {
    // MARK: - Lock

    /// Runs `body` holding the advisory lock (when configured), releasing it afterwards; `body` gets the
    /// connection's backend pid when taking the lock read it.
    func locked<Result: Sendable>(
        _ connection: PostgresConnection, observer: (@Sendable (MigrationEvent) -> Void)? = nil, logger: Logger,
        _ body: (Int32?) async throws -> Result
    ) async throws -> Result {
        let backendPID = try await lock(connection, observer: observer, logger: logger)
        do {
            let result = try await body(backendPID)
            try await unlock(connection, logger: logger)
            return result
        } catch {
            try? await unlock(connection, logger: logger)
            throw error
        }
    }

    private func lock(
        _ connection: PostgresConnection, observer: (@Sendable (MigrationEvent) -> Void)?, logger: Logger
    ) async throws -> Int32? {
        guard let id = configuration.lockID else { return nil }
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + configuration.lockWait
        var told = false
        while true {
            let row = try await connection.query("SELECT pg_try_advisory_lock(\(id)), pg_backend_pid()", logger: logger)
                .collect().first?.decode((Bool, Int32).self)
            if let row, row.0 { return row.1 }
            let holder = try await lockHolder(id, on: connection, logger: logger)
            logger.info("waiting for the migration lock", metadata: ["lock.holder": "\(holder ?? "unknown")"])
            if !told {
                observer?(.notice(Self.waitingNotice(holder: holder, wait: configuration.lockWait)))
                told = true
            }
            let remaining = deadline - clock.now
            guard remaining > .zero else { throw LockTimeout(holder: holder, waited: clock.now - start) }
            // Wait inside PostgreSQL: a blocking pg_advisory_lock, bounded by lock_timeout, is granted the moment the
            // holder lets go (no poll interval to sit out); every retry interval the holder is looked up and
            // logged again.
            if let pid = try await waitForLock(
                id, at: most(min(configuration.lockRetryInterval, remaining)), on: connection, logger: logger)
            {
                return pid
            }
        }
    }

    /// Said once when a run starts waiting for another's lock.
    static func waitingNotice(holder: String?, wait: Duration) -> String {
        "waiting for the migration lock" + (holder.map { ", held by \($0)" } ?? "")
            + " (another run is migrating this database; giving up after \(wait.components.seconds) s: --lock-wait)"
    }

    private func most(_ duration: Duration) -> Duration { max(duration, .milliseconds(1)) }

    /// `pg_advisory_lock` with `lock_timeout` for at most `limit`: the backend pid when granted, `nil` when the
    /// limit passed (SQLSTATE 55P03). The session's own `lock_timeout` is put back either way.
    private func waitForLock(_ id: Int64, at limit: Duration, on connection: PostgresConnection, logger: Logger)
        async throws -> Int32?
    {
        let milliseconds = max(
            1, Int64(limit.components.seconds) * 1000 + limit.components.attoseconds / 1_000_000_000_000_000)
        let previous =
            try await connection.query("SELECT current_setting('lock_timeout')", logger: logger)
            .collect().first?.decode(String.self) ?? "0"
        var binds = PostgresBindings()
        binds.append("\(milliseconds)ms")
        _ = try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT set_config('lock_timeout', $1, false)", binds: binds), logger: logger
        ).collect()
        var restore = PostgresBindings()
        restore.append(previous)
        let restoreQuery = PostgresQuery(unsafeSQL: "SELECT set_config('lock_timeout', $1, false)", binds: restore)
        do {
            let pid = try await connection.query("SELECT pg_backend_pid() FROM pg_advisory_lock(\(id))", logger: logger)
                .collect().first?.decode(Int32.self)
            _ = try await connection.query(restoreQuery, logger: logger).collect()
            return pid
        } catch let error where ServerError(postgres: error)?.sqlState == "55P03" {
            _ = try await connection.query(restoreQuery, logger: logger).collect()
            return nil
        } catch {
            try? await connection.sendCleanup(restoreQuery, logger: logger)
            throw error
        }
    }

    private func unlock(_ connection: PostgresConnection, logger: Logger) async throws {
        guard let id = configuration.lockID else { return }
        try await connection.sendCleanup("SELECT pg_advisory_unlock(\(id))", logger: logger)
    }

    /// Who holds the advisory lock: pid, application, client address, since when.
    func lockHolder(_ id: Int64, on connection: PostgresConnection, logger: Logger) async throws -> String? {
        let classID = Int64(UInt64(bitPattern: id) >> 32)
        let objectID = Int64(UInt64(bitPattern: id) & 0xFFFF_FFFF)
        let rows = try await connection.query(
            """
            SELECT a.pid, coalesce(a.application_name, ''), coalesce(host(a.client_addr), 'local'),
                   coalesce(to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ'), '')
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND l.classid::int8 = \(classID) AND l.objid::int8 = \(objectID)
            LIMIT 1
            """, logger: logger)
        for try await (pid, application, address, since) in rows.decode((Int32, String, String, String).self) {
            return "pid \(pid), application \"\(application)\", from \(address), connected since \(since)"
        }
        return nil
    }
}
