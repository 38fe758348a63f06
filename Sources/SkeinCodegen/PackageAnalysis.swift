import Foundation
import SkeinCore
import SkeinSQL

/// A table (or view) of the schema as the models file shows it.
public struct TableModel: Sendable, Hashable {
    public var schema: String
    public var name: String
    /// The struct's name: the singular of the table's name in UpperCamelCase, or `rename`'s.
    public var swiftName: String
    public var oid: UInt32
    public var columns: [AnalyzedQuery.Field]
    /// `pg_attribute.attnum` of each column, in order.
    public var columnNumbers: [Int]
}

/// A PostgreSQL enum as the models file shows it.
public struct EnumModel: Sendable, Hashable {
    public var schema: String
    public var name: String
    public var swiftName: String
    public var labels: [String]
}

/// One query ready to be written out: the analysis plus what the emitter needs.
public struct QueryPlan: Sendable, Hashable {
    public enum RowShape: Sendable, Hashable {
        /// `:exec`-like commands: no row.
        case none
        /// One column: the value itself.
        case value(AnalyzedQuery.Field)
        /// Exactly one table's columns: that table's model.
        case model(TableModel)
        /// A struct of its own; embedded tables as one field each.
        case fields([RowField])
    }

    public enum RowField: Sendable, Hashable {
        /// A column at `index` of the result.
        case column(index: Int, field: AnalyzedQuery.Field)
        /// `sqlc.embed(t)`: the model's columns from `start` decoded as `model`.
        case embed(name: String, model: TableModel, start: Int)
    }

    public var query: AnnotatedQuery
    public var analyzed: AnalyzedQuery
    /// The SQL sent to PostgreSQL: the query's, with `($n::type)` where the Swift value binds as another type.
    public var sql: String
    /// What a row decodes into.
    public var row: RowShape
    /// For `:copyfrom`: the table and columns the rows are copied into.
    public var copyTarget: CopyTarget?
    /// For `:execrows` / `:execresult`: the SQL counts the rows it touched; this is the command tag's word.
    public var affectedTag: String?
    /// A `:one` that always returns its row: `INSERT … VALUES (one row) RETURNING …` into a plain table with no
    /// `BEFORE INSERT` row trigger or `INSERT` rule, without `ON CONFLICT DO NOTHING` (or a `DO UPDATE … WHERE`).
    /// Its method returns the row, not an Optional, and throws `NoRow` if PostgreSQL returns none anyway.
    public var alwaysReturnsRow = false

    public struct CopyTarget: Sendable, Hashable {
        public var table: String
        public var columns: [String]
    }
}

/// One query file's queries, ready to be written out.
public struct QueryFilePlans: Sendable, Hashable {
    /// The file, as the configuration names it.
    public var file: String
    public var queries: [QueryPlan]
}

/// Everything generated for one `sql:` package.
public struct PackageAnalysis: Sendable, Hashable {
    public var tables: [TableModel]
    public var enums: [EnumModel]
    /// Per query file (in configuration order), its queries.
    public var files: [QueryFilePlans]
    /// Things worth saying that do not stop generation (a table without a model, …).
    public var warnings: [String]

    /// Every analysed query, in file order: what `--dry-run --format json` prints.
    public var queries: [AnalyzedQuery] { files.flatMap { $0.queries.map(\.analyzed) } }
}

