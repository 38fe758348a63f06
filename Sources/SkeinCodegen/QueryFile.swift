import Foundation
public import SkeinCore
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

extension Diagnostic {
    /// A code generation problem at its place in a query or schema file: a ``Diagnostic`` like lint's and
    /// check-queries', rendered `queries/users.sql:12:8: error[query-rejected]: GetUser: …`.
    /// - Parameters:
    ///   - column: 1-based, in Unicode scalars, when known (PostgreSQL's position in the query, mapped back).
    public static func codegen(
        _ code: String, file: String, line: Int?, column: Int? = nil, message: String, help: String? = nil,
        severity: Severity = .error
    ) -> Diagnostic {
        Diagnostic(
            severity: severity, code: code, message: message, help: help,
            location: SourceLocation(file: file, line: line, column: line == nil ? nil : column))
    }

    /// `file:line: message`, without the severity and code: how a warning reads after `warning: `.
    public var placedMessage: String {
        location.map { "\($0): \(message)" } ?? message
    }
}

/// What a query file holds, read as sqlc reads it.
public struct QueryFileContents: Sendable, Hashable {
    public var queries: [AnnotatedQuery] = []
    public var errors: [Diagnostic] = []
    /// Statements without a name annotation that change the schema (`CREATE TABLE`, `ALTER TYPE`, …): sqlc reads
    /// them into its catalog, so they are applied after the schema files, in query-file order.
    public var schema: [SchemaSource.Script] = []
    /// Statements without a name annotation that are not DDL: skipped, as sqlc skips them, with a warning.
    public var skipped: [Diagnostic] = []
}

/// Reads sqlc-annotated query files.
public enum QueryFileParser {
    /// Every query of `text`, or every problem found (all at once).
    public static func parse(_ text: String, file: String) -> Result<[AnnotatedQuery], CodegenErrors> {
        let (queries, errors) = parseAll(text, file: file)
        return errors.isEmpty ? .success(queries) : .failure(CodegenErrors(errors: errors))
    }

    /// The queries that could be read and the problems of the others, so that every problem of a project can be
    /// reported in one run.
    public static func parseAll(_ text: String, file: String) -> (queries: [AnnotatedQuery], errors: [Diagnostic]) {
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
                Diagnostic.codegen(
                    "query-unreadable", file: file, line: line,
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
                    Diagnostic.codegen(
                        "unannotated-statement", file: file, line: lineOfSQL,
                        message:
                            "a statement without a `-- name: Name :kind` annotation is skipped (as sqlc skips it); annotate it to generate a method",
                        severity: .warning
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
        var errors: [Diagnostic] {
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
            let noSQL = Diagnostic.codegen(
                "query-empty", file: file, line: query.line,
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
                    Diagnostic.codegen(
                        "query-macro", file: file, line: bodyLine + problem.lineOffset, message: problem.message))
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
                    Diagnostic.codegen(
                        "query-annotation", file: file, line: number,
                        message: "expected `-- name: Name :kind` (kinds: \(kindList)), got `\(trimmed)`"))
                continue
            }
            let name = String(words[0])
            guard let command = AnnotatedQuery.Command(rawValue: String(words[1].dropFirst())) else {
                errors.append(
                    Diagnostic.codegen(
                        "query-kind", file: file, line: number,
                        message: "unknown query kind \(words[1]) for \(name); use one of \(kindList)"))
                continue
            }
            guard let first = name.unicodeScalars.first, first.properties.isAlphabetic,
                name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" })
            else {
                errors.append(
                    Diagnostic.codegen(
                        "query-name", file: file, line: number,
                        message:
                            "query name \(name) must be an identifier (letters, digits, _), as it becomes a Swift name"
                    ))
                continue
            }
            if let earlier = seen[name] {
                errors.append(
                    Diagnostic.codegen(
                        "duplicate-query", file: file, line: number,
                        message: "query \(name) is already defined at line \(earlier)"))
            }
            seen[name] = number
            current = (name, command, number, [], number + 1)
        }
        finish()
        if !sawAnnotation { unannotated(preamble.joined(separator: "\n"), line: 1, file: file, into: &contents) }
        contents.errors.sort { ($0.location?.line ?? 0, $0.message) < ($1.location?.line ?? 0, $1.message) }
        return contents
    }

}
