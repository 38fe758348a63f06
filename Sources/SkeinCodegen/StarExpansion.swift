import Foundation
import SkeinCore
import SkeinSQL

/// `SELECT *`, `t.*`, `sqlc.embed(t)` and `RETURNING *` written out as the columns they stand for, as sqlc does. The
/// generated code decodes by position: a `*` left in the SQL would silently swap same-typed fields once a column is
/// re-added at the end of its table (a Down/Up cycle does that). Expanded only when every star's columns are known
/// (tables and their aliases; joins without `USING`/`NATURAL`) and the expansion names exactly the columns
/// PostgreSQL described; otherwise the SQL is left as written.
enum StarExpansion {
    /// `columns`: each table's live columns in order, keyed `schema.table`.
    static func expand(
        _ sql: String, statements: [ParsedStatement], described: DescribedQuery, columns: [String: [String]]
    ) -> String {
        guard statements.count == 1 else { return sql }
        let node = statements[0].node
        let bytes = Array(sql.utf8)
        var replacements: [(start: Int, end: Int, text: String)] = []
        var produced: [String?] = []

        /// A table reference's qualifier (its alias, else its name) and columns.
        func table(_ range: SQLNode) -> (qualifier: String, names: [String])? {
            guard let table = range["relname"]?.string else { return nil }
            let schema = range["schemaname"]?.string ?? "public"
            guard let names = columns["\(schema).\(table)"] else { return nil }
            return (range["alias"]?["aliasname"]?.string ?? table, names)
        }

        /// The FROM items' qualifiers and columns, in the order `*` lists them; `nil` when one is unknown.
        func items(_ from: [SQLNode]) -> [(qualifier: String, names: [String])]? {
            var result: [(qualifier: String, names: [String])] = []
            for item in from {
                if let range = item["RangeVar"] {
                    guard let found = table(range) else { return nil }
                    result.append(found)
                } else if let join = item["JoinExpr"] {
                    // USING and NATURAL merge columns; an aliased join renames them.
                    guard join["usingClause"] == nil, !join.flag("isNatural"), join["alias"] == nil,
                        let left = join["larg"], let right = join["rarg"], let both = items([left, right])
                    else { return nil }
                    result += both
                } else {
                    return nil
                }
            }
            return result
        }

        /// The byte just after the `*` of a star starting at `location`.
        func starEnd(from location: Int) -> Int? {
            var index = location
            var quoted = false
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") { quoted.toggle() }
                if !quoted && byte == UInt8(ascii: "*") { return index + 1 }
                index += 1
            }
            return nil
        }

        /// Adds the targets of a SELECT list or RETURNING list; `false` when a star cannot be expanded.
        func targets(_ list: [SQLNode], from: [(qualifier: String, names: [String])]?) -> Bool {
            for target in list {
                let value = target["ResTarget"]?["val"]
                guard let reference = value?["ColumnRef"],
                    let fields = reference["fields"]?.array, fields.last?["A_Star"] != nil
                else {
                    produced.append(nil)
                    continue
                }
                guard let from, let location = reference["location"]?.int, let end = starEnd(from: location) else {
                    return false
                }
                let expanded: [(qualifier: String, names: [String])]
                if fields.count == 1 {
                    expanded = from
                } else if fields.count == 2, let name = fields[0]["String"]?["sval"]?.string,
                    let item = from.first(where: { $0.qualifier == name })
                {
                    expanded = [item]
                } else {
                    return false
                }
                let text = expanded.flatMap { item in
                    item.names.map { quote(item.qualifier) + "." + quote($0) }
                }.joined(separator: ", ")
                replacements.append((location, end, text))
                produced += expanded.flatMap(\.names).map(Optional.some)
            }
            return true
        }

        if let select = node["SelectStmt"] {
            guard select["op"] == nil || select["op"]?.string == "SETOP_NONE", select["valuesLists"] == nil,
                let list = select["targetList"]?.array
            else { return sql }
            guard targets(list, from: items(select["fromClause"]?.array ?? [])) else { return sql }
        } else if let statement = node["InsertStmt"] ?? node["UpdateStmt"] ?? node["DeleteStmt"] {
            guard let list = statement["returningList"]?.array, let relation = statement["relation"] else {
                return sql
            }
            guard targets(list, from: table(relation).map { [$0] }) else { return sql }
        } else {
            return sql
        }
        guard !replacements.isEmpty, produced.count == described.columns.count,
            zip(produced, described.columns).allSatisfy({ $0.0 == nil || $0.0 == $0.1.name })
        else { return sql }
        var result = bytes
        for replacement in replacements.sorted(by: { $0.start > $1.start }) {
            result.replaceSubrange(replacement.start..<replacement.end, with: Array(replacement.text.utf8))
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// An identifier as written in SQL: bare when PostgreSQL reads it back unchanged, else quoted.
    static func quote(_ name: String) -> String {
        let simple =
            name.first.map { $0 == "_" || ("a"..."z").contains($0) } == true
            && name.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
        return simple && !reserved.contains(name) ? name : SQLIdentifier.quote(name)
    }

    /// PostgreSQL's reserved key words (and those that cannot be a column name unquoted).
    static let reserved: Set<String> = [
        "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization", "between",
        "binary", "both", "case", "cast", "check", "collate", "collation", "column", "concurrently", "constraint",
        "create", "cross", "current_catalog", "current_date", "current_role", "current_schema", "current_time",
        "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end",
        "except", "false", "fetch", "for", "foreign", "freeze", "from", "full", "grant", "group", "having", "ilike",
        "in", "initially", "inner", "intersect", "into", "is", "isnull", "join", "lateral", "leading", "left", "like",
        "limit", "localtime", "localtimestamp", "natural", "not", "notnull", "null", "offset", "on", "only", "or",
        "order", "outer", "overlaps", "placing", "primary", "references", "returning", "right", "select",
        "session_user", "similar", "some", "symmetric", "system_user", "table", "tablesample", "then", "to",
        "trailing", "true", "union", "unique", "user", "using", "variadic", "verbose", "when", "where", "window",
        "with",
    ]
}
