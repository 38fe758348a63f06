import ArgumentParser
import Foundation
import SkeinCore

/// goose's `fix`: renames timestamped migrations to sequential versions. The policy requires timestamps, so
/// Skein mode refuses it under `policy: enforce`; goose mode warns and renames, as goose does.
struct FixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fix", abstract: "Renumber timestamped migrations sequentially (goose's fix; against the policy).")

    @OptionGroup var options: MigrationsOptions

    func run() throws {
        let settings = try ProjectSettings.resolve(options)
        try reportingFailures {
            guard settings.policy == .warn else {
                throw CLIFailure(
                    .refused,
                    "the policy requires timestamp versions (YYYYMMDDHHMMSS_description.sql); fix would renumber them sequentially. Set `policy: warn` in skein.yaml to allow it"
                )
            }
            let catalog: MigrationCatalog
            do {
                catalog = try MigrationCatalog(source: DirectorySource(directory: settings.directory))
            } catch {
                throw CLIFailure(.migrations, "\(error)", gooseLine: (error as? MigrationSourceError)?.gooseMessage)
            }
            let renames = MigrationRenumbering.plan(catalog.migrations)
            // Check every target first, so nothing is half-renamed.
            for rename in renames where FileManager.default.fileExists(atPath: rename.to) {
                throw CLIFailure(.fileSystem, "\(rename.to) already exists; nothing was renamed")
            }
            for rename in renames {
                do {
                    try FileManager.default.moveItem(atPath: rename.from, toPath: rename.to)
                } catch {
                    throw CLIFailure(
                        .fileSystem, "cannot rename \(rename.from) to \(rename.to): \(error.localizedDescription)")
                }
                let line =
                    "RENAMED \((rename.from as NSString).lastPathComponent) => \((rename.to as NSString).lastPathComponent)"
                settings.style == .goose ? Console.gooseLog(line) : Console.out(line)
            }
        }
    }
}
