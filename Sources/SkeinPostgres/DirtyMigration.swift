public import Foundation
public import SkeinCore

/// A `NO TRANSACTION` migration that did not finish: what ran, and where it stopped.
public struct DirtyMigration: Sendable, Hashable, CustomStringConvertible {
    public var version: Int64
    public var file: String
    public var direction: Direction
    /// The 1-based statement that was running (or failed) when it stopped.
    public var statementIndex: Int
    public var statementCount: Int
    public var statementLine: Int
    public var since: Date
    public var backendPID: Int
    public var failedSQLState: String?
    public var failedMessage: String?

    public var description: String {
        if statementIndex > statementCount {
            return
                "\(file) (\(direction), NO TRANSACTION) is dirty: all \(statementCount) statements completed, but recording the version failed"
                + (failedMessage.map { ": \($0)" } ?? " (process killed or connection lost)")
        }
        let ran =
            statementIndex <= 1
            ? "no statement before it completed"
            : "statements 1–\(statementIndex - 1) of \(statementCount) completed"
        let how =
            failedMessage.map { "failed: \($0)" + (failedSQLState.map { " (SQLSTATE \($0))" } ?? "") }
            ?? "was running when the run stopped (process killed or connection lost; server pid \(backendPID))"
        return
            "\(file) (\(direction), NO TRANSACTION) is dirty: \(ran); statement \(statementIndex) at line \(statementLine) \(how)"
    }
}
