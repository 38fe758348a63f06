// Longer than 400 lines because: it is a literal port of goose v3.17.0's parser state machine, kept in one file
// so that it reads side by side with goose's own parse.go (and its conformance vectors).
/// The statements goose v3.17.0 produces for one direction of a migration file.
public struct GooseSection: Sendable, Hashable, Codable {
    public var statements: [Statement]
    public var transactionMode: TransactionMode

    public init(statements: [Statement], transactionMode: TransactionMode) {
        self.statements = statements
        self.transactionMode = transactionMode
    }
}

/// Why goose (and so Skein) cannot read one direction of a migration file.
public struct GooseParseError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable {
        case missingUpAnnotation = "missing-up-annotation"
        case duplicateUpAnnotation = "duplicate-up-annotation"
        case misplacedDownAnnotation = "misplaced-down-annotation"
        case misplacedStatementBegin = "misplaced-statement-begin"
        case statementEndWithoutBegin = "statement-end-without-begin"
        case statementBeforeUp = "statement-before-up"
        case missingStatementEnd = "missing-statement-end"
        case missingSemicolon = "missing-semicolon"
        case environmentSubstitution = "envsub-failed"
        case lineTooLong = "line-too-long"
        case invalidEncoding = "invalid-encoding"
        case byteOrderMark = "byte-order-mark"
        /// A file listed but not read (``Migration/init(listedAt:name:parser:)``) could not be read when parsed.
        case unreadable
    }

    public var kind: Kind
    /// The 1-based line the problem is on (for an unfinished statement, the line it starts on).
    public var line: Int?
    /// The direction being parsed when goose gave up.
    public var direction: Direction
    /// What went wrong, in Skein's words.
    public var message: String
    /// What to do about it.
    public var help: String
    /// The error text goose v3.17.0 itself prints for this case (for reference and `inspect`).
    public var gooseMessage: String

    public init(
        kind: Kind, line: Int?, direction: Direction, message: String, help: String, gooseMessage: String
    ) {
        self.kind = kind
        self.line = line
        self.direction = direction
        self.message = message
        self.help = help
        self.gooseMessage = gooseMessage
    }

    public var description: String {
        var text = ""
        if let line { text += "line \(line): " }
        text += message
        return text + " (\(help))"
    }
}

/// goose v3.17.0's SQL migration parser, reproduced exactly (its state machine, statement-end rule,
/// comment handling and whitespace trimming), plus goose v3.18's opt-in `-- +goose ENVSUB ON/OFF`.
///
/// The parser is pure: it takes the file's text and returns the statements goose would send for one
/// direction, each with the line it starts on.
public struct GooseParser: Sendable {
    /// How `-- +goose ENVSUB ON` is treated.
    public enum EnvironmentSubstitution: Sendable, Hashable {
        /// goose v3.18 semantics: after `ENVSUB ON`, `${VAR}`, `$VAR`, `${VAR:-default}`… are replaced
        /// from this environment until `ENVSUB OFF`.
        case enabled([String: String])
        /// The annotations are recognized but nothing is substituted (for checksums and previews).
        case recognizedOnly
        /// goose v3.17.0 exactly: `ENVSUB` lines are ordinary comments.
        case ignored
    }

    public var environmentSubstitution: EnvironmentSubstitution

    public init(environmentSubstitution: EnvironmentSubstitution = .recognizedOnly) {
        self.environmentSubstitution = environmentSubstitution
    }

    /// goose's buffer limit: a longer line makes goose fail with "token too long".
    static let maximumLineLength = 4 * 1024 * 1024

    private enum State: Int {
        case start = 0
        case up = 1
        case statementBeginUp = 2
        case statementEndUp = 3
        case down = 4
        case statementBeginDown = 5
        case statementEndDown = 6

        var isUpSide: Bool { self == .up || self == .statementBeginUp || self == .statementEndUp }
        var isDownSide: Bool { self == .down || self == .statementBeginDown || self == .statementEndDown }
    }

    private static let sqlMigrationsURL = "see https://github.com/pressly/goose#sql-migrations"

    /// Splits `text` into the statements goose v3.17.0 sends for `direction`.
    public func parse(_ text: String, direction: Direction) -> Result<GooseSection, GooseParseError> {
        var text = text
        return text.withUTF8 { bytes in parse(bytes, lines: GoText.lines(bytes), direction: direction) }
    }

