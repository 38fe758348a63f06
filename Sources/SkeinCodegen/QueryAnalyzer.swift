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
    /// The schema's composite types that have a generated struct: its Swift name by `schema.typname`.
    public var composites: [String: String] = [:]

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

    /// The subtypes a user-defined range may have (SkeinTypes' `PostgresCustomRangeBound`), by their name.
    public static let customRangeBounds: [String: String] = [
        "uuid": "UUID", "int2": "Int16", "int4": "Int32", "int8": "Int64", "float8": "Double", "text": "String",
        "varchar": "String", "timestamptz": "Date", "timestamp": "Date",
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
        "PostgresLTree", "PostgresHStore", "PostgresCustomRange",
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
        case .composite:
            guard let swift = composites["\(type.schema).\(type.typeName)"] else {
                return .failure(UnsupportedType(postgresType: type.sqlName))
            }
            return .success(swift)
        case .domain:
            guard let base = type.domainBase else { return .failure(UnsupportedType(postgresType: type.sqlName)) }
            return swiftType(base, in: types)
        case .base where type.element != nil:
            guard let element = type.element else { return .failure(UnsupportedType(postgresType: type.sqlName)) }
            guard types[element].map({ $0.kind != .range || $0.isBuiltin }) ?? true else {
                // An array of a user-defined range: its array type's OID differs per database too.
                return .failure(UnsupportedType(postgresType: type.sqlName))
            }
            return swiftType(element, in: types).map { "[\($0)]" }
        case .range where !type.isBuiltin:
            // A user-defined range (`CREATE TYPE uuidrange AS RANGE (subtype = uuid)`) of a subtype SkeinTypes reads.
            guard let subtype = type.rangeSubtype.flatMap({ types[$0] }), subtype.isBuiltin,
                let bound = Self.customRangeBounds[subtype.typeName]
            else { return .failure(UnsupportedType(postgresType: type.sqlName)) }
            return .success("PostgresCustomRange<\(bound)>")
        case .base where type.isBuiltin, .pseudo where type.typeName == "void", .range where type.isBuiltin,
            .multirange where type.isBuiltin:
            if let mapped = Self.builtinTypes[type.typeName] { return .success(mapped) }
            return .failure(UnsupportedType(postgresType: type.sqlName))
        default:
            if type.kind == .base, let mapped = Self.extensionTypes[type.typeName] { return .success(mapped) }
            return .failure(UnsupportedType(postgresType: type.sqlName))
        }
    }

    /// The composite type a parameter of type `oid` is (or holds, as an array or through a domain), by its SQL name;
    /// `record` when PostgreSQL leaves it anonymous (`WHERE p = $1`, `p` a composite column).
    static func compositeType(_ oid: UInt32, in types: [UInt32: PostgresTypeInfo]) -> String? {
        guard let type = types[oid] else { return nil }
        switch type.kind {
        case .composite: return type.sqlName
        case .pseudo where type.typeName == "record": return type.sqlName
        case .domain: return type.domainBase.flatMap { compositeType($0, in: types) }
        case .base: return type.element.flatMap { compositeType($0, in: types) }
        default: return nil
        }
    }

    /// `user_status` → `UserStatus`; characters a Swift identifier cannot hold separate words (`my-type` →
    /// `MyType`), and a leading digit gets a `_` (`2fa` → `_2fa`).
    public static func typeName(_ name: String) -> String {
        if let ascii = FastText.asciiTypeName(name) { return String(decoding: ascii, as: UTF8.self) }
        return characterTypeName(name)
    }

    /// ``typeName(_:)`` by `Character`: what the ASCII path must agree with, and the path for other names.
    static func characterTypeName(_ name: String) -> String {
        let camel = name.split(whereSeparator: { !($0.isLetter || $0.isNumber) || $0 == "_" })
            .map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        return camel.first?.isNumber == true ? "_" + camel : camel
    }

    /// `created_at` → `createdAt`; `GetUserByID` → `getUserByID`; PostgreSQL's `?column?` (an unnamed
    /// expression) → `column`.
    public static func memberName(_ name: String) -> String {
        if let ascii = FastText.asciiMemberName(name) {
            return ascii.isEmpty ? "column" : String(decoding: ascii, as: UTF8.self)
        }
        return characterMemberName(name)
    }

    /// ``memberName(_:)`` by `Character`: what the ASCII path must agree with, and the path for other names.
    static func characterMemberName(_ name: String) -> String {
        let camel = characterTypeName(name)
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
            if let composite = Self.compositeType(parameter.type, in: described.types) {
                problems.append(
                    "parameter $\(parameter.number) (\(name)): a value of the composite type \(composite) cannot be bound; bind its fields and build it in the SQL: ROW(@field1, @field2, …)::\(composite)"
                )
                continue
            }
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
        } else if let source, let dimensions = source.dimensions, dimensions > 1 {
            return .failure(
                UnsupportedType(
                    postgresType: column.sqlType,
                    multidimensional: (column: "\(source.table).\(source.column)", dimensions: dimensions)))
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

}

/// A PostgreSQL type the generated code cannot bind or decode without help.
public struct UnsupportedType: Error, Sendable, Hashable, CustomStringConvertible {
    public var postgresType: String
    /// A table column declared with several dimensions (`int[][]`): which, and how many. Its type's name is that of
    /// every array of its element (`integer[]`), so the fix is an override of the column, not of the type.
    public var multidimensionalColumn: String?
    public var dimensions = 0

    public init(postgresType: String, multidimensional: (column: String, dimensions: Int)? = nil) {
        self.postgresType = postgresType
        multidimensionalColumn = multidimensional?.column
        dimensions = multidimensional?.dimensions ?? 0
    }

    public var description: String {
        if let column = multidimensionalColumn {
            return
                "\(column) is declared with \(dimensions) dimensions and PostgresNIO decodes arrays of one (a generated [T] would fail on every such value); cast it in the query (e.g. ::text) or add a column override: `overrides: [{column: \"\(column)\", swift_type: YourType}]` (YourType: PostgresCodable)"
        }
        return
            "PostgresNIO has no Swift type for \(postgresType); cast it in the query (e.g. ::text) or add an override: `overrides: [{db_type: \"\(postgresType)\", swift_type: YourType}]` (YourType: PostgresCodable)"
    }
}
