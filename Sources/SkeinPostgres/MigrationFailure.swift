import Foundation
import Logging
import Metrics
import PostgresNIO
public import SkeinCore
import SkeinGovernance
import Synchronization

/// A server error mapped to the migration file: which statement, where, and PostgreSQL's own words.
public struct MigrationFailure: Error, Sendable, CustomStringConvertible {
    /// Versions applied (or rolled back) by this run before the failure; they stay.
    public var completed: [MigrationStep]
    /// The step that failed; nothing of it remains when it ran in a transaction.
    public var failed: MigrationStep
    /// The 1-based line in the file of the statement that failed.
    public var line: Int?
    public var sqlState: String?
    public var message: String
    public var detail: String?
    public var hint: String?
    /// For a `NO TRANSACTION` file: how many of its statements completed before the failure.
    public var statementsCompleted: Int?
    /// For a `NO TRANSACTION` file: whether Skein recorded it as dirty (``DirtyMigration``).
    public var leftDirty = false
    /// What PostgreSQL said, with the position it pointed at; `nil` when the connection failed instead.
    public var server: ServerError?
    /// The goose statement that failed, exactly as goose would send it.
    public var statement: Statement?
    /// The command of that statement that was sent when it failed.
    public var command: String?
    /// Each attempt that ended on a lock timeout, with who blocked it (the last is the failure itself).
    public var lockAttempts: [LockAttempt] = []

    /// Where the error points in the file (PostgreSQL's position mapped back), with the line's text.
    public var excerpt: StatementExcerpt? {
        guard let position = server?.position, let statement else { return nil }
        return StatementExcerpt.locate(
            position: position, in: command ?? statement.sql, of: statement, file: failed.migration.path)
    }

    /// `file:line:col` of the error: PostgreSQL's position when it gave one, else the failing statement's line.
    public var location: SourceLocation {
        excerpt?.location ?? SourceLocation(file: failed.migration.path, line: line)
    }

    public init(
        completed: [MigrationStep], failed: MigrationStep, line: Int?, sqlState: String?, message: String,
        detail: String? = nil, hint: String? = nil, statementsCompleted: Int? = nil, leftDirty: Bool = false,
        server: ServerError? = nil, statement: Statement? = nil, command: String? = nil,
        lockAttempts: [LockAttempt] = []
    ) {
        self.lockAttempts = lockAttempts
        self.completed = completed
        self.failed = failed
        self.line = line
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.statementsCompleted = statementsCompleted
        self.leftDirty = leftDirty
        self.server = server
        self.statement = statement
        self.command = command
    }

    /// What to do about the failure, for the SQLSTATEs a migration commonly meets (lock timeout, privilege, cancel).
    public var help: String? {
        if connectionLost {
            return
                "the connection to PostgreSQL was lost (the server shut down, restarted or failed over); PostgreSQL rolls back the transaction of a lost connection. Run `skein status` against the primary to see what is applied, then run again: a multi-host URL with target_session_attrs=read-write (host=a,b) finds the new primary"
        }
        return switch sqlState {
        case "55P03":
            lockAttempts.count > 1
                ? "the lock was not granted within lock_timeout in any of \(lockAttempts.count) attempts; end or wait out the sessions named above, then run again (--lock-timeout, --lock-retries and --lock-retry-deadline tune the retries)"
                : "the lock_timeout expired while the statement waited for a lock held by other sessions; end or wait out the sessions named above and run again, or raise --lock-timeout / --lock-retries"
        case "42501":
            "the migration role lacks this privilege; grant it (or run as the objects' owner): docs/governance.md#least-privilege lists what a migration role needs"
        case "57014":
            "the statement was cancelled (statement_timeout, -timeout or Ctrl-C)"
        default:
            nil
        }
    }

    /// The connection ended under the migration: the server was shut down or restarted (SQLSTATE 57P01–57P03: a
    /// switchover or failover stops the old primary), or the connection itself broke (class 08, or no answer).
    public var connectionLost: Bool {
        if let sqlState { return ["57P01", "57P02", "57P03"].contains(sqlState) || sqlState.hasPrefix("08") }
        return server == nil
            && (message.hasPrefix("the connection failed")
                || message.hasPrefix("the connection to PostgreSQL is closed"))
    }

    /// Who blocked each attempt that ended on a lock timeout, a line each (`attempt 2: blocked by pid 4711 …`).
    public var lockAttemptLines: [String] {
        guard sqlState == "55P03" else { return [] }
        return lockAttempts.map { attempt in
            "attempt \(attempt.attempt): "
                + (attempt.blockers.isEmpty
                    ? "blocked by sessions that could not be named (the wait ended before they were sampled)"
                    : "blocked by " + attempt.blockers.map(\.description).joined(separator: "; "))
        }
    }

    public var description: String {
        var text = ""
        let done = completed.map { "\($0.migration.fileName)" }
        let verb = failed.direction == .up ? "Applied" : "Rolled back"
        text +=
            done.isEmpty
            ? "Nothing was \(verb.lowercased()) before the failure. " : "\(verb) \(done.joined(separator: ", ")). "
        text += "Failed \(failed.migration.path)\(line.map { ":\($0)" } ?? "") (\(failed.direction)): "
        text += message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let detail { text += "\n  detail: \(detail)" }
        if let hint { text += "\n  hint: \(hint)" }
        for line in lockAttemptLines { text += "\n  " + line }
        if let help { text += "\n  help: \(help)" }
        if failed.migration.kind == .go {
            return text
                + "\nSkein stopped before it; nothing after it ran. Run it with a goose binary built with it, or rewrite it in SQL."
        }
        let mode = failed.migration.transactionMode ?? .transaction
        if mode.isTransactional {
            text += "\nEverything of \(failed.migration.fileName) was rolled back; nothing after it ran."
        } else {
            let count = statementsCompleted ?? 0
            let total = (try? failed.migration.section(failed.direction)?.get())?.statements.count ?? 0
            text +=
                "\n\(failed.migration.fileName) runs without a transaction: \(count) of its \(total) statements completed and stay"
                + (count == 0 ? "" : " (up to the one before line \(line ?? 0))") + "; nothing after it ran."
            if leftDirty {
                text +=
                    "\nIt is recorded as dirty: later runs refuse until you finish or undo those statements by hand and run `skein repair \(failed.migration.version) --applied` or `--rolled-back`."
            }
        }
        return text
    }
}
