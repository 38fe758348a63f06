import Foundation
import Logging
import Metrics
import PostgresNIO
import SkeinCore
import SkeinGovernance
import Synchronization

/// How statements run: PostgreSQL's timeouts, what happens when a lock is not granted in time, and the lock-wait
/// watch. The defaults are Skein's (the library's and Skein's grammar); ``goose`` is goose v3.17's behaviour. The
/// defaults matrix is in docs/runner.md.
public struct StatementSettings: Sendable {
    /// PostgreSQL's `lock_timeout` for migration statements (`SET LOCAL` in a transactional file, per statement in
    /// a `NO TRANSACTION` one); `nil` keeps the server's. Default 1 s: a migration waiting for a lock queues every
    /// later query on the table behind it, so it gives up quickly and retries (``lockRetry``) instead.
    public var lockTimeout: Duration?
    /// `lock_timeout` for `CONCURRENTLY` statements, which wait for older transactions by design (a short timeout
    /// fails them and leaves an INVALID index on a busy database); `nil` (the default): none.
    public var concurrentLockTimeout: Duration?
    /// PostgreSQL's `statement_timeout` for migration statements; `nil` keeps the server's.
    public var statementTimeout: Duration?
    /// Report a statement that has been running this long, with who blocks it; `nil` turns the watch off.
    public var warnAfter: Duration?
    /// Run a migration again (a transactional file) or a statement again (`NO TRANSACTION`) when its lock was not
    /// granted in time (SQLSTATE 55P03); `nil`: fail at once.
    public var lockRetry: LockRetry?
    /// Before a migration that takes a strong lock, look for sessions that would block it (needs
    /// ``Migrator/Configuration/lockTargets``).
    public var preflight: Preflight
    /// Reset the session between files (`RESET ALL`, and `RESET ROLE` / `RESET SESSION AUTHORIZATION` when a file
    /// mentions them), so a plain `SET` in one file does not leak into the next.
    public var resetsSession: Bool
    /// Before a `CONCURRENTLY` index build, drop the INVALID index an earlier failed attempt left under its name
    /// (`CREATE INDEX CONCURRENTLY IF NOT EXISTS` would otherwise succeed and keep it), unless a session is building
    /// it right now (then refuse, with the statement to run).
    public var rebuildsInvalidIndexes: Bool

    public init(
        lockTimeout: Duration? = .seconds(1), concurrentLockTimeout: Duration? = nil, statementTimeout: Duration? = nil,
        warnAfter: Duration? = .seconds(10), lockRetry: LockRetry? = LockRetry(), preflight: Preflight = .wait,
        resetsSession: Bool = true, rebuildsInvalidIndexes: Bool = true
    ) {
        self.lockTimeout = lockTimeout
        self.concurrentLockTimeout = concurrentLockTimeout
        self.statementTimeout = statementTimeout
        self.warnAfter = warnAfter
        self.lockRetry = lockRetry
        self.preflight = preflight
        self.resetsSession = resetsSession
        self.rebuildsInvalidIndexes = rebuildsInvalidIndexes
    }

    /// goose v3.17's behaviour: the server's timeouts, no retry, no pre-flight, session state carried from file to
    /// file (some goose sets rely on a `SET search_path` carrying over). Skein's lock-wait report stays on.
    public static let goose = StatementSettings(
        lockTimeout: nil, lockRetry: nil, preflight: .off, resetsSession: false, rebuildsInvalidIndexes: false)

    /// What the runner does before a migration that takes a strong lock, when other sessions hold conflicting locks
    /// on its tables in long or idle transactions.
    public enum Preflight: String, Sendable, Hashable, CaseIterable {
        /// Wait until they end (bounded by ``LockRetry/deadline``), without taking any lock meanwhile.
        case wait
        /// Refuse the migration, naming them.
        case refuse
        /// Do not look.
        case off
    }

    /// `set_config` of both timeouts for a transactional file (`SET LOCAL`), or `nil` when neither is set.
    var transactionConfigSQL: String? { timeoutsSQL(local: true) }

    /// `set_config` of `lock_timeout` and `statement_timeout` for the session, or `nil`: what a transactional file
    /// runs under in Skein's grammar, set once and kept until a file that may change the session is reset.
    var sessionTimeoutsSQL: String? { timeoutsSQL(local: false) }

    private func timeoutsSQL(local: Bool) -> String? {
        let parts = [("lock_timeout", lockTimeout), ("statement_timeout", statementTimeout)].compactMap { name, value in
            value.map { Self.setConfig(name, $0, local: local) }
        }
        return parts.isEmpty ? nil : "SELECT " + parts.joined(separator: ", ")
    }

    /// `set_config` of `statement_timeout` for a `NO TRANSACTION` file's session (its `lock_timeout` is set
    /// statement by statement, ``sessionLockTimeoutSQL(_:)``), or `nil`.
    var sessionConfigSQL: String? {
        statementTimeout.map { "SELECT " + Self.setConfig("statement_timeout", $0, local: false) }
    }

    /// What gives the session `lock_timeout` `value` (`nil`: the server's).
    static func sessionLockTimeoutSQL(_ value: Duration?) -> String {
        value.map { "SELECT " + setConfig("lock_timeout", $0, local: false) } ?? "RESET lock_timeout"
    }

    /// `set_config('name', '…ms', local)`.
    private static func setConfig(_ name: String, _ value: Duration, local: Bool) -> String {
        "set_config('\(name)', '\(milliseconds(value))ms', \(local))"
    }

    /// `RESET` for each timeout that was set for the session.
    var resetSQL: [String] {
        (lockTimeout == nil && concurrentLockTimeout == nil ? [] : ["RESET lock_timeout"])
            + (statementTimeout == nil ? [] : ["RESET statement_timeout"])
    }

    /// The `lock_timeout` one command runs with: its own setting for a `CONCURRENTLY` command.
    func lockTimeout(for command: String) -> Duration? {
        ConcurrentStatement.isConcurrent(command) ? concurrentLockTimeout : lockTimeout
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}

/// When a lock is not granted in time (SQLSTATE 55P03): how often and how long to try again. Backoff starts at
/// ``firstDelay`` and doubles up to ``maximumDelay``, with full jitter (each wait is uniformly random between zero
/// and that bound, so runs that collided do not collide again).
public struct LockRetry: Sendable, Hashable {
    /// Attempts in all, the first included.
    public var attempts: Int
    public var firstDelay: Duration
    public var maximumDelay: Duration
    /// No attempt starts after this long since the first (pre-flight waiting included).
    public var deadline: Duration

    public init(
        attempts: Int = 10, firstDelay: Duration = .seconds(1), maximumDelay: Duration = .seconds(30),
        deadline: Duration = .seconds(300)
    ) {
        self.attempts = attempts
        self.firstDelay = firstDelay
        self.maximumDelay = maximumDelay
        self.deadline = deadline
    }

    /// The bound of the wait after failed attempt `attempt` (1-based): `firstDelay · 2^(attempt-1)`, at most
    /// ``maximumDelay``.
    public func bound(afterAttempt attempt: Int) -> Duration {
        var bound = firstDelay
        for _ in 1..<max(1, attempt) {
            bound = bound * 2
            if bound >= maximumDelay { return maximumDelay }
        }
        return min(bound, maximumDelay)
    }

    /// The wait after failed attempt `attempt`: uniformly random in `0...bound(afterAttempt:)`.
    public func delay(afterAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let bound = StatementSettings.milliseconds(self.bound(afterAttempt: attempt))
        return .milliseconds(Int64.random(in: 0...bound, using: &generator))
    }
}
