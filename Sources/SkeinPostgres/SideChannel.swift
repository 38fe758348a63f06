import Foundation
import Logging
import Metrics
public import PostgresNIO
import SkeinCore
import SkeinGovernance
import Synchronization

/// A second connection, borrowed briefly: to see who blocks a statement and to cancel it.
public struct SideChannel: Sendable {
    let borrow: @Sendable (Logger, @Sendable (PostgresConnection) async throws -> Void) async throws -> Void

    /// A new connection from `connector` for each use, closed afterwards.
    public static func connector(_ connector: Connector) -> SideChannel {
        SideChannel { logger, body in
            let connection = try await connector.connect(logger: logger)
            do {
                try await body(connection)
            } catch {
                try? await connection.close()
                throw error
            }
            try await connection.close()
        }
    }

    /// A connection of `client`'s pool.
    public static func client(_ client: PostgresClient) -> SideChannel {
        SideChannel { logger, body in
            try await client.withConnection { try await body($0) }
        }
    }

    /// The sessions `pid` waits for.
    func blockers(of pid: Int32, logger: Logger) async throws -> [BlockingSession] {
        let collected = BlockerBox()
        try await borrow(logger) { connection in
            let rows = try await connection.query(
                """
                SELECT b.pid, coalesce(b.usename::text, ''), coalesce(b.application_name, ''), coalesce(b.state, ''),
                       coalesce(extract(epoch FROM now() - coalesce(b.xact_start, b.query_start)), 0)::float8,
                       left(coalesce(b.query, ''), 200)
                FROM pg_stat_activity b WHERE b.pid = ANY(pg_blocking_pids(\(pid))) ORDER BY b.pid
                """, logger: logger)
            for try await (pid, user, application, state, age, query) in rows.decode(
                (Int32, String, String, String, Double, String).self)
            {
                collected.append(
                    BlockingSession(
                        pid: pid, user: user, application: application, state: state,
                        age: .milliseconds(Int64(age * 1000)), query: query))
            }
        }
        return collected.values
    }
}

final class BlockerBox: Sendable {
    private let stored = Mutex<[BlockingSession]>([])
    func append(_ value: BlockingSession) { stored.withLock { $0.append(value) } }
    var values: [BlockingSession] { stored.withLock { $0 } }
}
