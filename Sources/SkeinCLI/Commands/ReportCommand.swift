import ArgumentParser
import Foundation
import SkeinConnection
import SkeinFleet
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

    @Option(
        name: .long,
        help:
            "A fleet's targets (as skein fleet reads them): one row per target, from each target's audit log — version, last run, duration, failure."
    )
    var targets: String?

    func run() async throws {
        if let targets { return try await fleetReport(targets: targets) }
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

    /// `--targets`: the fleet's page, each target read in parallel (4 at once).
    func fleetReport(targets path: String) async throws {
        let logger = Console.logger()
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw CLIFailure(.fileSystem, "cannot read the targets file \(path)")
        }
        let list: [FleetTarget]
        do {
            list = try FleetTargets.parse(text, path: path)
        } catch {
            throw CLIFailure(.configuration, error.description)
        }
        var configuration = Migrator.Configuration()
        if let table = server.table {
            do {
                configuration.versionTable = try VersionTableName.parse(table)
            } catch {
                throw CLIFailure(.usage, "\(error)")
            }
        }
        let fleet = Fleet(
            targets: list, migrator: Migrator(configuration: configuration),
            environment: CLIContext.current.environment)
        let report = await fleet.lastRuns(migrations: [], logger: logger)
        do {
            try Data(FleetReportPage(report: report).render().utf8).write(
                to: URL(fileURLWithPath: htmlPath), options: .atomic)
        } catch {
            throw CLIFailure(.fileSystem, "cannot write \(htmlPath): \((error as NSError).localizedDescription)")
        }
        Console.err("wrote \(htmlPath): \(report.results.count) targets")
    }
}
