import Foundation
import SkeinSQL

/// A query with the types PostgreSQL reported and the Swift types the generated code will use — what
/// `skein generate --dry-run --format json` prints.
public struct AnalyzedQuery: Sendable, Hashable, Codable {
    /// One parameter or result column.
    public struct Field: Sendable, Hashable, Codable {
        public var name: String
        /// As PostgreSQL names it (`format_type`): `integer`, `character varying(40)`, `public.mood`.
        public var postgresType: String
        /// The Swift type, without the `?` of a nullable field.
        public var swiftType: String
        public var nullable: Bool
        /// The type comes from the query itself (`AS "col: SwiftType"`): like a `column:` override, the generator
        /// cannot know its conformances.
        public var typedInline = false

        enum CodingKeys: String, CodingKey { case name, postgresType, swiftType, nullable }
    }

    public var name: String
    public var command: String
    public var file: String
    public var line: Int
    public var parameters: [Field]
    public var columns: [Field]
}

/// PostgreSQL types to Swift types PostgresNIO can bind and decode, and the nullability the catalog and the query's
/// shape allow. When unsure, a column is optional.
public struct QueryAnalyzer: Sendable {
    public var options: CodegenConfiguration.SwiftOptions
    /// The schema's tables: each column and whether it is NOT NULL (a NOT NULL domain counts), by `relname` and
    /// `schema.relname`, for proving expressions of those columns never NULL (``ExpressionNullability``).
    public var tables: [String: [String: Bool]] = [:]

    public init(options: CodegenConfiguration.SwiftOptions) {
        self.options = options
    }

    /// Built-in types by `pg_type.typname`.
    public static let builtinTypes: [String: String] = [
        "bool": "Bool", "int2": "Int16", "int4": "Int32", "int8": "Int64", "float4": "Float", "float8": "Double",
        "numeric": "Decimal", "text": "String", "varchar": "String", "bpchar": "String", "name": "String",
        "uuid": "UUID", "timestamptz": "Date", "timestamp": "Date", "date": "Date", "bytea": "ByteBuffer",
        "json": "String", "jsonb": "String", "char": "UInt8",
        // The SkeinTypes runtime's codecs (PostgresNIO has none): generated files that use one import SkeinTypes.
        "interval": "PostgresInterval", "inet": "PostgresINET", "cidr": "PostgresINET",
        "macaddr": "PostgresMACAddress", "macaddr8": "PostgresMACAddress8", "money": "PostgresMoney",
        "bit": "PostgresBitString", "varbit": "PostgresBitString", "pg_lsn": "PostgresLSN", "xml": "PostgresXML",
        "oid": "PostgresOID", "regproc": "PostgresOID", "regprocedure": "PostgresOID", "regoper": "PostgresOID",
        "regoperator": "PostgresOID", "regclass": "PostgresOID", "regtype": "PostgresOID",
        "regconfig": "PostgresOID", "regdictionary": "PostgresOID", "regnamespace": "PostgresOID",
        "regrole": "PostgresOID", "regcollation": "PostgresOID", "void": "PostgresVoid",
        "time": "PostgresTime", "timetz": "PostgresTimeTZ", "jsonpath": "PostgresJSONPath",
        "point": "PostgresPoint", "lseg": "PostgresLineSegment", "box": "PostgresBox", "path": "PostgresPath",
        "polygon": "PostgresPolygon", "line": "PostgresLine", "circle": "PostgresCircle",
        "int4range": "PostgresInt4Range", "int8range": "PostgresInt8Range", "numrange": "PostgresNumRange",
        "tsrange": "PostgresTimestampRange", "tstzrange": "PostgresTimestampTZRange", "daterange": "PostgresDateRange",
        "int4multirange": "PostgresInt4Multirange", "int8multirange": "PostgresInt8Multirange",
        "nummultirange": "PostgresNumMultirange", "tsmultirange": "PostgresTimestampMultirange",
        "tstzmultirange": "PostgresTimestampTZMultirange", "datemultirange": "PostgresDateMultirange",
        "tsvector": "PostgresTSVector", "tsquery": "PostgresTSQuery",
    ]

