import Foundation
import SkeinCore
import SkeinSQL

extension PackageAnalysis {
    /// What planning a query needs of the package: settled before any query is planned, read-only after.
    struct PlanContext: Sendable {
        var analyzer: QueryAnalyzer
        var options: CodegenConfiguration.SwiftOptions
        var tables: [TableModel]
        var enumSwiftNames: Set<String>
        var tableColumns: [String: [String]]
        var insertSafe: Set<String>
        var tablesByName: [String: TableModel]
    }

    /// One query's plan from PostgreSQL's description of it, or the problem that stops it.
    static func plan(
        _ query: AnnotatedQuery, _ result: Result<DescribedQuery, QueryDescriberError>, context: PlanContext
    ) -> Result<QueryPlan, Diagnostic> {
        let description: DescribedQuery
        switch result {
        case .failure(let rejection): return .failure(Self.error(rejection, in: query))
        case .success(let described): description = described
        }
        let statements = (try? SQLGrammar.parse(query.sql).get()) ?? []
        var analysis: AnalyzedQuery
        switch context.analyzer.analyze(query, described: description, statements: statements) {
        case .failure(let problem): return .failure(problem)
        case .success(let analyzed): analysis = analyzed
        }
        analysis.parameters = Self.uniqued(analysis.parameters)
        // A parameter put into a nullable column may be NULL.
        let assigned = QueryAnalyzer.assignedColumns(statements)
        for (position, parameter) in description.parameters.enumerated() where position < analysis.parameters.count {
            guard let target = assigned[parameter.number] else { continue }
            // An unqualified table is public's: the search path the queries are described with.
            let schema = target.schema ?? "public"
            // A column override types what goes into that column too.
            if let override = context.options.override(schema: schema, table: target.table, column: target.column) {
                analysis.parameters[position].swiftType = override.swiftType
            }
            let name = context.options.fieldName(target.column)
            let table = context.tablesByName["\(schema).\(target.table)"]
            if table?.columns.first(where: { $0.name == name })?.nullable == true {
                analysis.parameters[position].nullable = true
            }
        }
        return Self.plan(
            query, analysis, description, statements: statements, tables: context.tables,
            enumSwiftNames: context.enumSwiftNames, tableColumns: context.tableColumns
        ).map { plan in
            var plan = plan
            plan.alwaysReturnsRow =
                query.command == .one && Self.alwaysReturnsRow(statements, insertSafe: context.insertSafe)
            return plan
        }
    }