/// Every problem of a package's queries, all at once.
public struct CodegenErrors: Error, Sendable, Hashable, CustomStringConvertible {
    public var errors: [QueryFileError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

extension PackageAnalysis {
    /// Reads a package's query files, describes every query (and every table, for the models) on `describer`'s
    /// database, which must hold the schema already, and decides the Swift shapes.
    ///
    /// - Parameters:
    ///   - queryFiles: `(path as shown in messages, text)` in order.
    /// - Throws: ``CodegenErrors`` with every query problem at file:line; ``QueryDescriberError`` when the database
    ///   fails.
    public static func analyze(
        queryFiles: [(path: String, text: String)], options: CodegenConfiguration.SwiftOptions,
        describer: any QueryDescribing
    ) async throws -> PackageAnalysis {
        var errors: [QueryFileError] = []
        var annotated: [(file: String, queries: [AnnotatedQuery])] = []
        var seenNames: [String: AnnotatedQuery] = [:]
        var skipped: [String] = []
        for (path, text) in queryFiles {
            let contents = QueryFileParser.read(text, file: path)
            errors += contents.errors
            skipped += contents.skipped.map(\.description)
            let queries = contents.queries
            for query in queries {
                if let earlier = seenNames[query.name], earlier.file != query.file {
                    errors.append(
                        QueryFileError(
                            file: query.file, line: query.line,
                            message:
                                "query name \(query.name) is already used at \(earlier.file):\(earlier.line); names are unique in a package (they become Swift types)"
                        ))
                }
                seenNames[query.name] = query
            }
            annotated.append((path, queries))
        }
        // The schema's tables and enums, from the catalog. The fourth column says whether an INSERT into the table
        // always yields its row: a plain table with no BEFORE INSERT row trigger (tgtype: ROW 1, BEFORE 2, INSERT 4)
        // and no INSERT rule (partitioned tables and views are left out: their partitions' or INSTEAD OF triggers
        // decide).
        let tableRows = try await describer.rows(
            """
            SELECT n.nspname, c.relname, c.oid::int8,
              c.relkind = 'r'
                AND NOT EXISTS (
                  SELECT 1 FROM pg_catalog.pg_trigger t
                  WHERE t.tgrelid = c.oid AND NOT t.tgisinternal AND (t.tgtype & 7) = 7)
                AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite r WHERE r.ev_class = c.oid AND r.ev_type = '3')
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
              AND NOT c.relispartition
            ORDER BY n.nspname = 'public' DESC, n.nspname, c.relname
            """)
        let enumRows = try await describer.rows(
            """
            SELECT n.nspname, t.typname, array_to_json(array_agg(e.enumlabel ORDER BY e.enumsortorder))::text
            FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
            JOIN pg_catalog.pg_enum e ON e.enumtypid = t.oid
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
            GROUP BY n.nspname, t.typname ORDER BY n.nspname = 'public' DESC, n.nspname, t.typname
            """)
        let insertSafe = Set(tableRows.filter { $0[3] == "t" }.map { "\($0[0] ?? "").\($0[1] ?? "")" })
        let allQueries = annotated.flatMap(\.queries)
        let tableStatements = tableRows.map { row in
            "SELECT * FROM \(SQLIdentifier.quote(row[0] ?? "")).\(SQLIdentifier.quote(row[1] ?? ""))"
        }
        let described = try await describer.describe(tableStatements + allQueries.map(\.sql))
        // Every table's columns, as PostgreSQL described `SELECT * FROM` it: in order, for writing out `*`; and
        // with their NOT NULL, for proving expressions of them never NULL.
        var tableColumns: [String: [String]] = [:]
        var analyzer = QueryAnalyzer(options: options)
        for (row, result) in zip(tableRows, described.prefix(tableRows.count)) {
            guard case .success(let table) = result else { continue }
            let schema = row[0] ?? "", name = row[1] ?? ""
            tableColumns["\(schema).\(name)"] = table.columns.map(\.name)
            var columns: [String: Bool] = [:]
            for column in table.columns {
                let declared = column.source.map { table.types[$0.declaredType]?.domainNotNull ?? false } ?? false
                columns[column.name] = (column.source?.notNull ?? false) || declared
            }
            analyzer.tables["\(schema).\(name)"] = columns
            // Unqualified: the first schema's (public first, as the search path the queries are described with).
            if analyzer.tables[name] == nil { analyzer.tables[name] = columns }
        }
        var warnings: [String] = skipped

        let enums = enumRows.map { row in
            let schema = row[0] ?? "", name = row[1] ?? ""
            let labels = (try? JSONDecoder().decode([String].self, from: Data((row[2] ?? "[]").utf8))) ?? []
            return EnumModel(
                schema: schema, name: name, swiftName: options.typeName(schema: schema, name: name, singular: false),
                labels: labels)
        }

        var tables: [TableModel] = []
        // A model does not take the name of an enum or of a type the generated code uses.
        var usedModelNames = Set(enums.map(\.swiftName)).union(Self.reservedTypeNames)
        for (row, result) in zip(tableRows, described.prefix(tableRows.count)) {
            let schema = row[0] ?? "", name = row[1] ?? ""
            guard case .success(let table) = result else { continue }
            let qualified = schema == "public" ? name : "\(schema).\(name)"
            var fields: [AnalyzedQuery.Field] = []
            var problems: [String] = []
            for column in table.columns {
                switch analyzer.field(column, types: table.types) {
                case .success(let field): fields.append(field)
                case .failure(let unsupported): problems.append("column \(column.name): \(unsupported)")
                }
            }
            guard problems.isEmpty else {
                warnings.append("no model for table \(qualified): " + problems.joined(separator: "; "))
                continue
            }
            var swiftName = options.typeName(schema: schema, name: name, singular: true)
            if usedModelNames.contains(swiftName) {
                let taken = swiftName
                swiftName = QueryAnalyzer.typeName("\(schema)_\(name)")
                while usedModelNames.contains(swiftName) { swiftName += "Model" }
                warnings.append(
                    "the model of table \(qualified) is \(swiftName), as \(taken) is taken; `rename: {\(qualified): …}` names it"
                )
            }
            usedModelNames.insert(swiftName)
            tables.append(
                TableModel(
                    schema: schema, name: name, swiftName: swiftName, oid: UInt32(row[2] ?? "") ?? 0,
                    columns: Self.uniqued(fields),
                    columnNumbers: table.columns.map { $0.source?.columnNumber ?? 0 }))
        }
        // A query is a Swift type too: it cannot share a model's, an enum's or the generated code's type names.
        let typeOwners =
            Dictionary(tables.map { ($0.swiftName, "the model of table \($0.schema).\($0.name)") }) { first, _ in first
            }
            .merging(enums.map { ($0.swiftName, "the enum \($0.schema).\($0.name)") }) { first, _ in first }
        for query in allQueries {
            let owner =
                typeOwners[query.name]
                ?? (Self.reservedTypeNames.contains(query.name) ? "a type the generated code uses" : nil)
            if let owner {
                errors.append(
                    QueryFileError(
                        file: query.file, line: query.line,
                        message:
                            "query name \(query.name) is already \(owner) (queries become Swift types); rename the query"
                    ))
            }
        }
        // Queries are methods too: `ListUsers` (`:many`) has `listUsersStream()`, which a query `ListUsersStream`
        // would declare again.
        var methodOwners: [String: AnnotatedQuery] = [:]
        for query in allQueries {
            for name in SwiftEmitter.methodNames(of: query) {
                if SwiftEmitter.queriesMemberNames.contains(name) {
                    errors.append(
                        QueryFileError(
                            file: query.file, line: query.line,
                            message:
                                "query name \(query.name) becomes the method \(name)(), which Queries already has; rename the query"
                        ))
                } else if let earlier = methodOwners[name], earlier.name != query.name {
                    errors.append(
                        QueryFileError(
                            file: query.file, line: query.line,
                            message:
                                "query name \(query.name) and query \(earlier.name) (\(earlier.file):\(earlier.line)) both become the method \(name)() (a :many query also has a …Stream method); rename one"
                        ))
                } else {
                    methodOwners[name] = query
                }
            }
        }
        var files: [QueryFilePlans] = []
        var index = tableRows.count
        let enumSwiftNames = Set(enums.map(\.swiftName))
        let tablesByName = Dictionary(tables.map { ("\($0.schema).\($0.name)", $0) }) { first, _ in first }
        for (file, queries) in annotated {
            var plans: [QueryPlan] = []
            for query in queries {
                let result = described[index]
                index += 1
                switch result {
                case .failure(let rejection):
                    errors.append(Self.error(rejection, in: query))
                case .success(let description):
                    let statements = (try? SQLGrammar.parse(query.sql).get()) ?? []
                    switch analyzer.analyze(query, described: description, statements: statements) {
                    case .failure(let problem): errors.append(problem)
                    case .success(var analysis):
                        analysis.parameters = Self.uniqued(analysis.parameters)
                        // A parameter put into a nullable column may be NULL.
                        let assigned = QueryAnalyzer.assignedColumns(statements)
                        for (position, parameter) in description.parameters.enumerated()
                        where position < analysis.parameters.count {
                            guard let target = assigned[parameter.number] else { continue }
                            // An unqualified table is public's: the search path the queries are described with.
                            let schema = target.schema ?? "public"
                            // A column override types what goes into that column too.
                            if let override = options.override(
                                schema: schema, table: target.table, column: target.column)
                            {
                                analysis.parameters[position].swiftType = override.swiftType
                            }
                            let name = options.fieldName(target.column)
                            let table = tablesByName["\(schema).\(target.table)"]
                            if table?.columns.first(where: { $0.name == name })?.nullable == true {
                                analysis.parameters[position].nullable = true
                            }
                        }
                        switch Self.plan(
                            query, analysis, description, statements: statements, tables: tables,
                            enumSwiftNames: enumSwiftNames, tableColumns: tableColumns)
                        {
                        case .success(var plan):
                            plan.alwaysReturnsRow =
                                query.command == .one && Self.alwaysReturnsRow(statements, insertSafe: insertSafe)
                            plans.append(plan)
                        case .failure(let problem): errors.append(problem)
                        }
                    }
                }
            }
            files.append(QueryFilePlans(file: file, queries: plans))
        }
        guard errors.isEmpty else {
            throw CodegenErrors(errors: errors.sorted { ($0.file, $0.line) < ($1.file, $1.line) })
        }
        return PackageAnalysis(tables: tables, enums: enums, files: files, warnings: warnings)
    }

    /// Type names the generated code refers to: a model, enum or query of that name would shadow them.
    static let reservedTypeNames: Set<String> = [
        "Queries", "Querier", "CopyText", "NoRow", "Row", "Params", "Executor", "String", "Int", "Int16", "Int32",
        "Int64",
        "Float", "Double", "Bool", "Decimal", "UUID", "Date", "Calendar", "TimeZone", "ByteBuffer", "Logger", "Void",
        "Sendable", "Hashable", "Codable", "CaseIterable", "Optional", "Array", "AsyncThrowingMapSequence",
        "PostgresClient", "PostgresConnection", "PostgresRow", "PostgresRandomAccessRow", "PostgresRowSequence",
        "PostgresBindings", "PostgresDataType", "PostgresFormat", "PostgresPreparedStatement",
        "PostgresTransactionError", "PostgresDecodingError", "PostgresEncodingContext", "PostgresDecodingContext",
        "PostgresJSONEncoder", "PostgresJSONDecoder", "PostgresNonThrowingEncodable", "PostgresDecodable",
        "PostgresArrayEncodable", "PostgresArrayDecodable",
    ]

    /// A rejected query at its file:line (the line of PostgreSQL's position when it gave one).
    static func error(_ rejection: QueryDescriberError, in query: AnnotatedQuery) -> QueryFileError {
        var line = rejection.line(in: query.sql, startingAt: query.sqlLine)
        var column: Int?
        // PostgreSQL's position in the rewritten SQL, back to the file's line:column (as lint reports).
        if let position = rejection.position, let location = query.location(ofPosition: position) {
            (line, column) = (location.line, location.column)
        }
        var message = "\(query.name): \(rejection.message)"
        if let sqlState = rejection.sqlState { message += " (SQLSTATE \(sqlState))" }
        if let hint = rejection.hint { message += "; hint: \(hint)" }
        return QueryFileError(file: query.file, line: line, column: column, message: message)
    }

    /// A second `id` becomes `id2`, a third `id3` (sqlc: `id_2`); by position, so that two equal fields (`id >= $1
    /// AND id <= $2`) get two names.
    static func uniqued(_ fields: [AnalyzedQuery.Field]) -> [AnalyzedQuery.Field] {
        var taken: Set<String> = []
        return fields.map { field in
            var copy = field
            copy.name = unique(field.name, taken: &taken)
            return copy
        }
    }

    /// `name`, or `name2`, `name3`, … the first one not `taken`; the result is added to `taken`.
    static func unique(_ name: String, taken: inout Set<String>) -> String {
        var candidate = name
        var count = 1
        while taken.contains(candidate) {
            count += 1
            candidate = name + String(count)
        }
        taken.insert(candidate)
        return candidate
    }

    /// sqlc's singular for a model's name: `users` → `user`, `categories` → `category`, `addresses` → `address`.
    static func singular(_ name: String) -> String {
        let lower = name.lowercased()
        for keep in ["status", "series", "news", "data", "metadata", "analysis", "species"] where lower.hasSuffix(keep)
        {
            return name
        }
        if lower.hasSuffix("ies"), name.count > 3 { return String(name.dropLast(3)) + "y" }
        for ending in ["sses", "shes", "ches", "xes", "zes", "uses"] where lower.hasSuffix(ending) {
            return String(name.dropLast(2))
        }
        if lower.hasSuffix("s"), !lower.hasSuffix("ss"), !lower.hasSuffix("us"), !lower.hasSuffix("is"), name.count > 1
        {
            return String(name.dropLast())
        }
        return name
    }

    /// The PostgreSQL type (`pg_type.typname`) a Swift type binds as, for the types the analysis maps; `nil` for
    /// an override (its `psqlType` decides, so the query casts to PostgreSQL's type).
    static func naturalType(of swift: String, enums: Set<String>) -> String? {
        let scalars: [String: String] = [
            "Bool": "bool", "Int16": "int2", "Int32": "int4", "Int64": "int8", "Float": "float4", "Double": "float8",
            "Decimal": "numeric", "String": "text", "UUID": "uuid", "Date": "timestamptz", "ByteBuffer": "bytea",
            "UInt8": "char", "PostgresInterval": "interval", "PostgresINET": "inet", "PostgresMoney": "money",
            "PostgresBitString": "varbit", "PostgresOID": "oid", "PostgresLSN": "pg_lsn", "PostgresXML": "xml",
            "PostgresMACAddress": "macaddr", "PostgresMACAddress8": "macaddr8", "PostgresTime": "time",
            "PostgresTimeTZ": "timetz", "PostgresJSONPath": "jsonpath", "PostgresPoint": "point",
            "PostgresLineSegment": "lseg", "PostgresBox": "box", "PostgresPath": "path", "PostgresPolygon": "polygon",
            "PostgresLine": "line", "PostgresCircle": "circle", "PostgresInt4Range": "int4range",
            "PostgresInt8Range": "int8range", "PostgresNumRange": "numrange", "PostgresTimestampRange": "tsrange",
            "PostgresTimestampTZRange": "tstzrange", "PostgresDateRange": "daterange",
            "PostgresInt4Multirange": "int4multirange", "PostgresInt8Multirange": "int8multirange",
            "PostgresNumMultirange": "nummultirange", "PostgresTimestampMultirange": "tsmultirange",
            "PostgresTimestampTZMultirange": "tstzmultirange", "PostgresDateMultirange": "datemultirange",
            "PostgresTSVector": "tsvector", "PostgresTSQuery": "tsquery",
        ]
        if swift.hasPrefix("["), swift.hasSuffix("]") {
            return naturalType(of: String(swift.dropFirst().dropLast()), enums: enums).map { "_" + $0 }
        }
        if enums.contains(swift) { return "text" }
        return scalars[swift]
    }

    /// Decides the row's shape and the SQL's casts.
    static func plan(
        _ query: AnnotatedQuery, _ analysis: AnalyzedQuery, _ described: DescribedQuery,
        statements: [ParsedStatement], tables: [TableModel], enumSwiftNames: Set<String>,
        tableColumns: [String: [String]] = [:]
    ) -> Result<QueryPlan, QueryFileError> {
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
                    QueryFileError(
                        file: query.file, line: query.line,
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
            // The emitter writes COPY's text form for these types only.
            let copyable: Set<String> = [
                "Bool", "Int16", "Int32", "Int64", "Float", "Double", "Decimal", "String", "UUID", "Date", "ByteBuffer",
            ]
            let refused = analysis.parameters.filter {
                !copyable.contains($0.swiftType) && !enumSwiftNames.contains($0.swiftType)
            }
            if !refused.isEmpty {
                return .failure(
                    QueryFileError(
                        file: query.file, line: query.line,
                        message:
                            "\(query.name): :copyfrom cannot copy \(refused.map { "\($0.name) (\($0.swiftType))" }.joined(separator: ", ")): COPY's text form is written for scalar columns only; use :batchexec"
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
                    QueryFileError(
                        file: query.file, line: query.line,
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
    ) -> Result<QueryPlan.CopyTarget, QueryFileError> {
        func fail(_ message: String) -> Result<QueryPlan.CopyTarget, QueryFileError> {
            .failure(QueryFileError(file: query.file, line: query.line, message: "\(query.name): \(message)"))
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
            items.enumerated().allSatisfy({ $0.element["ParamRef"]?["number"]?.int == $0.offset + 1 }),
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
