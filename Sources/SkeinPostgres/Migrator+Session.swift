import Foundation
public import Logging
public import PostgresNIO
import SkeinCore

extension Migrator {
    /// Two statements, each asking for its backend pid (the first also whether the server is a standby): behind a
    /// transaction pooler they may run on different server connections, which proves that session state (a session
    /// advisory lock, a `NO TRANSACTION` file's settings) would not follow the client.
    public static func probeSession(on connection: PostgresConnection, logger: Logger) async throws -> SessionProbe {
        var pids: [Int32] = []
        var inRecovery = false
        let first = try await connection.query("SELECT pg_backend_pid(), pg_is_in_recovery()", logger: logger)
        for try await (pid, recovery) in first.decode((Int32, Bool).self) {
            pids.append(pid)
            inRecovery = recovery
        }
        if let pid = try await connection.query("SELECT pg_backend_pid()", logger: logger).decodeFirst(Int32.self) {
            pids.append(pid)
        }
        return SessionProbe(backendPIDs: pids, inRecovery: inRecovery)
    }

    /// `known` when the caller already probed this connection, else the probe.
    static func probeSession(known: SessionProbe?, on connection: PostgresConnection, logger: Logger) async throws
        -> SessionProbe
    {
        if let known { return known }
        return try await probeSession(on: connection, logger: logger)
    }

    /// A writing command reached a standby.
    public static func standbyError() -> RunnerError {
        RunnerError(
            .standby, "this server is a standby in recovery: migrations can only run on the primary",
            help:
                "point at the primary, or add target_session_attrs=read-write to the connection string (with every host, host=a,b) to try each host; read-only commands (status, version, history) work on a standby"
        )
    }

    /// The session changes server connection between statements (a transaction pooler).
    /// - Parameter what: what that breaks (the session lock, a `NO TRANSACTION` file).
    static func poolingError(_ probe: [Int32], breaks what: String) -> RunnerError {
        let pids = probe.map(String.init).joined(separator: ", then ")
        return RunnerError(
            .transactionPooling,
            "the connection changes server session between statements (backend pid \(pids)): a transaction pooler such as PgBouncer with pool_mode = transaction is in between, where \(what)",
            help:
                "use the table lock (--lock table, GOOSE_LOCK=table, skein.yaml lock: table), or point the migration job (MIGRATION_DATABASE_URL) at PostgreSQL directly or at a session-mode pool"
        )
    }

    /// Refuses `NO TRANSACTION` files behind a transaction pooler: their statements and settings need one session.
    static func refuseSessionSteps(_ steps: [MigrationStep], probe: SessionProbe) throws {
        let files = steps.filter { $0.migration.transactionMode?.isTransactional == false }
            .map(\.migration.fileName)
        guard probe.changesServerConnection, !files.isEmpty else { return }
        throw poolingError(
            probe.backendPIDs,
            breaks:
                "\(files.joined(separator: ", ")) (-- +goose NO TRANSACTION) would run statement by statement on different server connections; nothing was run"
        )
    }
}
