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
        try reportingFailures(style: settings.style) { try create(settings) }
    }

    private func warn(_ text: String, _ settings: ProjectSettings) {
        settings.style == .goose ? Console.gooseLog("warning: \(text)") : Console.err("warning: \(text)")
    }

    private func create(_ settings: ProjectSettings) throws {
        guard type == "sql" else {
            throw CommandFailure(
                "Skein writes SQL migrations only (got type \"\(type)\"); run `create \(name) sql`, or use goose itself for Go migrations"
            )
        }
        let description: String
        let corrected = MigrationNamePolicy.snakeCased(name)
        if MigrationNamePolicy.isSnakeCase(name) {
            description = name
        } else if settings.policy == .enforce {
            throw CommandFailure(
                "the name \"\(name)\" breaks the naming policy (lowercase snake_case, no spaces, capitals, hyphens or non-ASCII letters)"
                    + (corrected.isEmpty ? "" : "; use \(corrected)"))
        } else {
            // goose mode without `policy: enforce`: name the file as goose would, and say what the policy wants.
            description = MigrationTemplate.gooseSnakeCase(name)
            warn(
                "the name \"\(name)\" breaks the naming policy\(corrected.isEmpty ? "" : "; the policy's spelling is \(corrected)")",
                settings)
        }
        guard !description.isEmpty else {
            throw CommandFailure(
                "the name \"\(name)\" has no letters or digits; describe the change, e.g. add_user_roles")
        }
        for warning in MigrationNamePolicy.descriptionWarnings(description, location: nil) {
            warn("\(warning.message) (\(warning.help ?? ""))", settings)
        }

        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if !manager.fileExists(atPath: settings.directory, isDirectory: &isDirectory) {
            do {
                try manager.createDirectory(atPath: settings.directory, withIntermediateDirectories: true)
            } catch {
                throw CommandFailure(
                    "cannot create the migrations directory \(settings.directory): \(error.localizedDescription)")
            }
        } else if !isDirectory.boolValue {
            throw CommandFailure(
                "\(settings.directory) is a file, not a directory; pass the migrations directory with --dir")
        }

        let existing: MigrationCatalog
        do {
            existing = try MigrationCatalog(source: DirectorySource(directory: settings.directory))
        } catch {
            throw CommandFailure("\(error)")
        }
        let version: String
        if sequential {
            if settings.policy == .enforce {
                throw CommandFailure(
                    "the policy requires timestamp versions (YYYYMMDDHHMMSS); -s (sequential) is refused under `policy: enforce`"
                )
            }
            warn("sequential versions break the naming policy (YYYYMMDDHHMMSS_description.sql)", settings)
            version = MigrationTemplate.nextSequentialVersion(after: existing.migrations.map(\.version))
        } else {
            let now = Calendar(identifier: .gregorian)
            var utc = now
            utc.timeZone = TimeZone(identifier: "UTC")!
            let parts = utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date())
            version = MigrationTemplate.timestampVersion(
                year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!,
                second: parts.second!)
        }
        if let clash = existing.migrations.first(where: {
            String($0.version) == version || $0.version == Int64(version)
        }) {
            throw CommandFailure(
                "version \(version) is already used by \(clash.path); wait a second and run create again")
        }
        let fileName = "\(version)_\(description).sql"
        let path =
            settings.directory.hasSuffix("/") ? settings.directory + fileName : settings.directory + "/" + fileName
        let text = MigrationTemplate.text(destructive ? .destructive : .standard, name: description)
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: [.withoutOverwriting])
        } catch {
            throw CommandFailure("cannot write \(path) (nothing was written): \(error.localizedDescription)")
        }
        switch settings.style {
        case .goose: Console.gooseLog("Created new file: \(path)")
        case .skein: Console.out(path)
        }
    }
}
