import Foundation
import Logging
import Metrics
import PostgresNIO
public import SkeinCore
import SkeinGovernance
import Synchronization

/// What the runner reports while it works (the CLI prints it; an app may log it).
public enum MigrationEvent: Sendable {
    /// A step finished.
    case finished(MigrationStep, duration: Duration)
    /// A statement has waited `waited` so far; `blockers` are the sessions it waits for (empty when it is
    /// just slow).
    case waiting(MigrationStep, line: Int, waited: Duration, blockers: [BlockingSession])
    /// A step's lock was not granted within the lock timeout (SQLSTATE 55P03): attempt `attempt` of `attempts`
    /// failed, and the next starts after `delay`. `blockers` are the sessions it waited for.
    case retrying(MigrationStep, line: Int?, attempt: Int, attempts: Int, delay: Duration, blockers: [BlockingSession])
    /// Before a step that takes a strong lock, the pre-flight found sessions that would block it (or make traffic
    /// queue behind it); the runner waits for them to end without taking any lock. Reported once per step.
    case preflightWaiting(MigrationStep, blockers: [PreflightBlocker])
    /// Something the operator should know before the steps run: checksums adopted, a modified file accepted, a
    /// changed Down, a destructive migration let through.
    case notice(String)
    /// A step's transaction begins or commits (goose's `-v`: `Begin transaction`, `Commit transaction`).
    case transaction(MigrationStep, TransactionBoundary)
    /// A goose statement is about to be sent (goose's `-v`: `Executing statement: …`).
    case executing(MigrationStep, Statement)
    /// The backup before the first step was taken and checked; where it is (information, not a warning).
    case backedUp(location: String)

    /// Where a step's transaction is.
    public enum TransactionBoundary: Sendable, Hashable {
        case begin
        case commit
    }
}

/// A session another session waits for (`pg_blocking_pids`).
public struct BlockingSession: Sendable, Hashable, CustomStringConvertible {
    public var pid: Int32
    public var user: String
    public var application: String
    public var state: String
    /// How long its transaction (or query) has been running.
    public var age: Duration
    public var query: String

    public init(pid: Int32, user: String, application: String, state: String, age: Duration, query: String) {
        self.pid = pid
        self.user = user
        self.application = application
        self.state = state
        self.age = age
        self.query = query
    }

    /// PostgreSQL hides other roles' queries from a role without `pg_read_all_stats`.
    public var queryIsHidden: Bool { query == "<insufficient privilege>" }

    public var description: String {
        "pid \(pid) (user \(user)\(application.isEmpty ? "" : ", \(application)"), \(state), for \(Int(age.components.seconds)) s): "
            + (queryIsHidden
                ? "query hidden (grant pg_read_all_stats to the migration role to see it)" : query)
    }
}

/// A session the pre-flight found holding a lock that conflicts with a migration's.
public struct PreflightBlocker: Sendable, Hashable, CustomStringConvertible {
    public var session: BlockingSession
    /// The table, as the migration names it.
    public var relation: String
    /// The lock the session holds, and the one the migration needs.
    public var held: TableLockMode
    public var needed: TableLockMode

    public var description: String { "\(session) holds \(held) on \(relation) (the migration needs \(needed))" }
}

/// One attempt of a step that failed on a lock timeout (SQLSTATE 55P03).
public struct LockAttempt: Sendable, Hashable {
    public var attempt: Int
    /// The sessions it waited for (sampled while it waited; empty when the wait was too short to sample).
    public var blockers: [BlockingSession]
}
