import ArgumentParser
import Foundation
import SkeinConnection
import SkeinGovernance
import SkeinPostgres

struct RepairCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Settle a dirty NO TRANSACTION migration after checking the database by hand (recorded).",
        discussion: """
            A NO TRANSACTION migration that failed or was killed part-way leaves the database dirty, and every run \
            refuses until it is settled. Look at which statements ran (skein status shows it), then either finish \
            the rest by hand and record it as applied, or undo what ran and record it as rolled back.
            """)
    @Argument(help: "The dirty migration's version.") var version: Int64
    @Flag(help: "The migration's direction is complete (Up: the version is applied; Down: it is not).")
    var applied = false
    @Flag(name: .customLong("rolled-back"), help: "The migration's direction is undone.")
    var rolledBack = false
    @OptionGroup var server: ServerOptions
    @OptionGroup var directory: DirectoryOptions

    func validate() throws {
        guard applied != rolledBack else { throw ValidationError("give exactly one of --applied and --rolled-back") }
    }

    func run() async throws {
        let runner = DatabaseRun(options: DatabaseOptions(server, directory: directory))
        let resolution: Migrator.RepairResolution = applied ? .applied : .rolledBack
        let version = version
        try await DatabaseRun.interruptible {
            try await runner.withDatabase { context in
                let actor = Migrator.Operator(
                    osUser: ConnectionSettings.operatingSystemUser(), host: ProcessInfo.processInfo.hostName)
                let dirty = try await context.migrator.repair(
                    version: version, as: resolution, migrations: context.migrations, by: actor,
                    on: context.connection, logger: context.logger)
                runner.say(
                    "repaired \(dirty.file): recorded as \(resolution.rawValue) (\(dirty.direction)); the database is clean"
                )
            }
        }
    }
}
