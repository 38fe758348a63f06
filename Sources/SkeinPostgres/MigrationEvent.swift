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

    public var description: String {
        "pid \(pid) (user \(user)\(application.isEmpty ? "" : ", \(application)"), \(state), for \(Int(age.components.seconds)) s): \(query)"
    }
}
