/// One SQL command inside a goose statement.
public struct SQLCommand: Sendable, Hashable {
    /// The command's text, without its terminating `;` and surrounding white space.
    public var sql: String
    /// The 0-based line within the goose statement on which the command starts.
    public var lineOffset: Int

    public init(sql: String, lineOffset: Int) {
        self.sql = sql
        self.lineOffset = lineOffset
    }
}

/// Splits a goose statement (which may hold several commands: a `StatementBegin/End` block, or
/// `SELECT 1; SELECT 2;` on one line) into the commands PostgreSQL would see, for drivers that send one
/// command per call (PostgresNIO). A pure-Swift lexer with PostgreSQL's rules (`standard_conforming_strings`
/// on): `'…'` with `''`, `E'…'` with backslash escapes, `U&'…'`, `"…"` identifiers, `$tag$…$tag$` bodies,
/// `--` comments, nested `/* */` comments, and psql's rule for SQL-standard function bodies: inside
/// `CREATE [OR REPLACE] FUNCTION|PROCEDURE`, `BEGIN ATOMIC` / `CASE` … `END` outside parentheses nest and their
/// semicolons do not end the command (inside parentheses `begin` is a name: `f(begin int)`). Commands holding only
/// white space and comments are dropped.
public enum SQLCommandSplitter {
    public static func split(_ sql: String) -> [SQLCommand] {
        let scalars = Array(sql.unicodeScalars)
        // ASCII text (most migrations): a scalar's index is its byte's, and a command's text is made from the bytes.
        var lexer = Lexer(scalars, bytes: scalars.count == sql.utf8.count ? Array(sql.utf8) : nil)
        return lexer.commands()
    }

    private struct Lexer {
        let scalars: [Unicode.Scalar]
        let bytes: [UInt8]?
        var index = 0
        var line = 0

        init(_ scalars: [Unicode.Scalar], bytes: [UInt8]?) {
            self.scalars = scalars
            self.bytes = bytes
        }

        /// The text of `range`.
        func text(_ range: Range<Int>) -> String {
            if let bytes { return String(decoding: bytes[range], as: UTF8.self) }
            return String(String.UnicodeScalarView(scalars[range]))
        }

        func peek(_ offset: Int = 0) -> Unicode.Scalar? {
            index + offset < scalars.count ? scalars[index + offset] : nil
        }

        mutating func advance() {
            if scalars[index] == "\n" { line += 1 }
            index += 1
        }

        static func isIdentifierStart(_ scalar: Unicode.Scalar) -> Bool {
            // ASCII without the Unicode property tables (most of a migration); every non-ASCII scalar starts one.
            let value = scalar.value
            return (value | 0x20) &- 0x61 < 26 || value == 0x5F || value >= 0x80
        }

        static func isIdentifierPart(_ scalar: Unicode.Scalar) -> Bool {
            isIdentifierStart(scalar) || ("0"..."9").contains(scalar) || scalar == "$"
        }