    /// Types of PostgreSQL's contrib extensions, by name in whatever schema the extension was created in (their OIDs
    /// differ per database: values bind as text, cast in the SQL).
    public static let extensionTypes: [String: String] = [
        "citext": "String", "ltree": "PostgresLTree", "lquery": "PostgresLTree", "ltxtquery": "PostgresLTree",
        "hstore": "PostgresHStore",
    ]

    /// The Swift types of the SkeinTypes runtime module.
    public static let runtimeTypes: Set<String> = [
        "PostgresInterval", "PostgresINET", "PostgresMACAddress", "PostgresMACAddress8", "PostgresMoney",
        "PostgresBitString",
        "PostgresLSN", "PostgresXML", "PostgresOID", "PostgresVoid", "PostgresTime", "PostgresTimeTZ",
        "PostgresJSONPath", "PostgresPoint", "PostgresLineSegment", "PostgresBox", "PostgresPath", "PostgresPolygon",
        "PostgresLine", "PostgresCircle", "PostgresInt4Range", "PostgresInt8Range", "PostgresNumRange",
        "PostgresTimestampRange", "PostgresTimestampTZRange", "PostgresDateRange", "PostgresInt4Multirange",
        "PostgresInt8Multirange", "PostgresNumMultirange", "PostgresTimestampMultirange",
        "PostgresTimestampTZMultirange", "PostgresDateMultirange", "PostgresTSVector", "PostgresTSQuery",
        "PostgresLTree", "PostgresHStore",
    ]

    /// The Swift type for a PostgreSQL type, or why there is none.
    public func swiftType(_ oid: UInt32, in types: [UInt32: PostgresTypeInfo]) -> Result<String, UnsupportedType> {
        guard let type = types[oid] else { return .failure(UnsupportedType(postgresType: "oid \(oid)")) }
        for override in options.overrides {
            guard let databaseType = override.databaseType else { continue }
            // sqlc 1.29+ spells built-in types `pg_catalog.json`; 1.25 and PostgreSQL's own names plain `json`.
            if databaseType == type.typeName || databaseType == type.sqlName || databaseType == type.name
                || databaseType == "\(type.schema).\(type.typeName)"
            {
                return .success(override.swiftType)
            }
        }
        switch type.kind {
        case .enumeration:
            return .success(options.typeName(schema: type.schema, name: type.typeName, singular: false))
        case .domain:
            guard let base = type.domainBase else { return .failure(UnsupportedType(postgresType: type.sqlName)) }
            return swiftType(base, in: types)
        case .base where type.element != nil:
            guard let element = type.element else { return .failure(UnsupportedType(postgresType: type.sqlName)) }
            return swiftType(element, in: types).map { "[\($0)]" }
        case .base where type.isBuiltin, .pseudo where type.typeName == "void", .range where type.isBuiltin,
            .multirange where type.isBuiltin:
            if let mapped = Self.builtinTypes[type.typeName] { return .success(mapped) }
            return .failure(UnsupportedType(postgresType: type.sqlName))
        default:
            if type.kind == .base, let mapped = Self.extensionTypes[type.typeName] { return .success(mapped) }
            return .failure(UnsupportedType(postgresType: type.sqlName))
        }
    }

    /// `user_status` → `UserStatus`; characters a Swift identifier cannot hold separate words (`my-type` →
    /// `MyType`), and a leading digit gets a `_` (`2fa` → `_2fa`).
    public static func typeName(_ name: String) -> String {
        let camel = name.split(whereSeparator: { !($0.isLetter || $0.isNumber) || $0 == "_" })
            .map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        return camel.first?.isNumber == true ? "_" + camel : camel
    }

