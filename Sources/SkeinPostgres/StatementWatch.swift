import Foundation
import Logging
import Metrics
import PostgresNIO
import SkeinCore
import SkeinGovernance
import Synchronization

/// The statement running now, shared with the run's one watcher.
final class StatementWatch: Sendable {
    private struct Running {
        var step: MigrationStep
        var line: Int
        var started: ContinuousClock.Instant
        var reported: ContinuousClock.Instant?
        var sampled = false
    }

    private struct State {
        var running: Running?
        /// Who the last statement waited for, sampled while it waited (kept after it ends, for its failure).
        var blockers: [BlockingSession] = []
    }

    private let state = Mutex(State())

    func begin(_ step: MigrationStep, line: Int) {
        state.withLock { $0 = State(running: Running(step: step, line: line, started: .now)) }
    }

    func end() { state.withLock { $0.running = nil } }

    /// The sessions the last statement waited for when it was sampled (empty when it was not, or waited for none).
    var lastBlockers: [BlockingSession] { state.withLock { $0.blockers } }

    /// Until cancelled: a statement running `reportAfter` or longer (and not reported for `reportAfter`) is reported
    /// with the sessions blocking it; a statement running `sampleAfter` or longer has its blockers sampled once
    /// (``lastBlockers``), so that a lock timeout can name them after the wait is over.
    func watch(
        reportAfter: Duration?, sampleAfter: Duration?, side: SideChannel, pid: Int32, logger: Logger,
        observer: (@Sendable (MigrationEvent) -> Void)?
    ) async throws {
        let tick = [reportAfter.map { $0 / 4 }, sampleAfter.map { $0 / 2 }].compactMap { $0 }.min() ?? .seconds(1)
        while true {
            try await Task.sleep(for: tick)
            let now = ContinuousClock.now
            let due: (report: (MigrationStep, Int, Duration)?, sample: Bool) = state.withLock { state in
                guard var value = state.running else { return (nil, false) }
                var report: (MigrationStep, Int, Duration)?
                if let reportAfter, now - value.started >= reportAfter,
                    value.reported.map({ now - $0 >= reportAfter }) ?? true
                {
                    value.reported = now
                    report = (value.step, value.line, now - value.started)
                }
                let sample = !value.sampled && sampleAfter.map { now - value.started >= $0 } ?? false
                if sample { value.sampled = true }
                state.running = value
                return (report, sample)
            }
            guard due.report != nil || due.sample else { continue }
            let blockers = (try? await side.blockers(of: pid, logger: logger)) ?? []
            if due.sample || !blockers.isEmpty {
                state.withLock { if $0.running != nil || due.sample { $0.blockers = blockers } }
            }
            guard let (step, line, waited) = due.report else { continue }
            logger.warning(
                "statement still running",
                metadata: [
                    "migration.version": "\(step.migration.version)", "line": "\(line)",
                    "blockers": "\(blockers.map(\.pid))",
                ])
            observer?(.waiting(step, line: line, waited: waited, blockers: blockers))
        }
    }
}
