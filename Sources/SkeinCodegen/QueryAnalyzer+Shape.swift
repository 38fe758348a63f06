import Foundation
import SkeinSQL

extension QueryAnalyzer {
    /// Tables (by name and alias) on the nullable side of an outer join: their columns can be NULL whatever the
    /// catalog says.
    static func nullableTables(_ sql: String) -> Set<String> {
        guard case .success(let statements) = SQLGrammar.parse(sql) else { return [] }
        return nullableTables(statements)
    }

    /// The range-table entries (by alias, else table name) on the nullable side of an outer join.
    static func nullableEntries(_ statements: [ParsedStatement]) -> Set<String> {
        var nullable: Set<String> = []
        func entries(_ node: SQLNode) -> [String] {
            ([node] + node.descendants()).compactMap { descendant in
                guard descendant.nodeType == "RangeVar", let body = descendant.body else { return nil }
                return body["alias"]?["aliasname"]?.string ?? body["relname"]?.string
            }
        }
        for statement in statements {
            for node in statement.node.descendants() where node.nodeType == "JoinExpr" {
                guard let join = node.body else { continue }
                let kind = join["jointype"]?.string ?? "JOIN_INNER"
                if kind == "JOIN_LEFT" || kind == "JOIN_FULL", let right = join["rarg"] {
                    nullable.formUnion(entries(right))
                }
                if kind == "JOIN_RIGHT" || kind == "JOIN_FULL", let left = join["larg"] {
                    nullable.formUnion(entries(left))
                }
            }
        }
        return nullable
    }

    /// The qualifier of each output column of a plain SELECT whose list has no `*`: `p` for `p.name`, `nil` for an
    /// unqualified column or an expression; `nil` for the whole list when it cannot be told (a `*`, a set
    /// operation, a count that does not match).
    static func columnQualifiers(_ statements: [ParsedStatement], columnCount: Int) -> [String?]? {
        guard statements.count == 1, let select = statements[0].node["SelectStmt"],
            select["op"] == nil || select["op"]?.string == "SETOP_NONE",
            let targets = select["targetList"]?.array, targets.count == columnCount
        else { return nil }
        var qualifiers: [String?] = []
        for target in targets {
            guard let value = target["ResTarget"]?["val"] else { return nil }
            if let fields = value["ColumnRef"]?["fields"]?.array {
                if fields.contains(where: { $0["A_Star"] != nil }) { return nil }
                qualifiers.append(fields.count == 2 ? fields[0]["String"]?["sval"]?.string : nil)
            } else {
                qualifiers.append(nil)
            }
        }
        return qualifiers
    }

    static func nullableTables(_ statements: [ParsedStatement]) -> Set<String> {
        var nullable: Set<String> = []
        func relations(_ node: SQLNode) -> [String] {
            var names: [String] = []
            for descendant in [node] + node.descendants() where descendant.nodeType == "RangeVar" {
                guard let body = descendant.body else { continue }
                if let name = body["relname"]?.string { names.append(name) }
                if let alias = body["alias"]?["aliasname"]?.string { names.append(alias) }
            }
            return names
        }
        for statement in statements {
            for node in statement.node.descendants() where node.nodeType == "JoinExpr" {
                guard let join = node.body else { continue }
                let kind = join["jointype"]?.string ?? "JOIN_INNER"
                if kind == "JOIN_LEFT" || kind == "JOIN_FULL", let right = join["rarg"] {
                    nullable.formUnion(relations(right))
                }
                if kind == "JOIN_RIGHT" || kind == "JOIN_FULL", let left = join["larg"] {
                    nullable.formUnion(relations(left))
                }
            }
        }
        return nullable
    }

    /// Result columns (0-based) that cannot be NULL whatever the data (``ExpressionNullability``): `count(…)`,
    /// constants, `EXISTS (…)`, `COALESCE` with such an argument, operators and listed functions of NOT NULL
    /// columns, CTE and subquery columns that are, …; `sum`, `max`, `min`, `avg`, `array_agg`, `json_agg` are
    /// NULL over no rows.
    static func nonNullAggregateColumns(
        _ sql: String, columnCount: Int? = nil, tables: [String: [String: Bool]] = [:]
    ) -> Set<Int> {
        guard case .success(let statements) = SQLGrammar.parse(sql) else { return [] }
        return nonNullAggregateColumns(statements, columnCount: columnCount, tables: tables)
    }

