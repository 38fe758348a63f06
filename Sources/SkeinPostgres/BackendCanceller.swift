public import Logging
public import PostgresNIO
import SkeinConnection

/// PostgresNIO sends no cancel request, so Skein cancels a running statement itself: from a second,
/// short-lived connection, `pg_cancel_backend(pid)` of the migration connection's backend. Used for goose's
/// `-timeout` and Ctrl-C, so nothing keeps running on the server holding locks.
///
/// Behind a transaction pooler that pid may already serve another client, so when two probe statements ran on
/// different backends (``SessionProbe``) the canceller cancels nothing by pid: it closes the migration connection,
/// and the pooler drops its server connection (PostgreSQL rolls the transaction back when it notices).
public struct BackendCanceller: Sendable {
    public var connector: Connector
    public var backendPID: Int32
    /// What the two probe statements told (``Migrator/probeSession(on:logger:)``); pass it on to
    /// ``Migrator/run(_:migrations:on:sideChannel:probe:observer:logger:)`` so the run does not ask again.
    public var probe: SessionProbe
    /// Whether the connection changes server connection between statements (a transaction pooler).
    public var changesServerConnection: Bool { probe.changesServerConnection }
    let connection: PostgresConnection

    /// Reads the backend pid of `connection` (twice, to see a transaction pooler).
    public init(connector: Connector, connection: PostgresConnection, logger: Logger) async throws {
        self.connector = connector
        self.connection = connection
        self.probe = try await Migrator.probeSession(on: connection, logger: logger)
        self.backendPID = probe.backendPIDs.first ?? 0
    }

    /// Cancels whatever the backend is running; returns whether PostgreSQL accepted the request. Gives up after
    /// `limit`: the cancel runs in a task of its own, so a connection attempt that never ends (or one that ignores
    /// the caller's cancellation) cannot hold the run that asked for it. Behind a transaction pooler it closes the
    /// connection instead, and returns `false`.
    @discardableResult
    public func cancel(logger: Logger, limit: Duration = .seconds(5)) async -> Bool {
        if changesServerConnection {
            await connection.close(within: limit)
            return false
        }
        return await answer(within: limit, otherwise: false) { await cancelNow(logger: logger) }
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
