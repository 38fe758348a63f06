/// A table a statement locks, and how strongly.
public struct LockedRelation: Sendable, Hashable, CustomStringConvertible {
    /// The table as SQL names it (quoted identifiers, schema-qualified when the statement says so): what
    /// `to_regclass` resolves with the session's `search_path`.
    public var name: String
    public var mode: TableLockMode

    public init(name: String, mode: TableLockMode) {
        self.name = name
        self.mode = mode
    }

    public var description: String { "\(mode) on \(name)" }
}

/// Which tables each statement of a migration locks, and how strongly: what the runner's pre-flight looks for
/// blockers on (``LockTargets/relations(in:)``). Finding them needs PostgreSQL's grammar, so, like
/// ``StatementChecker``, it is a value the caller passes: the `skein` CLI passes one built on libpg_query
/// (`SkeinLint.StatementLocks`); an app that passes none gets no pre-flight, and still gets the lock timeout and its
/// retries.
public struct LockTargets: Sendable {
    /// The tables one command locks (a goose statement is split into commands before it is asked).
    public var find: @Sendable (_ command: String) -> [LockedRelation]

    public init(find: @escaping @Sendable (_ command: String) -> [LockedRelation]) {
        self.find = find
    }

    /// Every table the statements lock, each once with the strongest mode asked for it, in the order first named.
    public func relations(in statements: [Statement]) -> [LockedRelation] {
        var order: [String] = []
        var strongest: [String: TableLockMode] = [:]
        for statement in statements {
            for command in SQLCommandSplitter.split(statement.sql) {
                for relation in find(command.sql) {
                    if let known = strongest[relation.name] {
                        strongest[relation.name] = max(known, relation.mode)
                    } else {
                        order.append(relation.name)
                        strongest[relation.name] = relation.mode
                    }
                }
            }
        }
        return order.map { LockedRelation(name: $0, mode: strongest[$0]!) }
    }
}

/// Statements that wait for other transactions by design (`CREATE INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY`,
/// `DROP INDEX CONCURRENTLY`, `REFRESH MATERIALIZED VIEW CONCURRENTLY`, `DETACH PARTITION … CONCURRENTLY`): a short
/// `lock_timeout` makes them fail on any busy database (leaving an INVALID index behind), so the runner gives them
/// their own setting.
public enum ConcurrentStatement {
    /// Whether a command holds the keyword `CONCURRENTLY` outside quotes and comments.
    public static func isConcurrent(_ command: String) -> Bool {
        guard command.lowercased().contains("concurrently") else { return false }
        return SQLWords.words(of: command).contains("concurrently")
    }
}

extension ConcurrentStatement {
    /// The index a `CONCURRENTLY` command builds, which a failed attempt leaves behind INVALID.
    public enum BuiltIndex: Sendable, Hashable {
        /// `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name ON …`: the index `name` itself.
        case created(name: [String])
        /// `REINDEX INDEX CONCURRENTLY name`: a failure leaves `name_ccnew` (and `_ccnew1`, …) beside it.
        case rebuilt(name: [String])
    }

    /// The index `command` builds concurrently, or `nil` (not such a command, or an index without a name).
    public static func builtIndex(_ command: String) -> BuiltIndex? {
        let tokens = SQLWords.tokens(of: command)
        func word(_ index: Int) -> String? { index < tokens.count && !tokens[index].quoted ? tokens[index].text : nil }
        /// A possibly qualified name from `index`: `a`, `"A"`, `s.a`.
        func name(at index: Int) -> [String]? {
            guard index < tokens.count, tokens[index].quoted || !["on", "if"].contains(tokens[index].text) else {
                return nil
            }
            var parts = [tokens[index].text]
            var next = index + 1
            while next + 1 < tokens.count, tokens[next].text == ".", !tokens[next].quoted {
                parts.append(tokens[next + 1].text)
                next += 2
            }
            return parts
        }
        if word(0) == "create" {
            var index = 1
            if word(index) == "unique" { index += 1 }
            guard word(index) == "index", word(index + 1) == "concurrently" else { return nil }
            index += 2
            if word(index) == "if", word(index + 1) == "not", word(index + 2) == "exists" { index += 3 }
            return name(at: index).map { .created(name: $0) }
        }
        if word(0) == "reindex" {
            // REINDEX INDEX CONCURRENTLY name, or REINDEX (CONCURRENTLY) INDEX name.
            var index = 1
            var concurrent = false
            if word(index) == "(" {
                while index < tokens.count, word(index) != ")" {
                    if word(index) == "concurrently" { concurrent = true }
                    index += 1
                }
                index += 1
            }
            guard word(index) == "index" else { return nil }
            index += 1
            if word(index) == "concurrently" {
                concurrent = true
                index += 1
            }
            guard concurrent else { return nil }
            return name(at: index).map { .rebuilt(name: $0) }
        }
        return nil
    }
}