    /// `created_at` → `createdAt`; `GetUserByID` → `getUserByID`; PostgreSQL's `?column?` (an unnamed
    /// expression) → `column`.
    public static func memberName(_ name: String) -> String {
        let camel = typeName(name)
        guard let first = camel.first else { return "column" }
        var prefixLength = 1
        // Lower a leading acronym too (`ID` → `id`, `URLPath` → `urlPath`).
        let scalars = Array(camel)
        while prefixLength < scalars.count, scalars[prefixLength].isUppercase,
            prefixLength + 1 == scalars.count || scalars[prefixLength + 1].isUppercase
        {
            prefixLength += 1
        }
        return first.isUppercase
            ? String(scalars[0..<prefixLength]).lowercased() + String(scalars[prefixLength...]) : camel
    }

    /// Joins a query's annotations with what PostgreSQL reported.
    public func analyze(_ query: AnnotatedQuery, described: DescribedQuery) -> Result<AnalyzedQuery, QueryFileError> {
        let statements = (try? SQLGrammar.parse(query.sql).get()) ?? []
        return analyze(query, described: described, statements: statements)
    }

    /// As ``analyze(_:described:)``, with the query's SQL already parsed.
    func analyze(
        _ query: AnnotatedQuery, described: DescribedQuery, statements: [ParsedStatement]
    ) -> Result<AnalyzedQuery, QueryFileError> {
        let nullableTables = Self.nullableTables(statements)
        let counts = Self.nonNullAggregateColumns(
            statements, columnCount: described.columns.count, tables: tables)
        var problems: [String] = []
        var parameters: [AnalyzedQuery.Field] = []
        var derived = Self.derivedParameterNames(statements)
        for (number, target) in Self.assignedColumns(statements) where derived[number] == nil {
            derived[number] = target.column
        }
        for parameter in described.parameters {
            let annotation = query.parameters.first { $0.number == parameter.number }
            let name = annotation?.name ?? derived[parameter.number] ?? "p\(parameter.number)"
            switch swiftType(parameter.type, in: described.types) {
            case .success(let swift):
                parameters.append(
                    AnalyzedQuery.Field(
                        name: options.fieldName(name), postgresType: parameter.sqlType,
                        swiftType: swift,
                        nullable: annotation?.kind == .nullable))
            case .failure(let unsupported):
                problems.append("parameter $\(parameter.number) (\(name)): \(unsupported)")
            }
        }
        var columns: [AnalyzedQuery.Field] = []
        // Which range-table entry each output column comes from, where the select list says (`p.name`): a
        // self-join's preserved side stays non-optional (`FROM authors a LEFT JOIN authors p`).
        let qualifiers = Self.columnQualifiers(statements, columnCount: described.columns.count)
        let nullableEntries = Self.nullableEntries(statements)
        // ROLLUP, CUBE and GROUPING SETS put NULL in the grouped columns of their subtotal rows.
        let groupingSets = statements.last.map { ExpressionNullability.hasGroupingSets($0.body) } ?? false
        for (index, column) in described.columns.enumerated() {
            let inline = InlineOverride(column.name)
            if let type = inline.swiftType {
                // `AS "col: SwiftType"`: the query names the type; nullability as inferred unless it says `?`/`!`.
                var field = AnalyzedQuery.Field(
                    name: options.fieldName(inline.name), postgresType: column.sqlType, swiftType: type,
                    nullable: true, typedInline: true)
                let inferred = self.field(column, types: described.types)
                if case .success(let known) = inferred { field.nullable = known.nullable }
                if column.source == nil { field.nullable = !counts.contains(index) }
                if let source = column.source,
                    qualifiers?[index].map({ nullableEntries.contains($0) }) ?? nullableTables.contains(source.table)
                {
                    field.nullable = true
                }
                if column.source != nil && groupingSets { field.nullable = true }
                field.nullable = inline.nullability ?? field.nullable
                columns.append(field)
                continue
            }
            switch field(column, types: described.types) {
            case .success(var field):
                // The catalog's answer, corrected by the query's shape.
                if let source = column.source {
                    let outerJoined =
                        qualifiers?[index].map { nullableEntries.contains($0) } ?? nullableTables.contains(source.table)
                    field.nullable = field.nullable || outerJoined || groupingSets
                } else {
                    field.nullable = !counts.contains(index)
                }
                // A `void` result is never NULL: it is the call having happened.
                if field.swiftType == "PostgresVoid" { field.nullable = false }
                // `AS "col!"` / `AS "col?"`: the query's author knows better (sqlx's and pgtyped's spelling).
                field.name = options.fieldName(inline.name)
                field.nullable = inline.nullability ?? field.nullable
                columns.append(field)
            case .failure(let unsupported):
                problems.append("column \(column.name): \(unsupported)")
            }
        }
        guard problems.isEmpty else {
            return .failure(
                QueryFileError(
                    file: query.file, line: query.line,
                    message: "\(query.name): " + problems.joined(separator: "; ")))
        }
        return .success(
            AnalyzedQuery(
                name: query.name, command: query.command.rawValue, file: query.file, line: query.line,
                parameters: parameters, columns: columns))
    }

