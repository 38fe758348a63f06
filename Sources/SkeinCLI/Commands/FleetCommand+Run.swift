import ArgumentParser
import Foundation
import Logging
import SkeinCore
import SkeinFleet
import SkeinPostgres
import Synchronization

/// What the fleet commands that migrate also take.
struct FleetRunOptions: ParsableArguments {
    @Option(name: .customLong("html"), help: "Also write the run's report as one HTML page (a row per target).")
    var htmlPath: String?
}

struct FleetUp: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up", abstract: "Migrate every target to the latest version.")
    @OptionGroup var options: FleetOptions
    @OptionGroup var report: FleetRunOptions
    func run() async throws { try await FleetRun.migrate(.up, options: options, html: report.htmlPath) }
}

struct FleetUpTo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up-to", abstract: "Migrate every target up to VERSION.")
    @Argument var version: Int64
    @OptionGroup var options: FleetOptions
    @OptionGroup var report: FleetRunOptions
    func run() async throws { try await FleetRun.migrate(.upTo(version), options: options, html: report.htmlPath) }
}

struct FleetDownTo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down-to", abstract: "Roll every target back to VERSION (needs --yes; canary first).")
    @Argument var version: Int64
    @Flag(name: .long, help: "Confirm rolling back every target.")
    var yes = false
    @OptionGroup var options: FleetOptions
    @OptionGroup var report: FleetRunOptions
    func run() async throws {
        guard yes else {
            throw CLIFailure.fleetUsage(
                "fleet down-to rolls back every target; say --yes (and consider --canary 1 so one target goes first)")
        }
        try await FleetRun.migrate(.downTo(version), options: options, html: report.htmlPath)
    }
}

struct FleetStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Each target's version, pending count, dirty state and drift; a summary.")
    @OptionGroup var options: FleetOptions
    func run() async throws { try await FleetRun.status(options: options) }
}

/// `fleet status --format json`.
struct StatusReport: Encodable {
    var schemaVersion = 1
    /// The highest version among the migration files.
    var latest: Int64
    var targets: [FleetTargetStatus]
}

/// The fleet commands' output: a line per target as it finishes, then a table and a summary (or one JSON document).
enum FleetRun {
    static func migrate(_ command: MigrationCommand, options: FleetOptions, html: String? = nil) async throws {
        let logger = Console.logger()
        try await DatabaseRun.interruptible {
            let (fleet, migrations) = try await options.fleet(logger: logger)
            let text = options.format == .text
            if text {
                Console.err(
                    "skein fleet: \(fleet.targets.count) targets, \(fleet.parallel) at once, --on-error \(fleet.onError.rawValue)"
                        + (fleet.canary == .none ? "" : ", canaries first"))
            }
            let progress = Progress(total: fleet.targets.count, enabled: text && CLIContext.current.error.isTerminal)
            let report = await fleet.run(
                command, migrations: migrations,
                observer: { event in
                    guard text else { return }
                    progress.update(event) { Console.out(line($0)) }
                }, logger: logger)
            progress.clear()
            if text {
                Console.out(summary(report))
            } else {
                try Console.json(report)
            }
            if let html {
                do {
                    try Data(FleetReportPage(report: report).render().utf8).write(
                        to: URL(fileURLWithPath: html), options: .atomic)
                } catch {
                    throw CLIFailure(.fileSystem, "cannot write \(html): \((error as NSError).localizedDescription)")
                }
                if text { Console.err("wrote \(html): \(report.results.count) targets") }
            }
            if !report.succeeded {
                throw CLIFailure(
                    .run,
                    "\(report.results.filter { !$0.succeeded }.count) of \(report.results.count) targets are not where they were asked to be (above)"
                )
            }
        }
    }

    /// On a terminal, one line on stderr redrawn as targets start and finish: done, failed, running.
    final class Progress: Sendable {
        struct Counts { var done = 0, failed = 0, running = 0 }
        let total: Int
        let enabled: Bool
        private let counts = Mutex(Counts())

        init(total: Int, enabled: Bool) {
            self.total = total
            self.enabled = enabled
        }

