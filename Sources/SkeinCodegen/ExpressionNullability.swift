import SkeinSQL

/// Which expressions of a query can never be NULL, proved from the query's parse tree and the catalog's NOT NULL
/// columns: never a guess, so a column stays optional unless every path to it is covered here.
///
/// - Column references resolve through the `FROM` list: to a table's column (NOT NULL in the catalog, and the
///   table not on the nullable side of an outer join), or to a column of a CTE or subquery, whose own expression is
///   judged the same way in its own `FROM` list (`count(*)` in a CTE stays non-null). An unqualified name that more
///   than one entry has, or a recursive CTE's column, is not resolved.
/// - Operators of built-in types (`+ - * / % || = <> < > <= >= LIKE`, `IN`, `BETWEEN`) and a fixed list of
///   functions (``valueFunctions``) are never NULL when their operands are not. `pg_proc.proisstrict` is not enough
///   on its own: a strict function gives NULL for a NULL argument, but may also give NULL for others
///   (`regexp_match` on no match, `->>` on a missing key, `to_regclass`), so only functions known to return a value
///   whenever they get values are listed.
/// - `IS [NOT] NULL`, `IS [NOT] DISTINCT FROM`, `IS [NOT] TRUE`, `EXISTS`, `count`, constants, `concat`, the
///   ranking window functions and the clock are never NULL; `COALESCE` and `GREATEST`/`LEAST` when one argument is
///   never NULL; `CASE` when every branch and the `ELSE` are never NULL; `AND`/`OR`/`NOT` when every operand is.
struct ExpressionNullability {
    /// Each table's columns and whether the catalog says NOT NULL, by `relname` and by `schema.relname` (an
    /// unqualified name is the first schema's that has it: public first).
    var tables: [String: [String: Bool]]

    /// Functions that return a value whenever every argument is one (and are not aggregates).
    static let valueFunctions: Set<String> = [
        "lower", "upper", "initcap", "length", "char_length", "character_length", "octet_length", "bit_length",
        "btrim", "ltrim", "rtrim", "md5", "replace", "left", "right", "lpad", "rpad", "repeat", "reverse",
        "abs", "ceil", "ceiling", "floor", "round", "trunc", "sign", "date_trunc", "date_part", "extract",
        "to_char", "age", "array_length", "cardinality", "strpos", "position", "starts_with", "translate",
        "quote_ident", "quote_literal", "to_hex", "chr", "ascii", "encode", "decode", "sha256", "sha512",
    ]
    /// Functions never NULL whatever their arguments.
    static let alwaysFunctions: Set<String> = [
        "count", "now", "statement_timestamp", "transaction_timestamp", "clock_timestamp", "concat", "random",
        "gen_random_uuid", "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "pg_backend_pid",
    ]
    /// Operators of the built-in types that give a value for values.
    static let valueOperators: Set<String> = [
        "+", "-", "*", "/", "%", "^", "||", "=", "<>", "!=", "<", ">", "<=", ">=", "~~", "!~~", "~~*", "!~~*",
    ]

    /// The names a `FROM` list makes visible.
    struct Scope {
        struct Entry {
            /// The alias, else the relation's name.
            var name: String
            /// A table's key in ``ExpressionNullability/tables``, or `nil` for a CTE or subquery.
            var table: String?
            /// A CTE's or subquery's SELECT.
            var select: SQLNode?
            /// The SELECT's scope (a CTE sees the CTEs before it).
            var ctes: [String: SQLNode]
            /// Column names given by the alias (`AS s(a, b)`).
            var columnNames: [String]
            /// On the nullable side of an outer join.
            var nullable: Bool
        }
        var entries: [Entry] = []
        /// `GROUP BY ROLLUP/CUBE/GROUPING SETS`: the subtotal rows hold NULL in the grouped columns.
        var groupingSets = false
    }