    /// Both directions of a file's valid UTF-8 bytes, splitting the lines once.
    func parseBothDirections(_ bytes: UnsafeBufferPointer<UInt8>) -> (
        up: Result<GooseSection, GooseParseError>, down: Result<GooseSection, GooseParseError>
    ) {
        let lines = GoText.lines(bytes)
        return (parse(bytes, lines: lines, direction: .up), parse(bytes, lines: lines, direction: .down))
    }

    /// The state machine over the lines of `bytes` (valid UTF-8).
    private func parse(_ bytes: UnsafeBufferPointer<UInt8>, lines: [GoText.Line], direction: Direction) -> Result<
        GooseSection, GooseParseError
    > {
        var state = State.start
        var useTx = true
        var substituting = false
        var statements: [Statement] = []
        var buffer: [UInt8] = []
        var bufferContentLine: Int?
        var bufferContentColumn = 1
        var blockStartLine: Int?
        let recognizesEnvironmentSubstitution = environmentSubstitution != .ignored

        func fail(_ kind: GooseParseError.Kind, line: Int?, _ message: String, help: String, goose: String)
            -> Result<GooseSection, GooseParseError>
        {
            .failure(
                GooseParseError(
                    kind: kind, line: line, direction: direction, message: message, help: help, gooseMessage: goose))
        }

        func missingSemicolon(state: State, remaining: String, line: Int?) -> Result<GooseSection, GooseParseError> {
            fail(
                .missingSemicolon, line: line,
                "the \(direction) statement starting here does not end with a semicolon at the end of a line, so goose never sends it",
                help: "end the statement with `;` at the end of its last line",
                goose:
                    "failed to parse migration: state \(state.rawValue), direction: \(direction): unexpected unfinished SQL query: \(GoQuote.quote(remaining)): missing semicolon?"
            )
        }

        /// Go's `strings.TrimSpace(buffer)`.
        func trimmedBuffer() -> String {
            buffer.withUnsafeBufferPointer { buffer in
                let range = GoText.trimSpace(buffer, 0..<buffer.count)
                return String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self)
            }
        }

        func store() {
            // An empty StatementBegin/End block stores an empty statement: it "starts" at its block.
            statements.append(
                Statement(
                    sql: trimmedBuffer(), line: bufferContentLine ?? blockStartLine ?? 1,
                    column: bufferContentLine == nil ? 1 : bufferContentColumn))
            reset()
        }

        func reset() {
            buffer.removeAll(keepingCapacity: true)
            bufferContentLine = nil
            bufferContentColumn = 1
        }