/// The bare words of SQL text, lower-cased: quoted strings, quoted identifiers, dollar-quoted bodies and comments
/// left out.
enum SQLWords {
    struct Token: Equatable {
        /// Lower-cased for a bare word; as written for a quoted identifier; the character for `.`, `(` and `)`.
        var text: String
        var quoted = false
    }

    static func words(of sql: String) -> [String] {
        tokens(of: sql).filter { !$0.quoted && $0.text.first.map { $0.isLetter || $0 == "_" } == true }.map(\.text)
    }

    /// Bare words, quoted identifiers, and `.`, `(`, `)`; strings, dollar-quoted bodies and comments left out.
    static func tokens(of sql: String) -> [Token] {
        let scalars = Array(sql.unicodeScalars)
        var words: [Token] = []
        var index = 0
        func isWordStart(_ s: Unicode.Scalar) -> Bool { s == "_" || s.properties.isAlphabetic }
        func isWordPart(_ s: Unicode.Scalar) -> Bool { isWordStart(s) || ("0"..."9").contains(s) || s == "$" }
        while index < scalars.count {
            let scalar = scalars[index]
            let next = index + 1 < scalars.count ? scalars[index + 1] : nil
            switch scalar {
            case "-" where next == "-":
                while index < scalars.count, scalars[index] != "\n" { index += 1 }
            case "/" where next == "*":
                var depth = 0
                while index < scalars.count {
                    if scalars[index] == "/", index + 1 < scalars.count, scalars[index + 1] == "*" {
                        depth += 1
                        index += 2
                    } else if scalars[index] == "*", index + 1 < scalars.count, scalars[index + 1] == "/" {
                        depth -= 1
                        index += 2
                        if depth == 0 { break }
                    } else {
                        index += 1
                    }
                }
            case "'", "\"":
                let escapes = scalar == "'" && index > 0 && (scalars[index - 1] == "E" || scalars[index - 1] == "e")
                let start = index + 1
                index += 1
                while index < scalars.count {
                    if scalars[index] == scalar {
                        if index + 1 < scalars.count, scalars[index + 1] == scalar {
                            index += 2
                            continue
                        }
                        break
                    }
                    if escapes, scalars[index] == "\\" { index += 1 }
                    index += 1
                }
                if scalar == "\"" {
                    let text = String(String.UnicodeScalarView(scalars[start..<min(index, scalars.count)]))
                    words.append(Token(text: text.replacing("\"\"", with: "\""), quoted: true))
                }
                index += 1
            case "$":
                // $tag$ … $tag$
                var end = index + 1
                while end < scalars.count, scalars[end] != "$", isWordPart(scalars[end]) { end += 1 }
                guard end < scalars.count, scalars[end] == "$" else {
                    index += 1
                    continue
                }
                let tag = Array(scalars[index...end])
                index = end + 1
                while index < scalars.count {
                    if scalars[index] == "$", index + tag.count <= scalars.count,
                        Array(scalars[index..<index + tag.count]) == tag
                    {
                        index += tag.count
                        break
                    }
                    index += 1
                }
            case _ where isWordStart(scalar):
                let start = index
                while index < scalars.count, isWordPart(scalars[index]) { index += 1 }
                words.append(Token(text: String(String.UnicodeScalarView(scalars[start..<index])).lowercased()))
            case ".", "(", ")":
                words.append(Token(text: String(scalar)))
                index += 1
            default:
                index += 1
            }
        }
        return words
    }
}