        /// Counts `event`; a finished target's line is written (through `emit`) above the progress line.
        func update(_ event: Fleet.Event, emit: (FleetTargetResult) -> Void) {
            let now = counts.withLock { counts -> Counts in
                switch event {
                case .started: counts.running += 1
                case .finished(let result):
                    counts.running -= 1
                    counts.done += 1
                    if !result.succeeded { counts.failed += 1 }
                }
                return counts
            }
            if enabled { Console.errInPlace("\r\u{1B}[K") }
            if case .finished(let result) = event { emit(result) }
            if enabled {
                Console.errInPlace(
                    "[\(now.done)/\(total)] \(now.done - now.failed) ok, \(now.failed) failed, \(now.running) running")
            }
        }

        func clear() {
            if enabled { Console.errInPlace("\r\u{1B}[K") }
        }
    }

    static func status(options: FleetOptions) async throws {
        let logger = Console.logger()
        try await DatabaseRun.interruptible {
            let (fleet, migrations) = try await options.fleet(logger: logger)
            let statuses = await fleet.status(migrations: migrations, logger: logger)
            let latest = migrations.map(\.version).max() ?? 0
            if options.format == .json {
                try Console.json(StatusReport(latest: latest, targets: statuses))
            } else {
                let width = max(6, statuses.map(\.name.count).max() ?? 0)
                Console.out(pad("TARGET", width) + "  VERSION         PENDING  STATE")
                for status in statuses {
                    let state: String
                    if let error = status.error {
                        state = "unreachable: " + (error.split(separator: "\n").first.map(String.init) ?? error)
                    } else if !status.dirty.isEmpty {
                        state = "dirty: \(status.dirty.map(String.init).joined(separator: ", "))"
                    } else if !status.drifted.isEmpty {
                        state = "drift: \(status.drifted.joined(separator: ", "))"
                    } else {
                        state = status.pending == 0 ? "ok" : "pending"
                    }
                    Console.out(
                        pad(status.name, width) + "  " + pad(status.version.map(String.init) ?? "?", 14) + "  "
                            + pad("\(status.pending)", 7) + "  " + state)
                }
                let byVersion = Dictionary(grouping: statuses, by: \.version).map { ($0.key, $0.value.count) }
                    .sorted { ($0.0 ?? -1) > ($1.0 ?? -1) }
                Console.out(
                    "\(statuses.count) targets; latest file version \(latest); "
                        + byVersion.map { "\($0.1) at \($0.0.map(String.init) ?? "unknown")" }.joined(separator: ", "))
            }
            if statuses.contains(where: { $0.error != nil || !$0.dirty.isEmpty }) {
                throw CLIFailure(.run, "some targets are unreachable or dirty (above)")
            }
        }
    }

    static func line(_ result: FleetTargetResult) -> String {
        let versions =
            "\(result.versionBefore.map(String.init) ?? "?") → \(result.versionAfter.map(String.init) ?? "?")"
        let seconds = String(format: "%.2f s", result.seconds)
        switch result.outcome {
        case .migrated:
            return
                "ok       \(result.name)  \(versions) (\(result.steps.count) migration\(result.steps.count == 1 ? "" : "s"), \(seconds))"
        case .current:
            return "current  \(result.name)  at \(result.versionAfter.map(String.init) ?? "?")"
        case .failed, .unreachable, .skipped:
            let first = result.message?.split(separator: "\n").first.map(String.init) ?? ""
            return "\(pad(result.outcome.rawValue, 8)) \(result.name)  \(first)"
        }
    }

    static func summary(_ report: FleetReport) -> String {
        var lines: [String] = []
        for result in report.results where !result.succeeded && result.outcome != .skipped {
            lines.append("--- \(result.name) (\(result.outcome.rawValue)):")
            lines += (result.message ?? "").split(separator: "\n").map { "  " + $0 }
        }
        let skipped = report.results.filter { $0.outcome == .skipped }
        for (reason, results) in Dictionary(grouping: skipped, by: { $0.message ?? "not started" }).sorted(by: {
            $0.key < $1.key
        }) {
            lines.append("--- \(results.count) skipped (\(reason)): \(results.map(\.name).joined(separator: ", "))")
        }
        let counts = report.counts
        let order: [FleetTargetResult.Outcome] = [.migrated, .current, .failed, .unreachable, .skipped]
        lines.append(
            "\(report.results.count) targets in \(String(format: "%.1f", report.seconds)) s: "
                + order.compactMap { outcome in counts[outcome].map { "\($0) \(outcome.rawValue)" } }.joined(
                    separator: ", ")
                + "; versions: "
                + report.versions.reversed().map { "\($0.targets) at \($0.version.map(String.init) ?? "unknown")" }
                .joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