        var lastLineNumber = 0
        for (offset, rawLine) in lines.enumerated() {
            let lineNumber = offset + 1
            lastLineNumber = lineNumber
            let range = rawLine.range
            if rawLine.rawLength >= Self.maximumLineLength {
                return fail(
                    .lineTooLong, line: lineNumber, "the line is longer than goose's 4 MiB limit",
                    help: "split the line; goose fails on it with \"token too long\"",
                    goose: "failed to scan migration: bufio.Scanner: token too long")
            }
            if state == .start && !GoText.hasContent(bytes, range) { continue }

            if GoText.hasPrefix(bytes, range, "--") {
                // goose compares the trimmed comment byte for byte.
                let command = GoText.trimSpace(bytes, range.lowerBound + 2..<range.upperBound)
                if GoText.equals(bytes, command, "+goose Up") {
                    guard state == .start else {
                        return fail(
                            .duplicateUpAnnotation, line: lineNumber, "a second `-- +goose Up` annotation",
                            help: "a file has one `-- +goose Up` section followed by one `-- +goose Down` section",
                            goose:
                                "duplicate '-- +goose Up' annotations; stateMachine=\(state.rawValue), \(Self.sqlMigrationsURL)"
                        )
                    }
                    state = .up
                    continue
                } else if GoText.equals(bytes, command, "+goose Down") {
                    switch state {
                    case .up, .statementEndUp:
                        let remaining = trimmedBuffer()
                        if !remaining.isEmpty {
                            return missingSemicolon(state: state, remaining: remaining, line: bufferContentLine)
                        }
                        state = .down
                    default:
                        let (message, help): (String, String) =
                            switch state {
                            case .start:
                                (
                                    "`-- +goose Down` comes before `-- +goose Up`",
                                    "put the `-- +goose Up` section first, then `-- +goose Down`"
                                )
                            case .statementBeginUp, .statementBeginDown:
                                (
                                    "`-- +goose Down` inside a StatementBegin block",
                                    "close the block started on line \(blockStartLine ?? 0) with `-- +goose StatementEnd` first"
                                )
                            default:
                                ("a second `-- +goose Down` annotation", "a file has one `-- +goose Down` section")
                            }
                        return fail(
                            .misplacedDownAnnotation, line: lineNumber, message, help: help,
                            goose:
                                "must start with '-- +goose Up' annotation, stateMachine=\(state.rawValue), \(Self.sqlMigrationsURL)"
                        )
                    }
                    continue
                } else if GoText.equals(bytes, command, "+goose StatementBegin") {
                    switch state {
                    case .up, .statementEndUp: state = .statementBeginUp
                    case .down, .statementEndDown: state = .statementBeginDown
                    default:
                        let message =
                            state == .start
                            ? "`-- +goose StatementBegin` before `-- +goose Up`"
                            : "`-- +goose StatementBegin` inside another StatementBegin block"
                        return fail(
                            .misplacedStatementBegin, line: lineNumber, message,
                            help: state == .start
                                ? "add `-- +goose Up` above it"
                                : "close the block started on line \(blockStartLine ?? 0) with `-- +goose StatementEnd`",
                            goose:
                                "'-- +goose StatementBegin' must be defined after '-- +goose Up' or '-- +goose Down' annotation, stateMachine=\(state.rawValue), \(Self.sqlMigrationsURL)"
                        )
                    }
                    blockStartLine = lineNumber
                    continue
                } else if GoText.equals(bytes, command, "+goose StatementEnd") {
                    switch state {
                    case .statementBeginUp: state = .statementEndUp
                    case .statementBeginDown: state = .statementEndDown
                    default:
                        return fail(
                            .statementEndWithoutBegin, line: lineNumber,
                            "`-- +goose StatementEnd` without a `-- +goose StatementBegin`",
                            help: "add `-- +goose StatementBegin` before the statement, or remove this line",
                            goose:
                                "'-- +goose StatementEnd' must be defined after '-- +goose StatementBegin', \(Self.sqlMigrationsURL)"
                        )
                    }
                    // goose does not `continue` here: the line goes on through the steps below.
                } else if GoText.equals(bytes, command, "+goose NO TRANSACTION") {
                    useTx = false
                    continue
                } else if recognizesEnvironmentSubstitution, GoText.equals(bytes, command, "+goose ENVSUB ON") {
                    substituting = true
                    continue
                } else if recognizesEnvironmentSubstitution, GoText.equals(bytes, command, "+goose ENVSUB OFF") {
                    substituting = false
                    continue
                }
            }

            // Comments and empty lines before a statement are dropped; once a statement has begun,
            // everything up to its end is kept.
            if buffer.isEmpty {
                if range.isEmpty || GoText.hasPrefix(bytes, GoText.trimSpace(bytes, range), "--") { continue }
            }

            // goose appends the line, then drops the buffer when the line belongs to the other direction:
            // only a failing substitution of such a line is observable, so only that is done for it.
            let otherDirection = direction == .up ? state.isDownSide : state.isUpSide
            var expanded: [UInt8]?
            switch state {
            case .statementEndUp, .statementEndDown:
                break  // the StatementEnd annotation itself is not part of the statement
            default:
                if substituting, case .enabled(let environment) = environmentSubstitution {
                    let line = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
                    switch EnvironmentInterpolation.expand(line, environment: environment) {
                    case .success(let text): expanded = Array(text.utf8)
                    case .failure(let error):
                        return fail(
                            .environmentSubstitution, line: lineNumber,
                            "environment substitution failed: \(error.message)",
                            help:
                                "set the variable, give a default with ${NAME:-default}, write a literal $ as $$, or turn substitution off with `-- +goose ENVSUB OFF`",
                            goose: "variable substitution failed: \(error.message):\n\(line)")
                    }
                }
                guard !otherDirection else { break }
                // Where the line's content starts, when it is the statement's first (goose trims what is before).
                let contentColumn: Int?
                if let expanded {
                    buffer += expanded
                    contentColumn = expanded.withUnsafeBufferPointer { GoText.contentColumn($0, 0..<$0.count) }
                } else {
                    buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[range]))
                    contentColumn = GoText.contentColumn(bytes, range)
                }
                buffer.append(UInt8(ascii: "\n"))
                if bufferContentLine == nil, let contentColumn {
                    bufferContentLine = lineNumber
                    bufferContentColumn = contentColumn
                }
            }

            if otherDirection {
                reset()
                continue
            }
            if state == .start {
                let line =
                    expanded.map { String(decoding: $0, as: UTF8.self) }
                    ?? String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
                return fail(
                    .statementBeforeUp, line: lineNumber, "SQL before the `-- +goose Up` annotation",
                    help: "start the file with `-- +goose Up` (comments may come before it)",
                    goose:
                        "failed to parse migration: unexpected state 0 on line \(GoQuote.quote(line)), \(Self.sqlMigrationsURL)"
                )
            }

            switch state {
            case .up, .down:
                let ends =
                    if let expanded {
                        expanded.withUnsafeBufferPointer { Self.endsWithSemicolon($0, 0..<$0.count) }
                    } else {
                        Self.endsWithSemicolon(bytes, range)
                    }
                if ends { store() }
            case .statementEndUp:
                store()
                state = .up
            case .statementEndDown:
                store()
                state = .down
            default:
                break
            }
        }

        switch state {
        case .start:
            return fail(
                .missingUpAnnotation, line: 1,
                lastLineNumber == 0
                    ? "the file is empty: it has no `-- +goose Up` annotation"
                    : "the file has no `-- +goose Up` annotation",
                help: "add `-- +goose Up` above the first statement and `-- +goose Down` above the rollback",
                goose:
                    "failed to parse migration: must start with '-- +goose Up' annotation, \(Self.sqlMigrationsURL)")
        case .statementBeginUp, .statementBeginDown:
            return fail(
                .missingStatementEnd, line: blockStartLine,
                "the `-- +goose StatementBegin` block starting here is never closed",
                help: "add `-- +goose StatementEnd` after the block's last line",
                goose: "failed to parse migration: missing '-- +goose StatementEnd' annotation")
        default:
            break
        }
        let remaining = trimmedBuffer()
        if !remaining.isEmpty {
            return missingSemicolon(state: state, remaining: remaining, line: bufferContentLine)
        }
        return .success(GooseSection(statements: statements, transactionMode: useTx ? .transaction : .none))
    }

    /// goose's rule for the end of a statement: the last word before any word starting with `--`
    /// ends with `;`.
    public static func endsWithSemicolon<S: StringProtocol>(_ line: S) -> Bool {
        var text = String(line)
        return text.withUTF8 { endsWithSemicolon($0, 0..<$0.count) }
    }

    /// ``endsWithSemicolon(_:)`` on `bytes[range]` (valid UTF-8), in one pass without collecting the words.
    static func endsWithSemicolon(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var previousEndsWithSemicolon = false
        var inWord = false
        var wordStart = 0
        // "--" and ";" are ASCII, so a word's first two bytes and last byte decide.
        func startsWithDashes(_ end: Int) -> Bool {
            end - wordStart >= 2 && bytes[wordStart] == UInt8(ascii: "-") && bytes[wordStart + 1] == UInt8(ascii: "-")
        }
        var index = range.lowerBound
        while index < range.upperBound {
            let (space, length) = GoText.spaceAt(bytes, index)
            if space {
                if inWord {
                    if startsWithDashes(index) { return previousEndsWithSemicolon }
                    previousEndsWithSemicolon = bytes[index - 1] == UInt8(ascii: ";")
                    inWord = false
                }
            } else if !inWord {
                inWord = true
                wordStart = index
            }
            index += length
        }
        if inWord {
            if startsWithDashes(range.upperBound) { return previousEndsWithSemicolon }
            return bytes[range.upperBound - 1] == UInt8(ascii: ";")
        }
        return previousEndsWithSemicolon
    }
}

/// Go's `%q` formatting (`strconv.Quote`), for reproducing goose's messages (the parser's, and the CLI's
/// `failed to execute SQL query "…"`).
package enum GoQuote {
    package static func quote(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case "\u{07}": result += "\\a"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            case "\u{0B}": result += "\\v"
            default:
                if (0x20...0x7E).contains(scalar.value) {
                    result.unicodeScalars.append(scalar)
                } else if scalar.value < 0x20 || scalar.value == 0x7F {
                    result += "\\x" + String(scalar.value, radix: 16).leftPadded(to: 2)
                } else if scalar.properties.generalCategory == .format || !scalar.properties.isPrintableForGo {
                    let hex = String(scalar.value, radix: 16)
                    result += scalar.value > 0xFFFF ? "\\U" + hex.leftPadded(to: 8) : "\\u" + hex.leftPadded(to: 4)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}

extension Unicode.Scalar.Properties {
    fileprivate var isPrintableForGo: Bool {
        switch generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator:
            return false
        case .spaceSeparator:
            return false
        default:
            return true
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
