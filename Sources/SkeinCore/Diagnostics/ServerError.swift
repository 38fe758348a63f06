/// What PostgreSQL said when it refused a statement: its message, SQLSTATE, detail, hint and the position in the
/// text it was sent. The one place a server error is rendered — on the command line (several lines, psql's
/// shape), in goose's wording (`ERROR: … (SQLSTATE …)`, as pgx prints it) and in the library's logs (one line) —
/// so no path prints a driver's generic text instead.
///
/// ```swift
/// let error = ServerError(sqlState: "42601", message: "syntax error at or near \"SELEC\"", position: 1)
/// error.oneLine        // syntax error at or near "SELEC" (SQLSTATE 42601)
/// error.gooseText      // ERROR: syntax error at or near "SELEC" (SQLSTATE 42601)
/// ```
public struct ServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `ERROR`, `FATAL`, `PANIC` (PostgreSQL's severity, untranslated).
    public var severity: String
    public var sqlState: String?
    public var message: String
    public var detail: String?
    public var hint: String?
    /// The 1-based character position in the text sent, where PostgreSQL points.
    public var position: Int?

    public init(
        severity: String = "ERROR", sqlState: String?, message: String, detail: String? = nil, hint: String? = nil,
        position: Int? = nil
    ) {
        self.severity = severity
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.position = position
    }

    /// `message (SQLSTATE 42601)`: the form used inside Skein's own sentences and in one-line logs.
    public var oneLine: String {
        message + (sqlState.map { " (SQLSTATE \($0))" } ?? "")
    }

    /// pgx's wording, which goose prints: `ERROR: message (SQLSTATE 42601)`.
    public var gooseText: String {
        "\(severity): \(oneLine)"
    }

    /// The message, then `detail:` and `hint:` lines, each indented by `indent`.
    public func lines(indent: String = "  ") -> [String] {
        var lines = [oneLine]
        if let detail { lines.append("\(indent)detail: \(detail)") }
        if let hint { lines.append("\(indent)hint: \(hint)") }
        return lines
    }

    public var description: String { lines().joined(separator: "\n") }

    /// The details as log metadata keys (`error.sqlstate`, `error.detail`, `error.hint`, `error.position`).
    public var metadata: [String: String] {
        var metadata = ["error.message": message]
        metadata["error.sqlstate"] = sqlState
        metadata["error.detail"] = detail
        metadata["error.hint"] = hint
        metadata["error.position"] = position.map(String.init)
        return metadata
    }
}

/// Where in a migration file a server error points, with the line's text and a caret, as psql shows it.
public struct StatementExcerpt: Sendable, Hashable {
    /// The file, line and column (1-based; columns count Unicode scalars).
    public var location: SourceLocation
    /// The text of that line.
    public var lineText: String

    public init(location: SourceLocation, lineText: String) {
        self.location = location
        self.lineText = lineText
    }

    /// `LINE 3: INSRT INTO shelves …` and a caret under the column, as psql prints them.
    public var lines: [String] {
        let prefix = "LINE \(location.line ?? 0): "
        let column = max(1, location.column ?? 1)
        var caret = String(repeating: " ", count: prefix.unicodeScalars.count)
        for scalar in lineText.unicodeScalars.prefix(column - 1) {
            caret.unicodeScalars.append(scalar == "\t" ? "\t" : " ")
        }
        return [prefix + lineText, caret + "^"]
    }

    /// Maps PostgreSQL's error position in one command of a goose statement back to the file.
    ///
    /// - Parameters:
    ///   - position: PostgreSQL's 1-based character position in `command`.
    ///   - command: the text sent (one command of the statement; the statement itself when it was sent whole).
    ///   - statement: the goose statement it came from, which starts at `statement.line` of `file`.
    ///   - file: the path the excerpt's location names.
    /// - Returns: `nil` when the command is not found in the statement or the position is outside it.
    public static func locate(position: Int, in command: String, of statement: Statement, file: String)
        -> StatementExcerpt?
    {
        let text = Array(statement.sql.unicodeScalars)
        let commandScalars = Array(command.unicodeScalars)
        guard position >= 1, position <= max(commandScalars.count, 1), !commandScalars.isEmpty else { return nil }
        guard let start = firstIndex(of: commandScalars, in: text) else { return nil }
        let target = start + position - 1
        guard target < text.count else { return nil }
        var line = statement.line
        var lineStart = 0
        for index in 0..<target where text[index] == "\n" {
            line += 1
            lineStart = index + 1
        }
        var lineEnd = lineStart
        while lineEnd < text.count && text[lineEnd] != "\n" { lineEnd += 1 }
        var lineText = String.UnicodeScalarView()
        lineText.append(contentsOf: text[lineStart..<lineEnd])
        return StatementExcerpt(
            location: SourceLocation(file: file, line: line, column: target - lineStart + 1),
            lineText: String(lineText))
    }

    private static func firstIndex(of needle: [Unicode.Scalar], in haystack: [Unicode.Scalar]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<start + needle.count]) == needle { return start }
        }
        return nil
    }
}
