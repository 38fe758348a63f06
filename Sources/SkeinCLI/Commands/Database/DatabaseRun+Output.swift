import Foundation
import Logging
import SkeinCore
import SkeinPostgres

extension DatabaseRun {
    func say(_ text: String) {
        switch style {
        case .goose: Console.gooseLog(text)
        case .skein: Console.out(text)
        }
    }

    /// Several lines in one write (in goose mode, each with the log prefix).
    func say(lines: [String]) {
        guard !lines.isEmpty else { return }
        switch style {
        case .goose:
            let prefix = Console.gooseLogPrefix()
            Console.err(lines.map { prefix + $0 }.joined(separator: "\n"))
        case .skein: Console.out(lines.joined(separator: "\n"))
        }
    }

    func warn(_ text: String) {
        switch style {
        case .goose: Console.gooseLog("skein: " + text)
        case .skein: Console.err("warning: " + text)
        }
    }

    /// Prints goose's `OK` line as each step finishes, and who blocks a statement that waits.
    func observe(_ event: MigrationEvent) {
        switch event {
        case .finished(let step, let duration):
            let section = try? step.migration.section(step.direction)?.get()
            let empty = section?.statements.isEmpty ?? false
            say("\(empty ? "EMPTY" : "OK  ") \(step.migration.fileName) (\(GoDurationFormat.string(duration)))")
        case .waiting(let step, let line, let waited, let blockers) where options.logFormat == .json:
            Console.logger(json: true).warning(
                "statement waiting",
                metadata: [
                    "migration.file": "\(step.migration.path)", "migration.line": "\(line)",
                    "wait.seconds":
                        "\(Double(waited.components.seconds) + Double(waited.components.attoseconds) / 1e18)",
                    "wait.blockers": "\(blockers.map(\.description).joined(separator: "; "))",
                ])
        case .waiting(let step, let line, let waited, let blockers):
            let place = "\(step.migration.path):\(line)"
            let text =
                blockers.isEmpty
                ? "still running after \(GoDurationFormat.string(waited)): \(place) (not waiting for a lock)"
                : "waiting \(GoDurationFormat.string(waited)) for a lock at \(place), blocked by "
                    + blockers.map(\.description).joined(separator: "; ")
            warn(text)
        case .retrying where options.logFormat == .json, .preflightWaiting where options.logFormat == .json:
            // The runner's own log lines say it, with the blockers (`migration lock timeout, retrying`, …).
            break
        case .retrying(let step, let line, let attempt, let attempts, let delay, let blockers):
            let place = "\(step.migration.path)" + (line.map { ":\($0)" } ?? "")
            warn(
                "lock not granted in time at \(place) (attempt \(attempt) of \(attempts)); retrying in \(GoDurationFormat.string(delay))"
                    + (blockers.isEmpty ? "" : "; blocked by " + blockers.map(\.description).joined(separator: "; ")))
        case .preflightWaiting(let step, let blockers):
            warn(
                "waiting before \(step.migration.path) for sessions holding locks it needs (no lock taken meanwhile): "
                    + blockers.map(\.description).joined(separator: "; "))
        case .notice(let text):
            warn(text)
        case .transaction(_, let boundary) where options.verbose:
            // goose's -v lines.
            let text = boundary == .begin ? "Begin transaction" : "Commit transaction"
            style == .goose ? Console.gooseLog(text) : Console.err(text.lowercased())
        case .executing(let step, let statement) where options.verbose:
            switch style {
            case .goose: Console.gooseLog("Executing statement: \(statement.sql)")
            case .skein: Console.err("executing \(step.migration.path):\(statement.line): \(statement.sql)")
            }
        case .backedUp(let location):
            // Information, not a warning: the backup the run asked for exists and was checked.
            style == .goose ? Console.gooseLog("skein: backup: \(location)") : Console.err("backup: \(location)")
        case .transaction, .executing:
            break
        }
    }
}
