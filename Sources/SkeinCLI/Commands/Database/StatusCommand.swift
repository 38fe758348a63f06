import ArgumentParser
import Foundation
import SkeinCore
import SkeinGovernance
import SkeinPostgres

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        // skein is this command's super-command. Said so, ArgumentParser skips its completion-script check (two more
        // command parsers: a fifth of this command's start-up) when SkeinCommandLine.parse parses the command on its
        // own; the root parse, errors and help are unchanged (they name the root's super-command, which has none).
        _superCommandName: "skein", abstract: "Show each migration's status, as goose does (or --format json).")
    @OptionGroup var server: ServerOptions
    @OptionGroup var directory: DirectoryOptions
    @OptionGroup var versioning: VersioningOptions

    @Option(name: .long, help: "text (goose's table) or json.")
    var format: OutputFormat = .text

    struct Row: Encodable {
        var version: Int64
        var file: String?
        var state: String
        var flags: [String]
        var appliedAt: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(version, forKey: .version)
            try container.encode(file, forKey: .file)
            try container.encode(file.map { ($0 as NSString).lastPathComponent }, forKey: .fileName)
            try container.encode(state, forKey: .state)
            try container.encode(flags, forKey: .flags)
            try container.encode(appliedAt, forKey: .appliedAt)
        }

        enum CodingKeys: String, CodingKey { case version, file, fileName, state, flags, appliedAt }
    }

    struct Report: Encodable {
        var schemaVersion = 1
        var migrations: [Row]
    }

    func run() async throws {
        let runner = DatabaseRun(options: DatabaseOptions(server, directory: directory, versioning: versioning))
        let format = format
        try await runner.withDatabase(reading: .migrationsForStatus) { context in
            let report = try await context.migrator.status(
                migrations: context.migrations, on: context.connection, logger: context.logger)
            if format == .json {
                try Console.json(Report(migrations: Self.rows(report)))
                return
            }
            // One write for the whole table (10,000 rows are 10,000 writes otherwise).
            var lines = ["    Applied At                  Migration", "    ======================================="]
            lines.reserveCapacity(report.entries.count + 2)
            // Dates by arithmetic; the DateFormatter (ICU's start-up) only for a year outside 1000–9999.
            var formatter: GoDurationFormat.ANSIC?
            func ansic(_ date: Date) -> String {
                if let text = GoDurationFormat.ANSIC.format(date) { return text }
                if formatter == nil { formatter = GoDurationFormat.ANSIC() }
                return formatter!.string(date)
            }
            for entry in report.entries {
                guard let migration = entry.migration else { continue }
                let appliedAt: String
                if !report.isVersioned {
                    appliedAt = "no versioning"
                } else if entry.state == .dirty {
                    appliedAt = "DIRTY"
                } else {
                    appliedAt = entry.appliedAt.map(ansic) ?? "Pending"
                }
                // appliedAt is ASCII: pad it to 24 columns.
                let padding = String(repeating: " ", count: max(0, 24 - appliedAt.utf8.count))
                lines.append("    \(appliedAt)\(padding) -- \(migration.fileName)")
            }
            runner.say(lines: lines)
            for entry in report.entries {
                if let dirty = entry.dirty {
                    runner.warn("\(dirty); settle it with `skein repair \(dirty.version) --applied|--rolled-back`")
                }
                if let drift = entry.drift, drift.kind != .unrecorded { runner.warn(drift.description) }
            }
        }
    }

    static func rows(_ report: MigrationStatusReport) -> [Row] {
        let formatter = ISO8601DateFormatter()
        return report.entries.map { entry in
            Row(
                version: entry.version, file: entry.migration?.path, state: entry.state.rawValue,
                flags: (entry.dirty.map { _ in ["dirty"] } ?? [])
                    + (entry.drift.flatMap { $0.kind == .unrecorded ? nil : [$0.kind.rawValue] } ?? []),
                appliedAt: entry.appliedAt.map { formatter.string(from: $0) })
        }
    }
}