    /// Decides the row's shape and the SQL's casts.
    static func plan(
        _ query: AnnotatedQuery, _ analysis: AnalyzedQuery, _ described: DescribedQuery,
        statements: [ParsedStatement], tables: [TableModel], enumSwiftNames: Set<String>,
        tableColumns: [String: [String]] = [:]
    ) -> Result<QueryPlan, Diagnostic> {
        // Casts: where the Swift value's encoding is not PostgreSQL's parameter type.
        var casts: [Int: String] = [:]
        for (parameter, field) in zip(described.parameters, analysis.parameters) {
            guard let type = described.types[parameter.type] else { continue }
            let natural = naturalType(of: field.swiftType, enums: enumSwiftNames)
            if natural != type.typeName || type.schema != "pg_catalog" {
                casts[parameter.number] = parameter.sqlType
            }
        }
        // `*` written out as its columns (decoding is by position), then the casts.
        let expanded = StarExpansion.expand(
            query.sql, statements: statements, described: described, columns: tableColumns)
        var sql =
            casts.isEmpty
            ? expanded
            : expanded == query.sql
                ? insertCasts(casts, into: query.sql, statements: statements) : insertCasts(casts, into: expanded)
        let fields = analysis.columns
        let command = query.command
        var affectedTag: String?
        if command == .execrows || command == .execresult {
            // PostgresNIO does not hand out command tags: the statement counts its own rows.
            switch countingStatement(sql, statements: statements) {
            case .some(let (counting, tag)):
                sql = counting
                affectedTag = tag
            case .none:
                return .failure(
                    Diagnostic.codegen(
                        "execrows-statement", file: query.file, line: query.line,
                        message:
                            "\(query.name): :\(command.rawValue) needs one INSERT, UPDATE, DELETE or SELECT (its rows are counted by the statement itself, as PostgresNIO does not report command tags); use :exec for other statements"
                    ))
            }
        }
        var copyTarget: QueryPlan.CopyTarget?
        if command == .copyfrom {
            switch copyTargetOf(query, statements: statements) {
            case .success(let target): copyTarget = target
            case .failure(let problem): return .failure(problem)
            }
            // The emitter writes COPY's text form for these types only, and for one-dimensional arrays of them.
            let copyable: Set<String> = [
                "Bool", "Int16", "Int32", "Int64", "Float", "Double", "Decimal", "String", "UUID", "Date", "ByteBuffer",
            ]
            let refused = analysis.parameters.filter { parameter in
                if parameter.swiftType == .named("PostgresBitString") { return false }
                guard case .named(let name) = parameter.swiftType.element ?? parameter.swiftType else { return true }
                return !copyable.contains(name) && !enumSwiftNames.contains(name)
            }
            if !refused.isEmpty {
                return .failure(
                    Diagnostic.codegen(
                        "copyfrom", file: query.file, line: query.line,
                        message:
                            "\(query.name): :copyfrom cannot copy \(refused.map { "\($0.name) (\($0.swiftType))" }.joined(separator: ", ")): COPY's text form is written for scalar columns and one-dimensional arrays of them only; use :batchexec"
                    ))
            }
        }
        let row: QueryPlan.RowShape
        switch command {
        case .exec, .execrows, .execresult, .batchexec, .copyfrom:
            row = .none
        default:
            if fields.isEmpty {
                return .failure(
                    Diagnostic.codegen(
                        "query-returns-nothing", file: query.file, line: query.line,
                        message:
                            "\(query.name) is :\(command.rawValue) but returns no columns; use :exec (or :execrows), or add RETURNING"
                    ))
            }
            let sources = described.columns.map(\.source)
            if query.embeds.isEmpty, fields.count == 1 {
                row = .value(fields[0])
            } else if query.embeds.isEmpty,
                let table = sources.first??.tableOID,
                sources.allSatisfy({ $0?.tableOID == table }),
                let model = tables.first(where: {
                    $0.oid == table && $0.columns == fields && $0.columnNumbers == sources.map { $0?.columnNumber ?? 0 }
                })
            {
                row = .model(model)
            } else {
                row = .fields(rowFields(query, fields, sources, tables: tables))
            }
        }
        return .success(
            QueryPlan(
                query: query, analyzed: analysis, sql: sql, row: row, copyTarget: copyTarget, affectedTag: affectedTag))
    }

    /// Whether the statement is an `INSERT` that always returns its one row (``QueryPlan/alwaysReturnsRow``).
    static func alwaysReturnsRow(_ statements: [ParsedStatement], insertSafe: Set<String>) -> Bool {
        guard statements.count == 1, let insert = statements[0].node["InsertStmt"],
            !(insert["returningList"]?.array.isEmpty ?? true), insert["withClause"] == nil,
            let table = insert["relation"]?["relname"]?.string
        else { return false }
        let schema = insert["relation"]?["schemaname"]?.string ?? "public"
        guard insertSafe.contains("\(schema).\(table)") else { return false }
        if let conflict = insert["onConflictClause"]?["OnConflictClause"] ?? insert["onConflictClause"] {
            // DO UPDATE without a WHERE returns the row it inserted or updated; DO NOTHING, or a WHERE, may not.
            guard conflict["action"]?.string == "ONCONFLICT_UPDATE", conflict["whereClause"] == nil else {
                return false
            }
        }
        // DEFAULT VALUES, or exactly one VALUES row: not INSERT … SELECT, which may select nothing.
        guard let select = insert["selectStmt"]?["SelectStmt"] else { return insert["selectStmt"] == nil }
        let values = select["valuesLists"]?.array ?? []
        return values.count == 1 && select["fromClause"] == nil && select["whereClause"] == nil
    }