    /// `columnCount`: the number of result columns, which places the targets after a `*` (or `t.*`, or
    /// `sqlc.embed(t)`); without it, targets after a `*` are unsure.
    static func nonNullAggregateColumns(
        _ statements: [ParsedStatement], columnCount: Int? = nil, tables: [String: [String: Bool]] = [:]
    ) -> Set<Int> {
        guard let statement = statements.last else { return [] }
        return ExpressionNullability(tables: tables).neverNullColumns(statement, columnCount: columnCount)
    }

    /// Parameters assigned to a column: `INSERT INTO t (a) VALUES ($1)`, `UPDATE t SET a = $1`. A parameter put
    /// into a nullable column may be NULL (sqlc's rule).
    /// A table column a parameter is inserted into or assigned to, as the statement names it (`schema` only when
    /// the statement qualifies the table).
    struct AssignedColumn: Equatable {
        var schema: String?
        var table: String
        var column: String
    }

    static func assignedColumns(_ sql: String) -> [Int: AssignedColumn] {
        guard case .success(let statements) = SQLGrammar.parse(sql) else { return [:] }
        return assignedColumns(statements)
    }

    static func assignedColumns(_ statements: [ParsedStatement]) -> [Int: AssignedColumn] {
        var result: [Int: AssignedColumn] = [:]
        for statement in statements {
            for node in [statement.node] + statement.node.descendants() {
                if let insert = node["InsertStmt"], let table = insert["relation"]?["relname"]?.string,
                    let columns = insert["cols"]?.array
                {
                    let schema = insert["relation"]?["schemaname"]?.string
                    for list in insert["selectStmt"]?["SelectStmt"]?["valuesLists"]?.array ?? [] {
                        for (column, value) in zip(columns, list["List"]?["items"]?.array ?? []) {
                            if let number = value["ParamRef"]?["number"]?.int,
                                let name = column["ResTarget"]?["name"]?.string
                            {
                                result[number] =
                                    result[number] ?? AssignedColumn(schema: schema, table: table, column: name)
                            }
                        }
                    }
                }
                if let update = node["UpdateStmt"], let table = update["relation"]?["relname"]?.string {
                    let schema = update["relation"]?["schemaname"]?.string
                    for target in update["targetList"]?.array ?? [] {
                        if let number = target["ResTarget"]?["val"]?["ParamRef"]?["number"]?.int,
                            let name = target["ResTarget"]?["name"]?.string
                        {
                            result[number] =
                                result[number] ?? AssignedColumn(schema: schema, table: table, column: name)
                        }
                    }
                }
            }
        }
        return result
    }

    /// `$n` compared with a column (`email = $1`) or inserted into one (`INSERT INTO t (a, b) VALUES ($1, $2)`)
    /// gets that column's name, as sqlc derives it.
    static func derivedParameterNames(_ sql: String) -> [Int: String] {
        guard case .success(let statements) = SQLGrammar.parse(sql) else { return [:] }
        return derivedParameterNames(statements)
    }

    static func derivedParameterNames(_ statements: [ParsedStatement]) -> [Int: String] {
        var names: [Int: String] = [:]
        for statement in statements {
            for node in [statement.node] + statement.node.descendants() {
                if let select = node["SelectStmt"] {
                    if let number = select["limitCount"]?["ParamRef"]?["number"]?.int {
                        names[number] = names[number] ?? "limit"
                    }
                    if let number = select["limitOffset"]?["ParamRef"]?["number"]?.int {
                        names[number] = names[number] ?? "offset"
                    }
                }
                if let expression = node["A_Expr"] {
                    // `col = $1`, `$1 = col`, `col = $1::type`, `col::text = $1`.
                    func unwrapped(_ side: SQLNode?) -> SQLNode? {
                        var value = side
                        while let cast = value?["TypeCast"] { value = cast["arg"] }
                        return value
                    }
                    let left = unwrapped(expression["lexpr"])
                    let right = unwrapped(expression["rexpr"])
                    if let number = right?["ParamRef"]?["number"]?.int,
                        let column = left?["ColumnRef"]?["fields"]?.names.last
                    {
                        names[number] = names[number] ?? column
                    }
                    if let number = left?["ParamRef"]?["number"]?.int,
                        let column = right?["ColumnRef"]?["fields"]?.names.last
                    {
                        names[number] = names[number] ?? column
                    }
                }
                if let insert = node["InsertStmt"], let columns = insert["cols"]?.array,
                    let lists = insert["selectStmt"]?["SelectStmt"]?["valuesLists"]?.array, let first = lists.first
                {
                    for (column, value) in zip(columns, first["List"]?["items"]?.array ?? []) {
                        if let number = value["ParamRef"]?["number"]?.int,
                            let name = column["ResTarget"]?["name"]?.string
                        {
                            names[number] = names[number] ?? name
                        }
                    }
                }
            }
        }
        return names
    }
}
