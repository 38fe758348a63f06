import Foundation
public import SkeinCore
public import SkeinSQL

/// One command of a migration as PostgreSQL's grammar reads it, placed in its file.
public struct LintCommand: Sendable, Hashable {
    /// The goose statement it belongs to (what goose sends as one query).
    public var statement: Statement
    /// The parse tree, or why the grammar rejects the goose statement.
    public var parsed: Result<ParsedStatement, SQLParseError>
    /// Where the command starts in the file (1-based line and column).
    public var location: SourceLocation

    /// The statement's node type (`IndexStmt`, `AlterTableStmt`, …), or `nil` when it does not parse.
    public var nodeType: String? { try? parsed.get().nodeType }
    /// The statement's fields, or `nil` when it does not parse.
    public var body: SQLNode? { try? parsed.get().body }
}

/// A migration file with everything a rule reads: the parsed goose sections, each command's parse tree, and
/// the file's comment header.
public struct LintFile: Sendable {
    public var migration: Migration
    /// The file's text (empty when it is not UTF-8).
    public private(set) var text: String
    /// Where each line of `text` is, in UTF-8 offsets without its `\n` (or `\r\n`), found once for every rule.
    public private(set) var lineRanges: [Range<Int>]
    public var up: [LintCommand]
    public var down: [LintCommand]
    /// The tables its Up creates (``CreatedObjects/tables(in:)``).
    public private(set) var createdTables: Set<String> = []
    /// The size of its statements when it is too large to parse with the grammar (its commands are then empty).
    public var tooLargeToAnalyze: Int?

    /// Files whose statements add up to more are not parsed with the grammar (a data load, not schema work):
    /// parse trees of that many statements take gigabytes.
    public static let analysisLimit = 8 << 20

    public var path: String { migration.path }
    public var isTransactional: Bool { migration.transactionMode?.isTransactional ?? true }

    /// The commands of one direction.
    public func commands(_ direction: Direction) -> [LintCommand] { direction == .up ? up : down }

    /// Line `index` (0-based) of `text`, without its `\n` (see ``lineRanges``).
    public func line(at index: Int) -> Substring {
        let utf8 = text.utf8
        let range = lineRanges[index]
        let start = utf8.index(utf8.startIndex, offsetBy: range.lowerBound)
        return Substring(utf8[start..<utf8.index(start, offsetBy: range.count)])
    }

    /// Calls `body` with the UTF-8 bytes of `text`.
    public func withUTF8<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        var text = text
        return try text.withUTF8(body)
    }

    /// The comment lines before the first non-comment line (the policy's `-- DESTRUCTIVE:` header lives here).
    public var headerComments: [String] {
        var lines: [String] = []
        for index in lineRanges.indices {
            let line = self.line(at: index)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard trimmed.hasPrefix("--"), !trimmed.lowercased().hasPrefix("-- +goose") else { break }
            lines.append(trimmed)
        }
        return lines
    }

    /// A location in this file.
    public func location(line: Int? = nil, column: Int? = nil) -> SourceLocation {
        SourceLocation(file: path, line: line, column: column)
    }

    /// Reads a migration: each goose statement of each direction parsed with PostgreSQL's grammar.
    public init(migration: Migration, text: String) {
        self.migration = migration
        self.text = text
        lineRanges = Self.lineRanges(of: text)
        let size = Direction.allCases.reduce(0) { total, direction in
            guard case .success(let section)? = migration.section(direction) else { return total }
            return total + section.statements.reduce(0) { $0 + $1.sql.utf8.count }
        }
        guard size <= Self.analysisLimit else {
            up = []
            down = []
            tooLargeToAnalyze = size
            return
        }
        func commands(_ direction: Direction) -> [LintCommand] {
            guard case .success(let section)? = migration.section(direction) else { return [] }
            return section.statements.flatMap {
                Self.commands(of: $0, path: migration.path)
            }
        }
        up = commands(.up)
        down = commands(.down)
        createdTables = CreatedObjects.tables(in: up)
    }

    /// The lines of `text` as `split(separator: "\n", omittingEmptySubsequences: false)` cuts it.
    static func lineRanges(of text: String) -> [Range<Int>] {
        var text = text
        return text.withUTF8 { bytes in
            var ranges: [Range<Int>] = []
            var start = 0
            for index in bytes.indices where bytes[index] == 0x0A {
                // A `\r` before the `\n` is not part of the line (Go's bufio.ScanLines, which goose reads with,
                // drops it too).
                let end = index > start && bytes[index - 1] == 0x0D ? index - 1 : index
                ranges.append(start..<end)
                start = index + 1
            }
            ranges.append(start..<bytes.count)
            return ranges
        }
    }

    /// The commands of a goose statement, each placed in the file (``Statement/position(ofUTF8Offset:)``).
    static func commands(of statement: Statement, path: String) -> [LintCommand] {
        func location(_ offset: Int) -> SourceLocation {
            let (line, column) = statement.position(ofUTF8Offset: offset)
            return SourceLocation(file: path, line: line, column: column)
        }
        switch SQLGrammar.parse(statement.sql) {
        case .success(let parsed):
            let bytes = Array(statement.sql.utf8)
            return parsed.map { command in
                LintCommand(
                    statement: statement, parsed: .success(command),
                    location: location(firstCodeByte(bytes, from: command.byteOffset)))
            }
        case .failure(let error):
            return [
                LintCommand(statement: statement, parsed: .failure(error), location: location(error.byteOffset ?? 0))
            ]
        }
    }

    /// The first byte at or after `offset` that is neither white space nor inside a `--` comment.
    static func firstCodeByte(_ bytes: [UInt8], from offset: Int) -> Int {
        var index = offset
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                index += 1
            } else if byte == UInt8(ascii: "-"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "-") {
                while index < bytes.count, bytes[index] != 0x0A { index += 1 }
            } else {
                break
            }
        }
        return min(index, bytes.count)
    }
}