    /// A result column's name with sqlx's inline overrides read off it: `col!` (never NULL), `col?` (may be NULL),
    /// `col: SwiftType` (that type; `SwiftType?` also nullable). Quote the alias so PostgreSQL keeps it:
    /// `SELECT max(id) AS "max_id!" …`.
    struct InlineOverride: Equatable {
        var name: String
        var nullability: Bool?
        var swiftType: String?

        init(_ column: String) {
            name = column
            if let colon = column.firstIndex(of: ":") {
                name = column[..<colon].trimmingCharacters(in: .whitespaces)
                var type = column[column.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                if type.hasSuffix("?") {
                    nullability = true
                    type.removeLast()
                } else if type.hasSuffix("!") {
                    nullability = false
                    type.removeLast()
                }
                swiftType = type.isEmpty ? nil : type
            } else if column.count > 1, column.hasSuffix("!") {
                name = String(column.dropLast())
                nullability = false
            } else if column.count > 1, column.hasSuffix("?") {
                name = String(column.dropLast())
                nullability = true
            }
        }
    }

    /// A result column as the catalog sees it: its Swift type (a `column:` override, else its declared type's) and
    /// whether it can be NULL (its table's `NOT NULL` or a `NOT NULL` domain; a column without a source can).
    func field(
        _ column: DescribedQuery.Column, types: [UInt32: PostgresTypeInfo]
    ) -> Result<AnalyzedQuery.Field, UnsupportedType> {
        let source = column.source
        let swift: String
        if let source,
            let override = options.override(schema: source.schema, table: source.table, column: source.column)
        {
            swift = override.swiftType
        } else {
            switch swiftType(source?.declaredType ?? column.type, in: types) {
            case .success(let mapped): swift = mapped
            case .failure(let unsupported): return .failure(unsupported)
            }
        }
        let notNull = source.map { $0.notNull || (types[$0.declaredType]?.domainNotNull ?? false) } ?? false
        return .success(
            AnalyzedQuery.Field(
                name: options.fieldName(column.name), postgresType: column.sqlType, swiftType: swift,
                nullable: !notNull))
    }

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

/// A PostgreSQL type the generated code cannot bind or decode without help.
public struct UnsupportedType: Error, Sendable, Hashable, CustomStringConvertible {
    public var postgresType: String

    public var description: String {
        "PostgresNIO has no Swift type for \(postgresType); cast it in the query (e.g. ::text) or add an override: `overrides: [{db_type: \"\(postgresType)\", swift_type: YourType}]` (YourType: PostgresCodable)"
    }
}
