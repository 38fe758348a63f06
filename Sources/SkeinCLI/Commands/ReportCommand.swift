import ArgumentParser
import Foundation
import SkeinConnection
import SkeinGovernance
import SkeinPostgres

/// `skein report --html FILE`: the audit log as one self-contained HTML page with SVG charts.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write an HTML report of the audit log: timeline, durations, failures, rollbacks, database size.",
        discussion: """
            One self-contained page (inline CSS and SVG, no script, no network): a summary, the timeline of
            migration attempts, a bar per attempt with its duration (failed and rolled-back ones marked), the
            database's size after each run, and every row in a table. The same rows give the same bytes. See
            docs/governance.md#report.
            """)

    @OptionGroup var server: ServerOptions

    @Option(name: .customLong("html"), help: "The HTML file to write (replaced if it exists).")
    var htmlPath: String

    func run() async throws {
        let runner = DatabaseRun(options: DatabaseOptions(server))
        let path = htmlPath
        try await runner.withDatabase(reading: .nothing) { context in
            let entries = try await context.migrator.history(on: context.connection, logger: context.logger)
            let page = MigrationReportPage(entries: entries)
            do {
                try Data(page.render().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw runner.fail("cannot write \(path): \((error as NSError).localizedDescription)")
            }
            runner.say("wrote \(path): \(page.attempts.count) migration attempts, \(page.runs.count) runs")
        }
    }
}
