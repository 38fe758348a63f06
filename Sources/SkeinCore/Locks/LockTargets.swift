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

/// The bare words of SQL text, lower-cased: quoted strings, quoted identifiers, dollar-quoted bodies and comments
/// left out.
enum SQLWords {
    static func words(of sql: String) -> [String] {
        let scalars = Array(sql.unicodeScalars)
        var words: [String] = []
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
                words.append(String(String.UnicodeScalarView(scalars[start..<index])).lowercased())
            default:
                index += 1
            }
        }
        return words
    }
}
