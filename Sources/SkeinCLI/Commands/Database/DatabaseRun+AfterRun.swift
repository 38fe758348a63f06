import Foundation
import PostgresNIO
import SkeinCore
import SkeinGovernance
import SkeinPostgres
import SkeinSandbox

extension DatabaseRun {
    /// `--metrics-file` and `--on-failure`, after a run (each best effort: a problem is a warning, the run's own
    /// result stands).
    func afterRun(_ command: MigrationCommand, failure: (any Error)?, context: Context) async {
        if let path = options.metricsFile {
            do {
                // Not on a connection the server closed (PostgresNIO would wait forever).
                guard !context.connection.isClosed else { throw ConnectionLost() }
                let entries = try await context.migrator.history(on: context.connection, logger: context.logger)
                try MigrationMetrics(entries: entries, now: Date()).writeAtomically(to: path)
            } catch {
                warn("could not write --metrics-file \(path): \(error)")
            }
        }
        if let failure, let commandLine = options.onFailure {
            var environment = CLIContext.current.environment
            environment["SKEIN_COMMAND"] = "\(command)"
            environment["SKEIN_ERROR"] = "\(failure)"
            if let migrationFailure = failure as? MigrationFailure {
                environment["SKEIN_FAILED_VERSION"] = "\(migrationFailure.failed.migration.version)"
                environment["SKEIN_FAILED_FILE"] = migrationFailure.failed.migration.path
                environment["SKEIN_FAILED_DIRECTION"] = migrationFailure.failed.direction.rawValue
                environment["SKEIN_FAILED_LINE"] = migrationFailure.line.map(String.init) ?? ""
                environment["SKEIN_SQLSTATE"] = migrationFailure.sqlState ?? ""
                environment["SKEIN_MESSAGE"] = migrationFailure.message
                environment["SKEIN_APPLIED"] = migrationFailure.completed.map(\.migration.fileName).joined(
                    separator: " ")
            } else if let runnerError = failure as? RunnerError {
                environment["SKEIN_MESSAGE"] = runnerError.message
            }
            // The failure's details, never the connection string: no secret reaches the hook.
            for key in ["DATABASE_URL", "GOOSE_DBSTRING", "PGPASSWORD"] { environment[key] = nil }
            // Awaited on the shell's own exit: a hook that starts something in the background does not hold the run.
            do {
                let hook = try await ExternalProgram("/bin/sh", ["-c", commandLine], environment: environment)
                    .runInheritingOutput()
                if hook.status != 0 || hook.signalled {
                    warn("--on-failure command exited \(hook.status)")
                }
            } catch {
                warn("could not run --on-failure command: \(error)")
            }
        }
    }

    struct ConnectionLost: Error, CustomStringConvertible {
        var description: String { "the connection to PostgreSQL is closed" }
    }
}
