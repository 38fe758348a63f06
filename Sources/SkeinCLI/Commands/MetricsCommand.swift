import ArgumentParser
import Foundation
import SkeinConnection
import SkeinGovernance
import SkeinPostgres

/// `skein metrics`: the audit log as Prometheus metrics (or JSON): durations, outcomes, failure ratio, runs, size.
struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Show migration metrics from the audit log, in Prometheus's text format or as JSON.",
        discussion: """
            A view over the same rows as `skein history`: the duration of each migration's latest attempt (per
            version and direction), attempts and runs by outcome, the failure ratio, the last run's time, duration,
            outcome and database size change, and the current version. Prometheus text exposition format 0.0.4,
            ready for node_exporter's textfile collector (skein metrics > skein.prom.tmp && mv skein.prom.tmp
            skein.prom). See docs/governance.md#metrics.
            """)

    enum Format: String, CaseIterable, ExpressibleByArgument {
        case prometheus
        case json
    }

    @OptionGroup var server: ServerOptions

    @Option(name: .long, help: "prometheus (text exposition format 0.0.4) or json.")
    var format: Format = .prometheus

    func run() async throws {
        let runner = DatabaseRun(options: DatabaseOptions(server))
        let format = format
        try await runner.withDatabase(reading: .nothing) { context in
            let entries = try await context.migrator.history(on: context.connection, logger: context.logger)
            let metrics = MigrationMetrics(entries: entries, now: Date())
            switch format {
            case .json:
                try Console.json(metrics)
            case .prometheus:
                // The text ends with its own newline; Console.out adds one.
                Console.out(String(metrics.prometheusText().dropLast()))
            }
        }
    }
}