    /// The result columns (0-based) of a statement that are never NULL, `columnCount` placing those after a `*`.
    func neverNullColumns(_ statement: ParsedStatement, columnCount: Int?) -> Set<Int> {
        let body = statement.body
        if let returning = body["returningList"]?.array, !returning.isEmpty {
            var scope = Scope()
            if let relation = body["relation"] { add(relation, to: &scope, ctes: [:], nullable: false) }
            for item in body["fromClause"]?.array ?? [] { add(item, to: &scope, ctes: [:], nullable: false) }
            return neverNullTargets(returning, scope: scope, columnCount: columnCount, depth: 0)
        }
        return neverNullColumns(ofSelect: body, ctes: [:], columnCount: columnCount, depth: 0)
    }

    /// A SELECT's never-NULL columns: for a UNION/INTERSECT/EXCEPT, those never NULL in every branch.
    func neverNullColumns(ofSelect select: SQLNode, ctes: [String: SQLNode], columnCount: Int?, depth: Int)
        -> Set<Int>
    {
        guard depth < 8 else { return [] }
        var ctes = ctes
        if let with = select["withClause"] {
            // A recursive CTE refers to itself: its columns are left unproved.
            let recursive = with.flag("recursive")
            for cte in with["ctes"]?.array ?? [] {
                guard let body = cte["CommonTableExpr"], let name = body["ctename"]?.string,
                    let query = body["ctequery"]?["SelectStmt"]
                else { continue }
                ctes[name] = recursive ? .null : query
            }
        }
        if let operation = select["op"]?.string, operation != "SETOP_NONE" {
            var result: Set<Int>?
            for side in ["larg", "rarg"] {
                guard let branch = select[side] else { return [] }
                let never = neverNullColumns(ofSelect: branch, ctes: ctes, columnCount: columnCount, depth: depth + 1)
                result = result.map { $0.intersection(never) } ?? never
            }
            return result ?? []
        }
        var scope = Scope()
        for item in select["fromClause"]?.array ?? [] { add(item, to: &scope, ctes: ctes, nullable: false) }
        scope.groupingSets = Self.hasGroupingSets(select)
        return neverNullTargets(
            select["targetList"]?.array ?? [], scope: scope, columnCount: columnCount, depth: depth)
    }

    func neverNullTargets(_ targets: [SQLNode], scope: Scope, columnCount: Int?, depth: Int) -> Set<Int> {
        func isStar(_ target: SQLNode) -> Bool {
            target["ResTarget"]?["val"]?["ColumnRef"]?["fields"]?.array.contains { $0["A_Star"] != nil } ?? false
        }
        let stars = targets.indices.filter { isStar(targets[$0]) }
        var result: Set<Int> = []
        for (index, target) in targets.enumerated() where !isStar(target) {
            guard let value = target["ResTarget"]?["val"], isNeverNull(value, scope: scope, depth: depth) else {
                continue
            }
            if let first = stars.first, index > first {
                // After a `*`: placed from the end, and only when a single `*` comes before it.
                guard let columnCount, stars.count == 1 else { continue }
                result.insert(columnCount - (targets.count - index))
            } else {
                result.insert(index)
            }
        }
        return result
    }

