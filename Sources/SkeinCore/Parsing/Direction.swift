/// Which part of a migration runs: `-- +goose Up` or `-- +goose Down`.
public enum Direction: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case up
    case down

    public var description: String { rawValue }
}

/// Whether a migration runs inside a transaction (goose's default) or statement by statement
/// (`-- +goose NO TRANSACTION`).
public enum TransactionMode: String, Sendable, Hashable, Codable {
    case transaction
    case none

    /// `true` for goose's default, a transaction per migration.
    public var isTransactional: Bool { self == .transaction }
}

/// One statement as goose sends it, with the line it starts on.
public struct Statement: Sendable, Hashable, Codable {
    /// The exact text goose would send (goose trims surrounding whitespace).
    public var sql: String
    /// The 1-based line of the file on which the statement's first non-blank line is.
    public var line: Int

    public init(sql: String, line: Int) {
        self.sql = sql
        self.line = line
    }
}
