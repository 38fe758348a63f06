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

/// One statement as goose sends it, with where it starts in the file.
public struct Statement: Sendable, Hashable, Codable {
    /// The exact text goose would send (goose trims surrounding whitespace).
    public var sql: String
    /// The 1-based line of the file on which the statement's first non-blank line is.
    public var line: Int
    /// The 1-based column (in Unicode scalars) on ``line`` where ``sql`` starts: goose trims the line's
    /// indentation, so an indented statement starts after column 1.
    public var column: Int

    public init(sql: String, line: Int, column: Int = 1) {
        self.sql = sql
        self.line = line
        self.column = column
    }

    /// The file's line and column of a UTF-8 offset into ``sql`` (columns count Unicode scalars, 1-based): the
    /// statement's lines are the file's lines from ``line`` on, the first one starting at ``column``.
    ///
    /// ```swift
    /// Statement(sql: "CREATE TABLE t (\n  id int,,\n);", line: 4).position(ofUTF8Offset: 26)  // (line: 5, column: 10)
    /// ```
    public func position(ofUTF8Offset offset: Int) -> (line: Int, column: Int) {
        var line = self.line
        var column = self.column
        for byte in sql.utf8.prefix(max(0, offset)) {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }
}
