import Foundation
import SkeinCore
import SkeinSQL
import Synchronization

/// One annotated query of a query file, with sqlc's macros rewritten to PostgreSQL placeholders.
///
/// ```sql
/// -- name: GetUserByID :one
/// SELECT * FROM users WHERE id = sqlc.arg(id);
/// ```
public struct AnnotatedQuery: Sendable, Hashable {
    /// sqlc's command kinds.
    public enum Command: String, Sendable, Hashable, CaseIterable {
        case one, many, exec, execrows, execresult, copyfrom, batchexec, batchmany, batchone
    }

    /// A named parameter from `sqlc.arg(name)`, `@name`, `sqlc.narg(name)` or `sqlc.slice(name)`; positional
    /// `$n` placeholders the query wrote itself get no name (the analysis derives one).
    public struct Parameter: Sendable, Hashable {
        public enum Kind: Sendable, Hashable {
            /// `sqlc.arg(name)` / `@name`: as PostgreSQL infers it.
            case argument
            /// `sqlc.narg(name)`: always optional.
            case nullable
            /// `sqlc.slice(name)`: an array, sent as one parameter (`= ANY($n)`).
            case slice
        }

        /// 1-based, as in `$n`.
        public var number: Int
        public var name: String?
        public var kind: Kind

        public init(number: Int, name: String?, kind: Kind) {
            self.number = number
            self.name = name
            self.kind = kind
        }
    }

    public var name: String
    public var command: Command
    /// The file and the 1-based line of the `-- name:` comment.
    public var file: String
    public var line: Int
    /// The SQL as written (without the annotation line).
    public var source: String
    /// The SQL PostgreSQL gets: macros replaced by `$n`, `sqlc.embed(t)` by `t.*`, without the final `;`.
    public var sql: String
    public var parameters: [Parameter]
    /// Tables embedded with `sqlc.embed(t)`, in order.
    public var embeds: [String]
    /// The 1-based line in the file of the SQL's first line.
    public var sqlLine: Int
    /// The `--` comment lines right under the `-- name:` line (without `-- `): the query's documentation, as sqlc
    /// reads them.
    public var comments: [String] = []
    /// For each Unicode scalar of ``sql``, its scalar offset in ``source`` (a macro's replacement points at the
    /// macro), so PostgreSQL's position in the SQL maps back to the file.
    public var sqlOrigin: [Int] = []

    /// The file's line and column (1-based, in Unicode scalars) of PostgreSQL's 1-based character `position` in
    /// ``sql``; `nil` when it cannot be mapped.
    public func location(ofPosition position: Int) -> (line: Int, column: Int)? {
        guard position >= 1, position <= sqlOrigin.count else { return nil }
        let offset = sqlOrigin[position - 1]
        let scalars = Array(source.unicodeScalars)
        guard offset <= scalars.count else { return nil }
        var line = sqlLine
        var column = 1
        for scalar in scalars[..<offset] {
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }
}

/// A problem in a query file, at its place.
public struct QueryFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    /// 1-based, in Unicode scalars, when known (PostgreSQL's position in the query, mapped back).
    public var column: Int?
    public var message: String

    public init(file: String, line: Int, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "\(file):\(line)\(column.map { ":\($0)" } ?? ""): \(message)" }
}