    /// Adds a `FROM` item's entries; both sides of an outer join's nullable side are marked.
    func add(_ item: SQLNode, to scope: inout Scope, ctes: [String: SQLNode], nullable: Bool) {
        // A statement's target (`INSERT INTO users`) is a RangeVar's fields, not wrapped.
        if let range = item["RangeVar"] ?? (item["relname"] != nil ? item : nil) {
            guard let relname = range["relname"]?.string else { return }
            let alias = range["alias"]?["aliasname"]?.string
            let columnNames = range["alias"]?["colnames"]?.names ?? []
            if range["schemaname"] == nil, let cte = ctes[relname] {
                scope.entries.append(
                    .init(
                        name: alias ?? relname, table: nil, select: cte == .null ? nil : cte, ctes: ctes,
                        columnNames: columnNames, nullable: nullable))
            } else {
                let key = range["schemaname"]?.string.map { "\($0).\(relname)" } ?? relname
                scope.entries.append(
                    .init(
                        name: alias ?? relname, table: key, select: nil, ctes: ctes, columnNames: columnNames,
                        nullable: nullable))
            }
        } else if let subselect = item["RangeSubselect"] {
            guard let alias = subselect["alias"]?["aliasname"]?.string else { return }
            scope.entries.append(
                .init(
                    name: alias, table: nil, select: subselect["subquery"]?["SelectStmt"], ctes: ctes,
                    columnNames: subselect["alias"]?["colnames"]?.names ?? [], nullable: nullable))
        } else if let join = item["JoinExpr"] {
            let kind = join["jointype"]?.string ?? "JOIN_INNER"
            if let left = join["larg"] {
                add(left, to: &scope, ctes: ctes, nullable: nullable || kind == "JOIN_RIGHT" || kind == "JOIN_FULL")
            }
            if let right = join["rarg"] {
                add(right, to: &scope, ctes: ctes, nullable: nullable || kind == "JOIN_LEFT" || kind == "JOIN_FULL")
            }
        } else {
            // A function in FROM, … : its columns are unknown; an entry without a table or SELECT resolves nothing.
            let name = item.body?["alias"]?["aliasname"]?.string ?? ""
            scope.entries.append(
                .init(name: name, table: nil, select: nil, ctes: ctes, columnNames: [], nullable: true))
        }
    }

    func isNeverNull(_ node: SQLNode, scope: Scope, depth: Int) -> Bool {
        let never = { (child: SQLNode) in isNeverNull(child, scope: scope, depth: depth) }
        if let cast = node["TypeCast"] { return cast["arg"].map(never) ?? false }
        if let constant = node["A_Const"] { return !constant.flag("isnull") }
        if let reference = node["ColumnRef"] { return isNeverNull(column: reference, scope: scope, depth: depth) }
        if let call = node["FuncCall"] {
            let name = call["funcname"]?.names.last?.lowercased() ?? ""
            if Self.alwaysFunctions.contains(name) { return true }
            if name == "concat_ws" { return call["args"]?.array.first.map(never) ?? false }
            guard Self.valueFunctions.contains(name), call["over"] == nil, !call.flag("agg_star") else { return false }
            return call["args"]?.array.allSatisfy(never) ?? true
        }
        if let expression = node["A_Expr"] {
            let kind = expression["kind"]?.string ?? "AEXPR_OP"
            let operands = [expression["lexpr"], expression["rexpr"]].compactMap { $0 }
            switch kind {
            case "AEXPR_DISTINCT", "AEXPR_NOT_DISTINCT": return true
            case "AEXPR_OP", "AEXPR_LIKE", "AEXPR_ILIKE":
                guard let name = expression["name"]?.names.last, Self.valueOperators.contains(name) else {
                    return false
                }
                return operands.allSatisfy(never)
            case "AEXPR_IN", "AEXPR_BETWEEN", "AEXPR_NOT_BETWEEN":
                // The right side is a list: `IN (1, 2)`, `BETWEEN 1 AND 3`.
                return operands.allSatisfy { operand in
                    guard let items = operand["List"]?["items"]?.array else { return never(operand) }
                    return items.allSatisfy(never)
                }
            default: return false
            }
        }
        if node["NullTest"] != nil || node["BooleanTest"] != nil { return true }
        // CURRENT_TIMESTAMP, CURRENT_USER, …; not CURRENT_SCHEMA, NULL when search_path names no schema.
        if let value = node["SQLValueFunction"] { return value["op"]?.string != "SVFOP_CURRENT_SCHEMA" }
        if let link = node["SubLink"] { return link["subLinkType"]?.string == "EXISTS_SUBLINK" }
        if let coalesce = node["CoalesceExpr"] { return coalesce["args"]?.array.contains(where: never) ?? false }
        if let minMax = node["MinMaxExpr"] { return minMax["args"]?.array.contains(where: never) ?? false }
        if let caseExpression = node["CaseExpr"] {
            guard let otherwise = caseExpression["defresult"], never(otherwise) else { return false }
            return caseExpression["args"]?.array.allSatisfy { when in
                when["CaseWhen"]?["result"].map(never) ?? false
            } ?? false
        }
        if let boolean = node["BoolExpr"] { return boolean["args"]?.array.allSatisfy(never) ?? false }
        return false
    }

