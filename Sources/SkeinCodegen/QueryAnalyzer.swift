import Foundation
public import SkeinCore
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
        public var swiftType: SwiftType
        public var nullable: Bool
        /// The type comes from the query itself (`AS "col: SwiftType"`): like a `column:` override, the generator
        /// cannot know its conformances.
        public var typedInline = false
        /// An array of a domain (`score[]`), typed `[Int32]` for its base type: the binary array names the domain,
        /// which PostgresNIO's `[Int32]` refuses, so the generated code reads it through SkeinTypes'
        /// `PostgresDomainArray` and keeps its elements.
        public var domainArray = false

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
    /// The schema's columns declared with several dimensions (`grid int[][]`: 2), by table (`relname` and
    /// `schema.relname`) and column: a parameter assigned to one binds a ``SwiftType`` of SkeinTypes'
    /// `PostgresMultiArray`.
    public var dimensions: [String: [String: Int]] = [:]
    /// The schema's composite types that have a generated struct: its Swift name by `schema.typname`.
    public var composites: [String: String] = [:]

    public init(options: CodegenConfiguration.SwiftOptions) {
        self.options = options
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
    public func analyze(_ query: AnnotatedQuery, described: DescribedQuery) -> Result<AnalyzedQuery, Diagnostic> {
        let statements = (try? SQLGrammar.parse(query.sql).get()) ?? []
        return analyze(query, described: described, statements: statements)
    }

    /// As ``analyze(_:described:)``, with the query's SQL already parsed.
    func analyze(
        _ query: AnnotatedQuery, described: DescribedQuery, statements: [ParsedStatement]
    ) -> Result<AnalyzedQuery, Diagnostic> {
        let nullableTables = Self.nullableTables(statements)
        let counts = Self.nonNullAggregateColumns(
            statements, columnCount: described.columns.count, tables: tables)
        var problems: [String] = []
        var parameters: [AnalyzedQuery.Field] = []
        var derived = Self.derivedParameterNames(statements)
        let assigned = Self.assignedColumns(statements)
        for (number, target) in assigned where derived[number] == nil {
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
            // A value for a column declared `int[][]`: as many dimensions as the column's values have.
            if let target = assigned[parameter.number],
                dimensions[target.schema.map { "\($0).\(target.table)" } ?? target.table]?[target.column] != nil,
                let swift = multidimensionalType(parameter.type, in: described.types)
            {
                parameters.append(
                    AnalyzedQuery.Field(
                        name: options.fieldName(name), postgresType: parameter.sqlType, swiftType: swift,
                        nullable: annotation?.kind == .nullable))
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
                if field.swiftType == .named("PostgresVoid") { field.nullable = false }
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
                Diagnostic.codegen(
                    "query-types", file: query.file, line: query.line,
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
        var swiftType: SwiftType?

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
                swiftType = type.isEmpty ? nil : SwiftType(parsing: type)
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
        let swift: SwiftType
        var readsDomainArray = false
        if let source,
            let override = options.override(schema: source.schema, table: source.table, column: source.column)
        {
            swift = override.swiftType
        } else if let source, let dimensions = source.dimensions, dimensions > 1 {
            guard let multidimensional = multidimensionalType(source.declaredType, in: types) else {
                return .failure(
                    UnsupportedType(
                        postgresType: column.sqlType,
                        multidimensional: (column: "\(source.table).\(source.column)", dimensions: dimensions)))
            }
            swift = multidimensional
        } else {
            switch swiftType(source?.declaredType ?? column.type, in: types) {
            case .success(let mapped): swift = mapped
            case .failure(let unsupported): return .failure(unsupported)
            }
            switch domainArray(source?.declaredType ?? column.type, swift, in: types) {
            case .none: break
            case .readable: readsDomainArray = true
            case .unreadable(let domain):
                return .failure(UnsupportedType(postgresType: column.sqlType, domainArray: domain))
            }
        }
        let notNull = source.map { $0.notNull || (types[$0.declaredType]?.domainNotNull ?? false) } ?? false
        var field = AnalyzedQuery.Field(
            name: options.fieldName(column.name), postgresType: column.sqlType, swiftType: swift, nullable: !notNull)
        field.domainArray = readsDomainArray
        return .success(field)
    }

}

/// A PostgreSQL type the generated code cannot bind or decode without help.
public struct UnsupportedType: Error, Sendable, Hashable, CustomStringConvertible {
    public var postgresType: String
    /// A table column declared with several dimensions (`int[][]`): which, and how many. Its type's name is that of
    /// every array of its element (`integer[]`), so the fix is an override of the column, not of the type.
    public var multidimensionalColumn: String?
    public var dimensions = 0
    /// An array of a domain whose base type's values the generated Swift type cannot read under the domain's OID.
    public var domainArray: DomainArray?

    /// A domain (by its SQL name) and its base type.
    public struct DomainArray: Sendable, Hashable {
        public var domain: String
        public var base: String
    }

    public init(
        postgresType: String, multidimensional: (column: String, dimensions: Int)? = nil,
        domainArray: DomainArray? = nil
    ) {
        self.postgresType = postgresType
        multidimensionalColumn = multidimensional?.column
        dimensions = multidimensional?.dimensions ?? 0
        self.domainArray = domainArray
    }

    public var description: String {
        if let domainArray {
            let domain = domainArray.domain, base = domainArray.base
            return
                "\(postgresType) is an array of the domain \(domain) over \(base): PostgreSQL's binary array names the domain, and the generated code reads that only for domains over \(QueryAnalyzer.domainArrayBaseList) and enums; cast it in the query (e.g. ::\(base)[]) or add an override: `overrides: [{db_type: \"\(domain)\", swift_type: YourType}]` (YourType: PostgresArrayDecodable, decoding the domain's OID)"
        }
        if let column = multidimensionalColumn {
            return
                "\(column) is declared with \(dimensions) dimensions and SkeinTypes' PostgresMultiArray holds built-in element types only (a generated [T] would fail on every such value); cast it in the query (e.g. ::text) or add a column override: `overrides: [{column: \"\(column)\", swift_type: YourType}]` (YourType: PostgresCodable)"
        }
        return
            "PostgresNIO has no Swift type for \(postgresType); cast it in the query (e.g. ::text) or add an override: `overrides: [{db_type: \"\(postgresType)\", swift_type: YourType}]` (YourType: PostgresCodable)"
    }
}
