import ArgumentParser
import SkeinCore
import SkeinPostgres

struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the database's current version.")
    @OptionGroup var options: DatabaseOptions

    func run() async throws {
        let runner = DatabaseRun(options: options)
        try await runner.withDatabase { context in
            if context.migrator.configuration.versioning == .unversioned {
                runner.say("goose: file version \(context.migrations.last?.version ?? 0)")
                return
            }
            let rows = try await VersionStore(table: context.migrator.configuration.versionTable)
                .ensuredRecords(on: context.connection, logger: context.logger)
            guard let current = MigrationPlanner.currentVersion(of: rows) else {
                throw runner.fail("no next version found")
            }
            runner.say("goose: version \(current)")
        }
    }
}
