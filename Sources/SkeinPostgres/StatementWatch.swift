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
    }

    private let running = Mutex<Running?>(nil)

    func begin(_ step: MigrationStep, line: Int) {
        running.withLock { $0 = Running(step: step, line: line, started: .now, reported: nil) }
    }

    func end() { running.withLock { $0 = nil } }

    /// Until cancelled: every `interval / 4`, a statement running `interval` or longer (and not reported for
    /// `interval`) is reported with the sessions blocking it.
    func watch(
        every interval: Duration, side: SideChannel, pid: Int32, logger: Logger,
        observer: (@Sendable (MigrationEvent) -> Void)?
    ) async throws {
        while true {
            try await Task.sleep(for: interval / 4)
            let now = ContinuousClock.now
            let due: (MigrationStep, Int, Duration)? = running.withLock { current in
                guard var value = current, now - value.started >= interval,
                    value.reported.map({ now - $0 >= interval }) ?? true
                else { return nil }
                value.reported = now
                current = value
                return (value.step, value.line, now - value.started)
            }
            guard let (step, line, waited) = due else { continue }
            let blockers = (try? await side.blockers(of: pid, logger: logger)) ?? []
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