    /// A column reference: resolved through the scope, never NULL when its source is.
    func isNeverNull(column reference: SQLNode, scope: Scope, depth: Int) -> Bool {
        let fields = reference["fields"]?.array.compactMap { $0["String"]?["sval"]?.string } ?? []
        guard let column = fields.last, fields.count <= 2,
            reference["fields"]?.array.count == fields.count
        else { return false }
        let candidates = scope.entries.filter { entry in
            if fields.count == 2 { return entry.name == fields[0] }
            return has(entry, column: column)
        }
        if fields.count == 1, candidates.isEmpty {
            // No column of that name: PostgreSQL reads it as a whole-row reference (`SELECT u FROM users u`). A
            // table's row is a value, never NULL, unless the table is on an outer join's nullable side.
            let rows = scope.entries.filter { $0.name == column }
            guard !scope.groupingSets, rows.count == 1, let row = rows.first, !row.nullable, let table = row.table
            else { return false }
            return tables[table] != nil
        }
        guard !scope.groupingSets, candidates.count == 1, let entry = candidates.first, !entry.nullable else {
            return false
        }
        if let table = entry.table { return tables[table]?[column] ?? false }
        guard let select = entry.select else { return false }
        // A CTE's or subquery's column: the position of its name in the SELECT's output.
        guard let names = outputNames(of: select, renamed: entry.columnNames),
            let position = names.firstIndex(of: column), names.lastIndex(of: column) == position
        else { return false }
        return neverNullColumns(ofSelect: select, ctes: entry.ctes, columnCount: nil, depth: depth + 1)
            .contains(position)
    }

    /// Whether a SELECT groups by `ROLLUP`, `CUBE` or `GROUPING SETS`.
    static func hasGroupingSets(_ select: SQLNode) -> Bool {
        (select["groupClause"]?.array ?? []).contains { item in
            item.nodeType == "GroupingSet" || item.descendants().contains { $0.nodeType == "GroupingSet" }
        }
    }

    func has(_ entry: Scope.Entry, column: String) -> Bool {
        if let table = entry.table { return tables[table]?[column] != nil }
        // Unknown columns (a function in FROM, a `*` in the SELECT) may include this one.
        guard let select = entry.select, let names = outputNames(of: select, renamed: entry.columnNames) else {
            return true
        }
        return names.contains(column)
    }

    /// A SELECT's output column names (the first branch's for a set operation); `renamed` replaces the first ones.
    /// `nil` when a `*` makes them unknown here.
    func outputNames(of select: SQLNode, renamed: [String]) -> [String]? {
        var first = select
        while let operation = first["op"]?.string, operation != "SETOP_NONE", let left = first["larg"] {
            first = left
        }
        var names: [String] = []
        for target in first["targetList"]?.array ?? [] {
            guard let result = target["ResTarget"] else { return nil }
            var value = result["val"] ?? .null
            if let cast = value["TypeCast"], let argument = cast["arg"] { value = argument }
            if let fields = value["ColumnRef"]?["fields"]?.array, fields.contains(where: { $0["A_Star"] != nil }) {
                return nil
            }
            if let name = result["name"]?.string {
                names.append(name)
            } else if let fields = value["ColumnRef"]?["fields"]?.array {
                names.append(fields.last?["String"]?["sval"]?.string ?? "")
            } else if let call = value["FuncCall"] {
                names.append(call["funcname"]?.names.last ?? "")
            } else {
                names.append("?column?")
            }
        }
        for (index, name) in renamed.enumerated() where index < names.count { names[index] = name }
        return names
    }
}
