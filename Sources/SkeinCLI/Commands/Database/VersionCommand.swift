import ArgumentParser
import SkeinCore
import SkeinPostgres

struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        // skein is this command's super-command. Said so, ArgumentParser skips its completion-script check (two more
        // command parsers: a fifth of this command's start-up) when SkeinCommandLine.parse parses the command on its
        // own; the root parse, errors and help are unchanged (they name the root's super-command, which has none).
        _superCommandName: "skein", abstract: "Print the database's current version.")
    @OptionGroup var server: ServerOptions
    @OptionGroup var directory: DirectoryOptions
    @OptionGroup var versioning: VersioningOptions

    func run() async throws {
        let runner = DatabaseRun(options: DatabaseOptions(server, directory: directory, versioning: versioning))
        // The version is the database's: no migration file is read (but -no-versioning's file version).
        try await runner.withDatabase(reading: .nothing) { context in
            if context.migrator.configuration.versioning == .unversioned {
                runner.say("goose: file version \(context.migrations.last?.version ?? 0)")
                return
            }
            guard
                let current = try await context.migrator.currentVersion(on: context.connection, logger: context.logger)
            else {
                throw runner.fail("no next version found")
            }
            runner.say("goose: version \(current)")
        }
    }
}