    /// `WITH affected AS (<DML> RETURNING 1) SELECT count(*) FROM affected` (or `SELECT count(*) FROM (<SELECT>)`),
    /// and the command tag's word (`UPDATE`, `INSERT 0`, …).
    static func countingStatement(_ sql: String) -> (String, String)? {
        guard case .success(let statements) = SQLGrammar.parse(sql) else { return nil }
        return countingStatement(sql, statements: statements)
    }

    /// `statements`: `sql` parsed (or the query's SQL before casts were added: the same statement kinds).
    static func countingStatement(_ sql: String, statements: [ParsedStatement]) -> (String, String)? {
        guard statements.count == 1 else { return nil }
        let node = statements[0].node
        let body = sql.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: ";")))
        func returning(_ statement: SQLNode?) -> String {
            (statement?["returningList"]?.array.isEmpty ?? true) ? "\n    RETURNING 1" : ""
        }
        if let insert = node["InsertStmt"] {
            return (
                "WITH skein_affected AS (\n\(body)\(returning(insert))\n)\nSELECT count(*) FROM skein_affected",
                "INSERT 0"
            )
        }
        if let update = node["UpdateStmt"] {
            return (
                "WITH skein_affected AS (\n\(body)\(returning(update))\n)\nSELECT count(*) FROM skein_affected",
                "UPDATE"
            )
        }
        if let delete = node["DeleteStmt"] {
            return (
                "WITH skein_affected AS (\n\(body)\(returning(delete))\n)\nSELECT count(*) FROM skein_affected",
                "DELETE"
            )
        }
        if node["SelectStmt"] != nil {
            return ("SELECT count(*) FROM (\n\(body)\n) AS skein_affected", "SELECT")
        }
        return nil
    }

    /// Columns grouped into embedded models where `sqlc.embed(t)` asked for them.
    static func rowFields(
        _ query: AnnotatedQuery, _ fields: [AnalyzedQuery.Field], _ sources: [DescribedQuery.SourceColumn?],
        tables: [TableModel]
    ) -> [QueryPlan.RowField] {
        var result: [QueryPlan.RowField] = []
        var embeds = query.embeds
        var index = 0
        while index < fields.count {
            if !embeds.isEmpty, let table = sources[index]?.tableOID {
                let candidates = tables.filter { model in
                    model.oid == table && index + model.columns.count <= fields.count
                        && Array(fields[index..<index + model.columns.count]) == model.columns
                        && sources[index..<index + model.columns.count].map { $0?.columnNumber ?? 0 }
                            == model.columnNumbers
                }
                if let model = candidates.first {
                    // The field is named after the model (sqlc's way), whatever the macro's argument was.
                    embeds.removeFirst()
                    result.append(.embed(name: QueryAnalyzer.memberName(model.swiftName), model: model, start: index))
                    index += model.columns.count
                    continue
                }
            }
            result.append(.column(index: index, field: fields[index]))
            index += 1
        }
        // Names stay unique across columns and embeds.
        var taken: Set<String> = []
        return result.map { field in
            switch field {
            case .column(let index, var column):
                column.name = Self.unique(column.name, taken: &taken)
                return .column(index: index, field: column)
            case .embed(let name, let model, let start):
                return .embed(name: Self.unique(name, taken: &taken), model: model, start: start)
            }
        }
    }

    /// `$n` → `($n::type)` at every place the parse tree has parameter `n`.
    static func insertCasts(_ casts: [Int: String], into sql: String) -> String {
        guard case .success(let statements) = SQLGrammar.parse(sql) else { return sql }
        return insertCasts(casts, into: sql, statements: statements)
    }

    static func insertCasts(_ casts: [Int: String], into sql: String, statements: [ParsedStatement]) -> String {
        var insertions: [(start: Int, end: Int, number: Int)] = []
        let bytes = Array(sql.utf8)
        // `$1::agent_kind` written in the query already converts the bound value: no second cast.
        var alreadyCast: Set<Int> = []
        for statement in statements {
            for node in statement.node.descendants() where node.nodeType == "TypeCast" {
                if let location = node.body?["arg"]?["ParamRef"]?["location"]?.int { alreadyCast.insert(location) }
            }
        }
        for statement in statements {
            for node in [statement.node] + statement.node.descendants() where node.nodeType == "ParamRef" {
                guard let body = node.body, let number = body["number"]?.int, casts[number] != nil,
                    let location = body["location"]?.int, location < bytes.count, bytes[location] == UInt8(ascii: "$"),
                    !alreadyCast.contains(location)
                else { continue }
                var end = location + 1
                while end < bytes.count, bytes[end] >= UInt8(ascii: "0"), bytes[end] <= UInt8(ascii: "9") { end += 1 }
                insertions.append((location, end, number))
            }
        }
        var output: [UInt8] = []
        var cursor = 0
        for insertion in insertions.sorted(by: { $0.start < $1.start }) where insertion.start >= cursor {
            output += bytes[cursor..<insertion.start]
            output +=
                Array("(".utf8) + bytes[insertion.start..<insertion.end]
                + Array("::\(casts[insertion.number] ?? "")".utf8) + Array(")".utf8)
            cursor = insertion.end
        }
        output += bytes[cursor...]
        return String(decoding: output, as: UTF8.self)
    }

    /// `INSERT INTO t (a, b) VALUES ($1, $2)`: the table and columns, for `COPY t (a, b) FROM STDIN`.
    static func copyTargetOf(
        _ query: AnnotatedQuery, statements: [ParsedStatement]
    ) -> Result<QueryPlan.CopyTarget, Diagnostic> {
        func fail(_ message: String) -> Result<QueryPlan.CopyTarget, Diagnostic> {
            .failure(
                Diagnostic.codegen(
                    "copyfrom", file: query.file, line: query.line, message: "\(query.name): \(message)"))
        }
        guard statements.count == 1, let insert = statements[0].node["InsertStmt"]
        else {
            return fail(":copyfrom needs one `INSERT INTO table (columns…) VALUES ($1, $2, …)`")
        }
        let relation = insert["relation"]
        guard let table = relation?["relname"]?.string else { return fail(":copyfrom needs a table") }
        let schema = relation?["schemaname"]?.string
        let columns = insert["cols"]?.array.compactMap { $0["ResTarget"]?["name"]?.string } ?? []
        let values = insert["selectStmt"]?["SelectStmt"]?["valuesLists"]?.array ?? []
        guard !columns.isEmpty, values.count == 1,
            let items = values[0]["List"]?["items"]?.array, items.count == columns.count,
            // A cast on a value (`@project_id::uuid`, gram's) changes nothing for COPY, which reads each value
            // as its column's type.
            items.enumerated().allSatisfy({
                ($0.element["ParamRef"] ?? $0.element["TypeCast"]?["arg"]?["ParamRef"])?["number"]?.int
                    == $0.offset + 1
            }),
            insert["returningList"]?.array.isEmpty ?? true, insert["onConflictClause"] == nil
        else {
            return fail(
                ":copyfrom needs `INSERT INTO table (a, b, …) VALUES ($1, $2, …)` with one parameter per column, in order, and no RETURNING or ON CONFLICT (COPY cannot do those)"
            )
        }
        // PostgresNIO's copyFrom quotes the table and each column as one identifier.
        if let schema, schema != "public" {
            return fail(
                ":copyfrom cannot name schema \(schema): PostgresNIO's COPY quotes the table as one name; put \(schema) on the connection's search_path and write the table unqualified"
            )
        }
        if ([table] + columns).contains(where: { $0.contains("\"") }) {
            return fail(":copyfrom: PostgresNIO's COPY cannot quote names containing a double quote")
        }
        return .success(QueryPlan.CopyTarget(table: table, columns: columns))
    }
}