/// Every problem of a query file, in line order.
public struct QueryFileErrors: Error, Sendable, Hashable, CustomStringConvertible {
    public var errors: [QueryFileError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// What a query file holds, read as sqlc reads it.
public struct QueryFileContents: Sendable, Hashable {
    public var queries: [AnnotatedQuery] = []
    public var errors: [QueryFileError] = []
    /// Statements without a name annotation that change the schema (`CREATE TABLE`, `ALTER TYPE`, …): sqlc reads
    /// them into its catalog, so they are applied after the schema files, in query-file order.
    public var schema: [SchemaSource.Script] = []
    /// Statements without a name annotation that are not DDL: skipped, as sqlc skips them, with a warning.
    public var skipped: [QueryFileError] = []
}

/// Reads sqlc-annotated query files.
public enum QueryFileParser {
    /// Every query of `text`, or every problem found (all at once).
    public static func parse(_ text: String, file: String) -> Result<[AnnotatedQuery], QueryFileErrors> {
        let (queries, errors) = parseAll(text, file: file)
        return errors.isEmpty ? .success(queries) : .failure(QueryFileErrors(errors: errors))
    }

    /// The queries that could be read and the problems of the others, so that every problem of a project can be
    /// reported in one run.
    public static func parseAll(_ text: String, file: String) -> (queries: [AnnotatedQuery], errors: [QueryFileError]) {
        let contents = parse(contentsOf: text, file: file)
        return (contents.queries, contents.errors)
    }

    /// The annotation on a line: `-- name: Name :kind` or `/* name: Name :kind */`; `nil` when the line is not one.
    static func annotation(_ trimmed: Substring) -> Substring? {
        if trimmed.hasPrefix("-- name:") { return trimmed.dropFirst("-- name:".count) }
        if trimmed.hasPrefix("/* name:") {
            let end = trimmed.trimmingCharacters(in: .whitespaces)
            guard end.hasSuffix("*/") else { return nil }
            return Substring(end.dropFirst("/* name:".count).dropLast(2))
        }
        return nil
    }

    /// Statements of `text` (which starts at `line`) without an annotation: DDL goes to `schema`, the rest to
    /// `skipped`.
    static func unannotated(_ text: String, line: Int, file: String, into contents: inout QueryFileContents) {
        guard text.contains(where: { !$0.isWhitespace }) else { return }
        let script = SchemaSource.Script(file: file, line: line, sql: text)
        guard let statements = SchemaSource.statements(of: script) else {
            contents.errors.append(
                QueryFileError(
                    file: file, line: line,
                    message:
                        "SQL without a `-- name: Name :kind` annotation that PostgreSQL's grammar cannot read; annotate the query (e.g. `-- name: GetUserByID :one`) or fix it"
                ))
            return
        }
        for statement in statements {
            let lineOfSQL = statement.line + SchemaSource.leadingLines(statement.sql)
            guard case .success(let parsed) = SQLGrammar.parse(statement.sql), let kind = parsed.first?.nodeType else {
                continue
            }
            if SchemaSource.isSchemaChange(kind) {
                contents.schema.append(statement)
            } else {
                contents.skipped.append(
                    QueryFileError(
                        file: file, line: lineOfSQL,
                        message:
                            "a statement without a `-- name: Name :kind` annotation is skipped (as sqlc skips it); annotate it to generate a method"
                    ))
            }
        }
    }

    /// What ``read(_:file:)`` made of each text, so that `generate` reading a package's query files for their DDL
    /// and then for their queries parses each once.
    private static let memo = Mutex<[String: QueryFileContents]>([:])

    /// Every query, schema statement and problem of `text`.
    public static func read(_ text: String, file: String) -> QueryFileContents {
        let key = file + "\u{0}" + text
        if let known = memo.withLock({ $0[key] }) { return known }
        let contents = parse(contentsOf: text, file: file)
        memo.withLock { $0[key] = contents }
        return contents
    }

    static func parse(contentsOf text: String, file: String) -> QueryFileContents {
        var contents = QueryFileContents()
        var queries: [AnnotatedQuery] {
            get { contents.queries }
            set { contents.queries = newValue }
        }
        var errors: [QueryFileError] {
            get { contents.errors }
            set { contents.errors = newValue }
        }
        // Split on the scalar: in a String, "\r\n" is one Character, which a split on "\n" would not see.
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map {
            Substring($0.last == "\r" ? $0.dropLast() : $0)
        }
        var current: (name: String, command: AnnotatedQuery.Command, line: Int, body: [Substring], bodyLine: Int)?
        var seen: [String: Int] = [:]
        var sawAnnotation = false

        func finish() {
            guard let query = current else { return }
            current = nil
            // Comment lines right under the annotation document the query; they are not part of its SQL.
            var body = query.body[...]
            var bodyLine = query.bodyLine
            var comments: [String] = []
            while let first = body.first {
                let trimmed = first.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("--") {
                    comments.append(String(trimmed.dropFirst(2).drop(while: { $0 == " " })))
                } else if !trimmed.isEmpty {
                    break
                }
                body = body.dropFirst()
                bodyLine += 1
            }
            var source = body.joined(separator: "\n")
            // The query is the first statement under the annotation; what follows it until the next annotation has
            // none (sqlc: DDL for the catalog, anything else skipped). Skein's own splitter says cheaply whether
            // there is more than one; PostgreSQL's grammar then cuts exactly.
            let commands = SQLCommandSplitter.split(source)
            if commands.count > 1,
                let statements = SchemaSource.statements(
                    of: SchemaSource.Script(file: file, line: bodyLine, sql: source)), statements.count > 1
            {
                let firstLength = statements[0].sql.utf8.count
                let bytes = Array(source.utf8)
                // The query keeps its own text and `;`; the rest starts after that `;`.
                var cut = firstLength
                while cut < bytes.count, bytes[cut] != UInt8(ascii: ";") { cut += 1 }
                cut = min(cut + 1, bytes.count)
                let rest = String(decoding: bytes[cut...], as: UTF8.self)
                let restLine = bodyLine + bytes[..<cut].filter { $0 == UInt8(ascii: "\n") }.count
                source = String(decoding: bytes[..<cut], as: UTF8.self)
                unannotated(rest, line: restLine, file: file, into: &contents)
            }
            let noSQL = QueryFileError(
                file: file, line: query.line,
                message: "query \(query.name) has no SQL after its `-- name:` line; write the statement below it")
            guard source.contains(where: { !$0.isWhitespace }) else {
                errors.append(noSQL)
                return
            }
            switch rewriteTracing(source) {
            case .success where commands.isEmpty:
                // Only semicolons and comments: nothing to prepare.
                errors.append(noSQL)
            case .success(let rewritten):
                queries.append(
                    AnnotatedQuery(
                        name: query.name, command: query.command, file: file, line: query.line, source: source,
                        sql: rewritten.sql, parameters: rewritten.parameters, embeds: rewritten.embeds,
                        sqlLine: bodyLine, comments: comments, sqlOrigin: rewritten.origin))
            case .failure(let problem):
                errors.append(
                    QueryFileError(file: file, line: bodyLine + problem.lineOffset, message: problem.message))
            }
        }

        var preamble: [Substring] = []
        for (index, line) in lines.enumerated() {
            let number = index + 1
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            guard let annotation = annotation(trimmed) else {
                if current != nil {
                    current?.body.append(line)
                } else if !sawAnnotation {
                    preamble.append(line)
                }
                continue
            }
            if !sawAnnotation {
                unannotated(preamble.joined(separator: "\n"), line: 1, file: file, into: &contents)
            }
            finish()
            // The SQL after a broken annotation belongs to it: no second error for it.
            sawAnnotation = true
            let words = annotation.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count == 2, words[1].hasPrefix(":") else {
                errors.append(
                    QueryFileError(
                        file: file, line: number,
                        message: "expected `-- name: Name :kind` (kinds: \(kindList)), got `\(trimmed)`"))
                continue
            }
            let name = String(words[0])
            guard let command = AnnotatedQuery.Command(rawValue: String(words[1].dropFirst())) else {
                errors.append(
                    QueryFileError(
                        file: file, line: number,
                        message: "unknown query kind \(words[1]) for \(name); use one of \(kindList)"))
                continue
            }
            guard let first = name.unicodeScalars.first, first.properties.isAlphabetic,
                name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" })
            else {
                errors.append(
                    QueryFileError(
                        file: file, line: number,
                        message:
                            "query name \(name) must be an identifier (letters, digits, _), as it becomes a Swift name"
                    ))
                continue
            }
            if let earlier = seen[name] {
                errors.append(
                    QueryFileError(
                        file: file, line: number, message: "query \(name) is already defined at line \(earlier)"))
            }
            seen[name] = number
            current = (name, command, number, [], number + 1)
        }
        finish()
        if !sawAnnotation { unannotated(preamble.joined(separator: "\n"), line: 1, file: file, into: &contents) }
        contents.errors.sort { ($0.line, $0.message) < ($1.line, $1.message) }
        return contents
    }

    static let kindList = AnnotatedQuery.Command.allCases.map { ":" + $0.rawValue }.joined(separator: " ")

    struct RewriteProblem: Error {
        var lineOffset: Int
        var message: String
    }

    /// Replaces sqlc's macros outside quotes and comments; keeps positional `$n` numbering consistent.
    static func rewrite(_ source: String) -> Result<(String, [AnnotatedQuery.Parameter], [String]), RewriteProblem> {
        rewriteTracing(source).map { ($0.sql, $0.parameters, $0.embeds) }
    }

    /// ``rewrite(_:)``, with where each scalar of the SQL came from in `source` (its scalar offset), so that
    /// PostgreSQL's position in the SQL maps back to the file's line and column.
    static func rewriteTracing(
        _ source: String
    ) -> Result<(sql: String, parameters: [AnnotatedQuery.Parameter], embeds: [String], origin: [Int]), RewriteProblem>
    {
        let scalars = Array(source.unicodeScalars)
        var output: [Unicode.Scalar] = []
        var origin: [Int] = []
        output.reserveCapacity(scalars.count + 16)
        origin.reserveCapacity(scalars.count + 16)
        /// Copies `range` of the source as it is.
        func copy(_ range: Range<Int>) {
            output.append(contentsOf: scalars[range])
            origin.append(contentsOf: range)
        }
        /// Writes `text` in place of what starts at `position`.
        func emit(_ text: String, at position: Int) {
            let before = output.count
            output.append(contentsOf: text.unicodeScalars)
            origin.append(contentsOf: repeatElement(position, count: output.count - before))
        }
        var parameters: [AnnotatedQuery.Parameter] = []
        var byName: [String: Int] = [:]
        var embeds: [String] = []
        var index = 0
        var line = 0
        // The highest `$n` the query wrote itself: named parameters are numbered after them.
        let positional = highestPlaceholder(scalars)
        var next = positional + 1
        var positionalSeen = Set<Int>()

        func isIdentifier(_ scalar: Unicode.Scalar) -> Bool {
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_"
        }
        func number(for name: String, kind: AnnotatedQuery.Parameter.Kind) -> Result<Int, RewriteProblem> {
            if let existing = byName[name] {
                guard parameters[existing].kind == kind else {
                    return .failure(
                        RewriteProblem(
                            lineOffset: line,
                            message:
                                "parameter \(name) is used both as \(describe(parameters[existing].kind)) and as \(describe(kind))"
                        ))
                }
                return .success(parameters[existing].number)
            }
            parameters.append(AnnotatedQuery.Parameter(number: next, name: name, kind: kind))
            byName[name] = parameters.count - 1
            next += 1
            return .success(next - 1)
        }
        func hasPrefix(_ text: String, at position: Int) -> Bool {
            let needle = Array(text.unicodeScalars)
            guard position + needle.count <= scalars.count else { return false }
            for (offset, scalar) in needle.enumerated()
            where String(scalars[position + offset]).lowercased() != String(scalar) {
                return false
            }
            return position == 0 || !isIdentifier(scalars[position - 1]) && scalars[position - 1] != "."
        }
        /// sqlc's macro starting at `position`: its text and parameter kind (`nil` kind: `sqlc.embed`).
        func macro(at position: Int) -> (String, AnnotatedQuery.Parameter.Kind?)? {
            guard scalars[position] == "s" || scalars[position] == "S" else { return nil }
            let macros: [(String, AnnotatedQuery.Parameter.Kind?)] = [
                ("sqlc.arg(", .argument), ("sqlc.narg(", .nullable), ("sqlc.slice(", .slice), ("sqlc.embed(", nil),
            ]
            return macros.first { hasPrefix($0.0, at: position) }
        }

        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\n" { line += 1 }
            // Strings, quoted identifiers, comments and dollar quotes are copied as they are.
            if scalar == "'" || scalar == "\"" {
                let end = closing(scalars, from: index, quote: scalar)
                for position in index..<end where scalars[position] == "\n" { line += 1 }
                copy(index..<end)
                index = end
                continue
            }
            if scalar == "-", index + 1 < scalars.count, scalars[index + 1] == "-" {
                var end = index
                while end < scalars.count, scalars[end] != "\n" { end += 1 }
                copy(index..<end)
                index = end
                continue
            }
            if scalar == "/", index + 1 < scalars.count, scalars[index + 1] == "*" {
                let end = blockCommentEnd(scalars, from: index)
                for position in index..<end where scalars[position] == "\n" { line += 1 }
                copy(index..<end)
                index = end
                continue
            }
            if scalar == "$", let end = dollarQuoteEnd(scalars, from: index) {
                for position in index..<end where scalars[position] == "\n" { line += 1 }
                copy(index..<end)
                index = end
                continue
            }
            if scalar == "$", index + 1 < scalars.count, ("0"..."9").contains(scalars[index + 1]) {
                let (value, end) = placeholder(scalars, from: index)
                guard value <= parameterLimit else {
                    let digits = String(String.UnicodeScalarView(scalars[index + 1..<min(end, index + 13)]))
                    return .failure(
                        RewriteProblem(
                            lineOffset: line,
                            message:
                                "$\(digits)\(end - index > 13 ? "…" : "") is out of range: PostgreSQL numbers parameters $1 to $\(parameterLimit)"
                        ))
                }
                if !positionalSeen.contains(value) {
                    positionalSeen.insert(value)
                    parameters.append(AnnotatedQuery.Parameter(number: value, name: nil, kind: .argument))
                }
                copy(index..<end)
                index = end
                continue
            }
            // @name (not @@, not an operator such as @> or <@).
            if scalar == "@", index + 1 < scalars.count,
                scalars[index + 1].properties.isAlphabetic
                    || scalars[index + 1] == "_",
                index == 0
                    || (!isIdentifier(scalars[index - 1]) && scalars[index - 1] != "@"
                        && scalars[index - 1] != "<")
            {
                var end = index + 1
                while end < scalars.count, isIdentifier(scalars[end]) { end += 1 }
                let name = String(String.UnicodeScalarView(scalars[index + 1..<end]))
                switch number(for: name, kind: .argument) {
                case .success(let value): emit("$\(value)", at: index)
                case .failure(let problem): return .failure(problem)
                }
                index = end
                continue
            }
            if let matched = macro(at: index) {
                let (text, kind) = matched
                let open = index + text.unicodeScalars.count
                guard let close = scalars[open...].firstIndex(of: ")") else {
                    return .failure(RewriteProblem(lineOffset: line, message: "\(text)…) is not closed"))
                }
                var argument = String(String.UnicodeScalarView(scalars[open..<close]))
                    .trimmingCharacters(in: .whitespaces)
                if argument.count >= 2, argument.first == "'" || argument.first == "\"",
                    argument.last == argument.first
                {
                    argument = String(argument.dropFirst().dropLast())
                }
                guard !argument.isEmpty, argument.unicodeScalars.allSatisfy({ isIdentifier($0) || $0 == "." })
                else {
                    return .failure(
                        RewriteProblem(
                            lineOffset: line, message: "\(text)\(argument)) needs a name: letters, digits and _"))
                }
                if kind == .slice, let (keep, negated) = inListStart(output),
                    let after = inListEnd(scalars, from: close + 1)
                {
                    // sqlc's documented `IN (sqlc.slice(ids))` (sqlc's MySQL form, expanded to a list there):
                    // PostgreSQL gets one array parameter, `= ANY($n)` (`NOT IN`: `<> ALL($n)`).
                    switch number(for: argument, kind: .slice) {
                    case .success(let value):
                        output.removeSubrange(keep...)
                        origin.removeSubrange(keep...)
                        emit(negated ? "<> ALL($\(value))" : "= ANY($\(value))", at: index)
                    case .failure(let problem): return .failure(problem)
                    }
                    index = after
                    continue
                }
                if let kind {
                    switch number(for: argument, kind: kind) {
                    case .success(let value): emit("$\(value)", at: index)
                    case .failure(let problem): return .failure(problem)
                    }
                } else {
                    embeds.append(argument)
                    emit("\(argument).*", at: index)
                }
                index = close + 1
                continue
            }
            output.append(scalar)
            origin.append(index)
            index += 1
        }
        // Comments after the statement (before the next `-- name:`) are not part of it.
        let written = output
        var codeEnd = 0
        var position = 0
        while position < written.count {
            let scalar = written[position]
            if scalar == "-", position + 1 < written.count, written[position + 1] == "-" {
                while position < written.count, written[position] != "\n" { position += 1 }
                continue
            }
            if scalar == "/", position + 1 < written.count, written[position + 1] == "*" {
                position = blockCommentEnd(written, from: position)
                continue
            }
            if scalar == "'" || scalar == "\"" {
                position = closing(written, from: position, quote: scalar)
                codeEnd = position
                continue
            }
            if scalar == "$", let end = dollarQuoteEnd(written, from: position) {
                position = end
                codeEnd = position
                continue
            }
            position += 1
            if !scalar.properties.isWhitespace { codeEnd = position }
        }
        let leading = written[..<codeEnd].prefix { $0.properties.isWhitespace }.count
        var sql = String(String.UnicodeScalarView(written[..<codeEnd])).trimmingCharacters(in: .whitespacesAndNewlines)
        while sql.hasSuffix(";") { sql = String(sql.dropLast()).trimmingCharacters(in: .whitespacesAndNewlines) }
        parameters.sort { $0.number < $1.number }
        let traced = Array(origin.dropFirst(leading).prefix(sql.unicodeScalars.count))
        return .success((sql, parameters, embeds, traced))
    }

    /// When `output` ends with `IN (` (or `NOT IN (`), white space allowed, after a word boundary: how many scalars
    /// to keep (up to the white space before `IN`/`NOT`, kept), and whether it was `NOT IN`.
    static func inListStart(_ scalars: [Unicode.Scalar]) -> (keep: Int, negated: Bool)? {
        var end = scalars.count
        func skipSpace() { while end > 0, scalars[end - 1].properties.isWhitespace { end -= 1 } }
        skipSpace()
        guard end > 0, scalars[end - 1] == "(" else { return nil }
        end -= 1
        skipSpace()
        func word(_ text: String) -> Bool {
            let letters = Array(text.unicodeScalars)
            guard end >= letters.count else { return false }
            let candidate = scalars[(end - letters.count)..<end]
            guard zip(candidate, letters).allSatisfy({ String($0).uppercased() == String($1) }) else { return false }
            let before = end - letters.count
            guard before == 0 || !(scalars[before - 1].properties.isAlphabetic || scalars[before - 1] == "_") else {
                return false
            }
            end = before
            return true
        }
        guard word("IN") else { return nil }
        let afterIn = end
        skipSpace()
        if word("NOT") { return (end, true) }
        return (afterIn, false)
    }

    /// The index after `)` when only white space lies between `from` and it.
    static func inListEnd(_ scalars: [Unicode.Scalar], from: Int) -> Int? {
        var index = from
        while index < scalars.count, scalars[index].properties.isWhitespace { index += 1 }
        return index < scalars.count && scalars[index] == ")" ? index + 1 : nil
    }

    static func describe(_ kind: AnnotatedQuery.Parameter.Kind) -> String {
        switch kind {
        case .argument: "sqlc.arg"
        case .nullable: "sqlc.narg"
        case .slice: "sqlc.slice"
        }
    }

    /// The end (exclusive) of a quoted string or identifier starting at `index` (`''` / `""` escape).
    /// The end of the (nested) `/* … */` comment starting at `index` (the text's end when it is not closed).
    static func blockCommentEnd(_ scalars: [Unicode.Scalar], from index: Int) -> Int {
        var end = index + 2
        var depth = 1
        while end < scalars.count, depth > 0 {
            if scalars[end] == "/", end + 1 < scalars.count, scalars[end + 1] == "*" {
                depth += 1
                end += 2
            } else if scalars[end] == "*", end + 1 < scalars.count, scalars[end + 1] == "/" {
                depth -= 1
                end += 2
            } else {
                end += 1
            }
        }
        return min(end, scalars.count)
    }

    static func closing(_ scalars: [Unicode.Scalar], from index: Int, quote: Unicode.Scalar) -> Int {
        var end = index + 1
        while end < scalars.count {
            if scalars[end] == quote {
                if end + 1 < scalars.count, scalars[end + 1] == quote {
                    end += 2
                    continue
                }
                return end + 1
            }
            if quote == "'", scalars[end] == "\\", index > 0, scalars[index - 1] == "E" || scalars[index - 1] == "e" {
                end += 2
                continue
            }
            end += 1
        }
        return scalars.count
    }

    /// The end (exclusive) of a dollar-quoted string starting at `index`, or `nil` when `$` starts none.
    static func dollarQuoteEnd(_ scalars: [Unicode.Scalar], from index: Int) -> Int? {
        var tagEnd = index + 1
        while tagEnd < scalars.count,
            scalars[tagEnd].properties.isAlphabetic || scalars[tagEnd] == "_"
                || (tagEnd > index + 1 && ("0"..."9").contains(scalars[tagEnd]))
        {
            tagEnd += 1
        }
        guard tagEnd < scalars.count, scalars[tagEnd] == "$" else { return nil }
        let tag = Array(scalars[index...tagEnd])
        var position = tagEnd + 1
        while position + tag.count <= scalars.count {
            if Array(scalars[position..<position + tag.count]) == tag { return position + tag.count }
            position += 1
        }
        return scalars.count
    }

    /// The most parameters a statement can have (the protocol's 16-bit count).
    static let parameterLimit = 65535

    /// The number of the `$n` at `index` and the index after its digits; a number above ``parameterLimit`` is
    /// `parameterLimit + 1` (so twenty digits do not overflow).
    static func placeholder(_ scalars: [Unicode.Scalar], from index: Int) -> (number: Int, end: Int) {
        var end = index + 1
        var value = 0
        while end < scalars.count, ("0"..."9").contains(scalars[end]) {
            value = min(value * 10 + Int(scalars[end].value - 48), parameterLimit + 1)
            end += 1
        }
        return (value, end)
    }

    /// The highest `$n` outside quotes and comments.
    static func highestPlaceholder(_ scalars: [Unicode.Scalar]) -> Int {
        var highest = 0
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "'" || scalar == "\"" {
                index = closing(scalars, from: index, quote: scalar)
            } else if scalar == "-", index + 1 < scalars.count, scalars[index + 1] == "-" {
                while index < scalars.count, scalars[index] != "\n" { index += 1 }
            } else if scalar == "/", index + 1 < scalars.count, scalars[index + 1] == "*" {
                // As `rewrite` skips them: a quote in a block comment opens no string.
                index = blockCommentEnd(scalars, from: index)
            } else if scalar == "$", let end = dollarQuoteEnd(scalars, from: index) {
                index = end
            } else if scalar == "$", index + 1 < scalars.count, ("0"..."9").contains(scalars[index + 1]) {
                let (value, end) = placeholder(scalars, from: index)
                highest = max(highest, value)
                index = end
            } else {
                index += 1
            }
        }
        return highest
    }
}