        mutating func commands() -> [SQLCommand] {
            var result: [SQLCommand] = []
            var hasContent = false
            var contentStart = 0
            var contentLine = 0
            // psql's rule for function bodies (`BEGIN ATOMIC … END`), held to PostgreSQL's grammar: every statement of
            // a body ends with `;`, so only an END right after `;` (or after ATOMIC: an empty body) closes one; any
            // other END closes a CASE, or is a column label (`SELECT CASE … END END;` in a body labels a column).
            var words: [String] = []
            var bodyDepth = 0
            var caseDepth = 0
            var afterSemicolonOrAtomic = false
            // A body opens at `BEGIN ATOMIC` (PostgreSQL's only form): a lone `begin` is a name
            // (`CASE WHEN begin THEN …`).
            var afterBegin = false
            var parenthesisDepth = 0
            // Where the last dollar quote ended: a `$` there opens another one (`$$a$$$$b$$`), it does not continue
            // an identifier.
            var dollarQuoteEnd = -1

            func finish(_ end: Int, into result: inout [SQLCommand]) {
                if hasContent {
                    let text = self.text(contentStart..<end)
                    result.append(SQLCommand(sql: GoText.trimSpace(text), lineOffset: contentLine))
                }
            }

            while let scalar = peek() {
                if !hasContent, scalar != ";", !GoText.isSpace(scalar), !(scalar == "-" && peek(1) == "-"),
                    !(scalar == "/" && peek(1) == "*")
                {
                    hasContent = true
                    contentStart = index
                    contentLine = line
                }
                let startsComment = (scalar == "-" && peek(1) == "-") || (scalar == "/" && peek(1) == "*")
                if !GoText.isSpace(scalar), !startsComment, scalar != ";", !Self.isIdentifierStart(scalar) {
                    afterSemicolonOrAtomic = false
                    afterBegin = false
                }
                switch scalar {
                case "-" where peek(1) == "-":
                    while let next = peek(), next != "\n" { advance() }
                case "/" where peek(1) == "*":
                    skipBlockComment()
                case "'":
                    let escapes =
                        index > 0 && (scalars[index - 1] == "E" || scalars[index - 1] == "e")
                        && (index < 2 || !Self.isIdentifierPart(scalars[index - 2]))
                    skipQuoted("'", backslashEscapes: escapes)
                case "\"":
                    skipQuoted("\"", backslashEscapes: false)
                case "$" where index == dollarQuoteEnd || !(index > 0 && Self.isIdentifierPart(scalars[index - 1])):
                    if skipDollarQuoted() { dollarQuoteEnd = index } else { advance() }
                case ";" where bodyDepth == 0:
                    finish(index, into: &result)
                    advance()
                    hasContent = false
                    words = []
                    parenthesisDepth = 0
                    caseDepth = 0
                case ";":
                    afterSemicolonOrAtomic = true
                    advance()
                case "(":
                    parenthesisDepth += 1
                    advance()
                case ")":
                    parenthesisDepth = max(0, parenthesisDepth - 1)
                    advance()
                case _ where Self.isIdentifierStart(scalar):
                    let wordStart = index
                    while let next = peek(), Self.isIdentifierPart(next) { advance() }
                    // A word is made into a String only where it can matter: the first four of a command, and any
                    // inside a routine definition (BEGIN, CASE, END, ATOMIC).
                    let inRoutine = parenthesisDepth == 0 && isRoutineDefinition(words)
                    guard words.count < 4 || inRoutine || afterSemicolonOrAtomic || index - wordStart == 6 else {
                        afterSemicolonOrAtomic = false
                        afterBegin = false
                        continue
                    }
                    let word = text(wordStart..<index).lowercased()
                    if words.count < 4 { words.append(word) }
                    if parenthesisDepth == 0, isRoutineDefinition(words) {
                        switch word {
                        case "atomic" where afterBegin: bodyDepth += 1
                        case "case" where bodyDepth > 0: caseDepth += 1
                        case "end" where caseDepth > 0: caseDepth -= 1
                        case "end" where bodyDepth > 0 && afterSemicolonOrAtomic: bodyDepth -= 1
                        default: break
                        }
                    }
                    afterSemicolonOrAtomic = word == "atomic"
                    afterBegin = word == "begin"
                default:
                    advance()
                }
            }
            finish(scalars.count, into: &result)
            return result
        }

        func isRoutineDefinition(_ words: [String]) -> Bool {
            guard words.first == "create" else { return false }
            let rest = words.dropFirst().drop { $0 == "or" || $0 == "replace" }
            return rest.first == "function" || rest.first == "procedure"
        }

        mutating func skipBlockComment() {
            var depth = 0
            while let scalar = peek() {
                if scalar == "/" && peek(1) == "*" {
                    depth += 1
                    advance()
                    advance()
                } else if scalar == "*" && peek(1) == "/" {
                    depth -= 1
                    advance()
                    advance()
                    if depth == 0 { return }
                } else {
                    advance()
                }
            }
        }

        mutating func skipQuoted(_ quote: Unicode.Scalar, backslashEscapes: Bool) {
            advance()  // opening quote
            while let scalar = peek() {
                if backslashEscapes, scalar == "\\" {
                    advance()
                    if peek() != nil { advance() }
                    continue
                }
                advance()
                if scalar == quote {
                    if peek() == quote {
                        advance()
                        continue
                    }
                    return
                }
            }
        }

        /// `$tag$ … $tag$`; returns false when the `$` does not open a dollar quote (e.g. `$1`).
        mutating func skipDollarQuoted() -> Bool {
            var end = index + 1
            if end < scalars.count, Self.isIdentifierStart(scalars[end]) {
                while end < scalars.count, Self.isIdentifierPart(scalars[end]), scalars[end] != "$" { end += 1 }
            }
            guard end < scalars.count, scalars[end] == "$" else { return false }
            let tag = Array(scalars[index...end])
            while index <= end { advance() }
            while index < scalars.count {
                if scalars[index] == "$", index + tag.count <= scalars.count,
                    Array(scalars[index..<index + tag.count]) == tag
                {
                    for _ in 0..<tag.count { advance() }
                    return true
                }
                advance()
            }
            return true
        }
    }
}
