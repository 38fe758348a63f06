import Logging
import SkeinSandbox

/// The throwaway PostgreSQL of the commands that need one and never touch a real database (`verify`, `generate`,
/// `check-queries` without `--dev-url`): PostgreSQL's server programs found (or a failure saying what to install),
/// the cluster announced on stderr, started where throwaway clusters go, and removed when `body` returns or throws.
enum ThrowawayCluster {
    /// - Parameters:
    ///   - command: the command's name, for the failure (`verify needs …`).
    ///   - need: what the command needs it for, in the failure (`a PostgreSQL to describe the queries`).
    ///   - purpose: the announcement's end (`skein: a throwaway PostgreSQL for <purpose> (removed afterwards)`);
    ///     `nil`: say nothing (JSON output).
    static func run<Result>(
        command: String, need: String, purpose: String?, logger: Logger,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (SandboxCluster) async throws -> sending Result
    ) async throws -> Result {
        let environment = CLIContext.current.environment
        let installation: PostgresInstallation
        do {
            installation = try await PostgresInstallation.locate(environment: environment, logger: logger)
        } catch {
            throw CLIFailure(
                .database,
                "\(command) needs \(need), and PostgreSQL's server programs were not found: \(error). Install them (scripts/bootstrap.sh) or give --dev-url"
            )
        }
        if let purpose { Console.err("skein: a throwaway PostgreSQL for \(purpose) (removed afterwards)") }
        return try await withEphemeralCluster(
            options: SandboxOptions(
                installation: installation,
                parentDirectory: SandboxOptions.scratchParentDirectory(environment: environment)),
            logger: logger, body)
    }
}
