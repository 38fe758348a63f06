import ArgumentParser
import Foundation
import SkeinCore

/// `skein create NAME [sql]`: writes `<dir>/<UTC YYYYMMDDHHMMSS>_NAME.sql` and prints its path.
struct CreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a new migration file named with the current UTC timestamp.",
        discussion: """
            NAME must be lowercase snake_case (the policy); a forbidden name is refused with the corrected one.
            Names over 50 characters, or not starting with an action verb, are warnings. Skein writes SQL
            migrations only. The file is never overwritten.
            """
    )

    @Argument(help: "What the migration does, e.g. add_user_roles.")
    var name: String

    @Argument(help: "sql (the only type Skein writes; goose's go is refused).")
    var type: String = "sql"

    @Flag(name: .long, help: "Write the policy's -- DESTRUCTIVE: header with backup and recovery lines.")
    var destructive = false

    @Flag(name: .long, help: .hidden)
    var sequential = false

    @OptionGroup var options: MigrationsOptions

    func run() throws {
        let settings = try ProjectSettings.resolve(options)
        try reportingFailures { try create(settings) }
    }

    private func warn(_ text: String, _ settings: ProjectSettings) {
        settings.style == .goose ? Console.gooseLog("skein: warning: \(text)") : Console.err("warning: \(text)")
    }

    private func create(_ settings: ProjectSettings) throws {
        guard type == "sql" else {
            throw CLIFailure(
                .refused,
                "Skein writes SQL migrations only (got type \"\(type)\"); run `create \(name) sql`, or use goose itself for Go migrations"
            )
        }
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let now = utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date())
        let timestamp = MigrationTemplate.timestampVersion(
            year: now.year!, month: now.month!, day: now.day!, hour: now.hour!, minute: now.minute!, second: now.second!
        )
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if !manager.fileExists(atPath: settings.directory, isDirectory: &isDirectory) {
            // goose's create writes into an existing directory only; Skein's makes it (make migrate-create in a new
            // project).
            if settings.style == .goose {
                let path = (settings.directory as NSString).appendingPathComponent(
                    "\(sequential ? "00001" : String(timestamp))_\(name).\(type)")
                throw CLIFailure(
                    .fileSystem, "the migrations directory \(settings.directory) does not exist; create it first",
                    gooseLine: "failed to create migration file: open \(path): no such file or directory")
            }
            do {
                try manager.createDirectory(atPath: settings.directory, withIntermediateDirectories: true)
            } catch {
                throw CLIFailure(
                    .fileSystem,
                    "cannot create the migrations directory \(settings.directory): \(error.localizedDescription)")
            }
        } else if !isDirectory.boolValue {
            throw CLIFailure(
                .fileSystem,
                "\(settings.directory) is a file, not a directory; pass the migrations directory with --dir")
        }
        let existing: MigrationCatalog
        do {
            existing = try MigrationCatalog(source: DirectorySource(directory: settings.directory))
        } catch {
            throw CLIFailure(.migrations, "\(error)")
        }
        let planned = MigrationCreation.plan(
            name: name, style: destructive ? .destructive : .standard,
            numbering: sequential ? .sequential : .timestamp(timestamp), policy: settings.policy,
            existing: existing.migrations)
        let migration: MigrationCreation.NewMigration
        switch planned {
        case .success(let value): migration = value
        case .failure(let refusal): throw CLIFailure(.refused, refusal.message)
        }
        for warning in migration.warnings {
            warn(warning.message + (warning.help.map { " (\($0))" } ?? ""), settings)
        }
        let path =
            settings.directory.hasSuffix("/")
            ? settings.directory + migration.fileName : settings.directory + "/" + migration.fileName
        do {
            try Data(migration.text.utf8).write(to: URL(fileURLWithPath: path), options: [.withoutOverwriting])
        } catch {
            throw CLIFailure(.fileSystem, "cannot write \(path) (nothing was written): \(error.localizedDescription)")
        }
        switch settings.style {
        case .goose: Console.gooseLog("Created new file: \(path)")
        case .skein: Console.out(path)
        }
    }
}
