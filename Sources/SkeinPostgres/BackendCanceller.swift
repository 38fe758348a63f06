public import Logging
public import PostgresNIO
import SkeinConnection

/// PostgresNIO sends no cancel request, so Skein cancels a running statement itself: from a second,
/// short-lived connection, `pg_cancel_backend(pid)` of the migration connection's backend. Used for goose's
/// `-timeout` and Ctrl-C, so nothing keeps running on the server holding locks.
public struct BackendCanceller: Sendable {
    public var connector: Connector
    public var backendPID: Int32

    /// Reads the backend pid of `connection`.
    public init(connector: Connector, connection: PostgresConnection, logger: Logger) async throws {
        self.connector = connector
        var pid: Int32 = 0
        for try await value in try await connection.query("SELECT pg_backend_pid()", logger: logger).decode(Int32.self)
        {
            pid = value
        }
        self.backendPID = pid
    }

    /// Cancels whatever the backend is running; returns whether PostgreSQL accepted the request. Gives up after
    /// `limit`: the cancel runs in a task of its own, so a connection attempt that never ends (or one that ignores
    /// the caller's cancellation) cannot hold the run that asked for it.
    @discardableResult
    public func cancel(logger: Logger, limit: Duration = .seconds(5)) async -> Bool {
        await answer(within: limit, otherwise: false) { await cancelNow(logger: logger) }
    }

    private func cancelNow(logger: Logger) async -> Bool {
        guard let side = try? await connector.connect(logger: logger) else { return false }
        defer { Task { try? await side.close() } }
        guard let rows = try? await side.query("SELECT pg_cancel_backend(\(backendPID))", logger: logger) else {
            return false
        }
        var accepted = false
        do {
            for try await value in rows.decode(Bool.self) { accepted = value }
        } catch {
            return false
        }
        return accepted
    }
}
