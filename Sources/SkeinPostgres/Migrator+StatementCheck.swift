import Logging
import PostgresNIO
import SkeinCore

extension Migrator {
    /// `plan` with the findings of ``Configuration/statementChecker`` about every statement of its steps (none
    /// without a checker or steps). Reads the server's major version once, so that a checker with an older grammar
    /// can tell newer syntax from a typo.
    func checkingStatements(of plan: MigrationPlan, on connection: PostgresConnection, logger: Logger) async throws
        -> MigrationPlan
    {
        guard let checker = configuration.statementChecker, !plan.steps.isEmpty else { return plan }
        let serverMajorVersion = try await serverMajorVersion(on: connection, logger: logger)
        var plan = plan
        plan.problems += checker.diagnostics(for: plan, serverMajorVersion: serverMajorVersion)
        return plan
    }

    /// The server's major version (`server_version_num` 150004 → 15), or `nil` when it does not say.
    func serverMajorVersion(on connection: PostgresConnection, logger: Logger) async throws -> Int? {
        let text = try await connection.query("SHOW server_version_num", logger: logger).decodeFirst(String.self)
        return text.flatMap { Int($0) }.map { $0 / 10_000 }
    }
}
