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
        _ connection: PostgresConnection, logger: Logger, _ body: (Int32?) async throws -> Result
    ) async throws -> Result {
        let backendPID = try await lock(connection, logger: logger)
        do {
            let result = try await body(backendPID)
            try await unlock(connection, logger: logger)
            return result
        } catch {
            try? await unlock(connection, logger: logger)
            throw error
        }
    }

    private func lock(_ connection: PostgresConnection, logger: Logger) async throws -> Int32? {
        guard let id = configuration.lockID else { return nil }
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + configuration.lockWait
        while true {
            let row = try await connection.query("SELECT pg_try_advisory_lock(\(id)), pg_backend_pid()", logger: logger)
                .collect().first?.decode((Bool, Int32).self)
            if let row, row.0 { return row.1 }
            let holder = try await lockHolder(id, on: connection, logger: logger)
            logger.info("waiting for the migration lock", metadata: ["lock.holder": "\(holder ?? "unknown")"])
            let remaining = deadline - clock.now
            guard remaining > .zero else { throw LockTimeout(holder: holder, waited: clock.now - start) }
            try await Task.sleep(for: min(configuration.lockRetryInterval, remaining))
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
