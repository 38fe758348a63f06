import ArgumentParser
import Foundation
import SkeinConnection
import SkeinGovernance
import SkeinPostgres

/// `skein history`: the audit log — every migration attempt, every run, every administrative action.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show the audit log: who ran which migration, when, how long, with what result.",
        discussion: """
            Reads Skein's audit table beside goose's version table (<table>_skein_audit): one row per migration \
            attempt (applied, rolled-back, failed), one per run (with the database size before and after), and \
            one per administrative action (repair, adopt, allow-modified, allow-destructive, backup). It needs \
            only the database (no migrations directory). See docs/governance.md.
            """)

    @OptionGroup var server: ServerOptions

    @Option(name: .long, help: "text or json.")
    var format: OutputFormat = .text

    @Option(name: .long, help: "Only rows since this date or time (2024-01-15 or 2024-01-15T14:30:00Z).")
    var since: String?

    @Option(
        name: .customLong("version"), help: "Only rows about this migration version (and the runs that applied it).")
    var migrationVersion: Int64?

    struct Report: Encodable {
        var schemaVersion = 1
        var entries: [AuditEntry]
    }

    static func date(_ text: String) -> Date? {
        let full = ISO8601DateFormatter()
        if let date = full.date(from: text) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        return day.date(from: text)
    }

    func run() async throws {
        let runner = DatabaseRun(options: DatabaseOptions(server))
        var since: Date?
        if let text = self.since {
            guard let date = Self.date(text) else {
                throw runner.fail(
                    "invalid --since \(text): use a date (2024-01-15) or an ISO 8601 time (2024-01-15T14:30:00Z)")
            }
            since = date
        }
        let format = format
        let version = migrationVersion
        try await runner.withDatabase(reading: .nothing) { [since] context in
            let entries = try await context.migrator.history(
                since: since, version: version, on: context.connection, logger: context.logger)
            if format == .json {
                try Console.json(Report(entries: entries))
                return
            }
            runner.say(lines: Self.table(entries))
        }
    }

    /// One line per row: when, what, which migration, result, how long, who; a failure's message below it.
    static func table(_ entries: [AuditEntry]) -> [String] {
        guard !entries.isEmpty else { return ["no audit rows yet: nothing has been migrated with Skein's tables"] }
        let formatter = ISO8601DateFormatter()
        func what(_ entry: AuditEntry) -> String {
            entry.action == .run
                ? "\(entry.command ?? "run")\(entry.version.map { " → \($0)" } ?? "")"
                : "\(entry.file ?? entry.version.map(String.init) ?? "-")\(entry.direction.map { " (\($0))" } ?? "")"
        }
        func padded(_ text: String, _ width: Int) -> String {
            text + String(repeating: " ", count: max(1, width - text.count))
        }
        let width = max(24, (entries.map { what($0).count }.max() ?? 0) + 2)
        var lines = [
            padded("started", 22) + padded("action", 10) + padded("outcome", 13) + padded("duration", 10)
                + padded("migration / command", width) + "by"
        ]
        for entry in entries {
            let duration = entry.durationSeconds.map { String(format: "%.3fs", $0) } ?? "-"
            let who = "\(entry.osUser ?? "?")@\(entry.host ?? "?") as \(entry.databaseUser)"
            lines.append(
                padded(formatter.string(from: entry.startedAt), 22) + padded(entry.action.rawValue, 10)
                    + padded(entry.outcome.rawValue, 13) + padded(duration, 10) + padded(what(entry), width) + who)
            if entry.outcome == .failed || entry.action != .migrate && entry.action != .run,
                let message = entry.message
            {
                lines.append("    \(message)\(entry.sqlState.map { " (SQLSTATE \($0))" } ?? "")")
            }
            if let approval = entry.approval { lines.append("    approval: \(approval)") }
            if entry.action == .run, let before = entry.databaseSizeBefore, let after = entry.databaseSizeAfter {
                lines.append(
                    "    database size \(before) → \(after) bytes (\(after - before >= 0 ? "+" : "")\(after - before))")
            }
        }
        return lines
    }
}
