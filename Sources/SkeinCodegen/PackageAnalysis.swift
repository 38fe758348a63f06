import Foundation
public import SkeinCore
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
    /// Per column, the built-in type OID a record's attribute is decoded as (`nil`: the field type's own), as
    /// ``CompositeModel/decodedTypes``: for a query that reads the table's row type as a value
    /// (`SELECT u FROM users u`).
    public var decodedTypes: [UInt32?] = []
}

/// A PostgreSQL enum as the models file shows it.
public struct EnumModel: Sendable, Hashable {
    public var schema: String
    public var name: String
    public var swiftName: String
    public var labels: [String]
}

/// A composite type of the schema (`CREATE TYPE address AS (street text, zip int)`), read back as a struct. Its
/// fields are optional: PostgreSQL allows NULL in any attribute of a composite type.
public struct CompositeModel: Sendable, Hashable {
    public var schema: String
    public var name: String
    public var swiftName: String
    public var fields: [AnalyzedQuery.Field]
    /// Per field, the built-in type PostgreSQL described it as (a domain's base type), to decode the field's bytes
    /// as: the record itself names a domain attribute by the domain's OID. `nil` for types whose OID is not
    /// built in (their codecs do not check it).
    public var decodedTypes: [UInt32?] = []
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
    /// The schema's composite types that can be read (every attribute has a Swift type).
    public var composites: [CompositeModel] = []
    /// Per query file (in configuration order), its queries.
    public var files: [QueryFilePlans]
    /// Things worth saying that do not stop generation (a table without a model, …).
    public var warnings: [String]

    /// Every analysed query, in file order: what `--dry-run --format json` prints.
    public var queries: [AnalyzedQuery] { files.flatMap { $0.queries.map(\.analyzed) } }
}

/// A code generation failure as SkeinCore's ``Diagnostic``s, rendered as lint and check-queries render theirs
/// (`file:line:column: error[code]: message`): every error about the user's files that generate and check-queries
/// throw (queries, schema, configuration, describe cache).
public protocol DiagnosticsConvertible: Error, CustomStringConvertible {
    var diagnostics: [Diagnostic] { get }
}

extension DiagnosticsConvertible {
    /// The diagnostics, one rendering per line.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Every problem of a package's queries, all at once.
public struct CodegenErrors: DiagnosticsConvertible, Sendable, Hashable {
    /// The problems, each at its file:line(:column), in file and line order.
    public var errors: [Diagnostic]

    public init(errors: [Diagnostic]) {
        self.errors = errors
    }

    public var diagnostics: [Diagnostic] { errors }
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
        var errors: [Diagnostic] = []
        var annotated: [(file: String, queries: [AnnotatedQuery])] = []
        var seenNames: [String: AnnotatedQuery] = [:]
        var skipped: [String] = []
        for (path, text) in queryFiles {
            let contents = QueryFileParser.read(text, file: path)
            errors += contents.errors
            skipped += contents.skipped.map(\.placedMessage)
            let queries = contents.queries
            for query in queries {
                if let earlier = seenNames[query.name], earlier.file != query.file {
                    errors.append(
                        Diagnostic.codegen(
                            "duplicate-query", file: query.file, line: query.line,
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
        // Composite types made by CREATE TYPE (not tables' row types), described as `(NULL::type).*`.
        let compositeRows = try await describer.rows(
            """
            SELECT n.nspname, t.typname
            FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
            JOIN pg_catalog.pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
            ORDER BY n.nspname = 'public' DESC, n.nspname, t.typname
            """)
        let compositeStatements = compositeRows.map { row in
            "SELECT (NULL::\(SQLIdentifier.quote(row[0] ?? "")).\(SQLIdentifier.quote(row[1] ?? ""))).*"
        }
        let insertSafe = Set(tableRows.filter { $0[3] == "t" }.map { "\($0[0] ?? "").\($0[1] ?? "")" })
        let allQueries = annotated.flatMap(\.queries)
        let tableStatements = tableRows.map { row in
            "SELECT * FROM \(SQLIdentifier.quote(row[0] ?? "")).\(SQLIdentifier.quote(row[1] ?? ""))"
        }
        let described = try await describer.describe(tableStatements + compositeStatements + allQueries.map(\.sql))
        let compositeDescriptions = Array(described[tableRows.count..<(tableRows.count + compositeRows.count)])
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
            var dimensions: [String: Int] = [:]
            for column in table.columns {
                if let source = column.source, let count = source.dimensions, count > 1 {
                    dimensions[column.name] = count
                }
            }
            if !dimensions.isEmpty {
                analyzer.dimensions["\(schema).\(name)"] = dimensions
                if analyzer.dimensions[name] == nil { analyzer.dimensions[name] = dimensions }
            }
        }
        var warnings: [String] = skipped

        let enums = enumRows.map { row in
            let schema = row[0] ?? "", name = row[1] ?? ""
            let labels = (try? JSONDecoder().decode([String].self, from: Data((row[2] ?? "[]").utf8))) ?? []
            return EnumModel(
                schema: schema, name: name, swiftName: options.typeName(schema: schema, name: name, singular: false),
                labels: labels)
        }

        // A model does not take the name of an enum, of a type the generated code uses, or of a query (a query is a
        // Swift type too, and its name is the user's API: sqlc allows a query named as a table's struct, and real
        // projects have one, so the model is the one renamed).
        let queryNames = Set(allQueries.map(\.name))
        var usedModelNames = Set(enums.map(\.swiftName)).union(Self.reservedTypeNames).union(queryNames)
        let composites = Self.composites(
            compositeRows, compositeDescriptions, analyzer: &analyzer, usedNames: &usedModelNames,
            warnings: &warnings)
        var tables: [TableModel] = []
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
                    "the model of table \(qualified) is \(swiftName), as \(taken) is taken\(queryNames.contains(taken) ? " by a query" : ""); `rename: {\(qualified): …}` names it"
                )
            }
            usedModelNames.insert(swiftName)
            tables.append(
                TableModel(
                    schema: schema, name: name, swiftName: swiftName, oid: UInt32(row[2] ?? "") ?? 0,
                    columns: Self.uniqued(fields),
                    columnNumbers: table.columns.map { $0.source?.columnNumber ?? 0 },
                    decodedTypes: table.recordDecodedTypes))
        }
        // A table's row type as a value (`SELECT u FROM users u`) is the table's model, read as a record.
        for table in tables { analyzer.composites["\(table.schema).\(table.name)"] = table.swiftName }
        // A query is a Swift type too: it cannot share a model's, an enum's or the generated code's type names.
        let typeOwners =
            Dictionary(tables.map { ($0.swiftName, "the model of table \($0.schema).\($0.name)") }) { first, _ in first
            }
            .merging(enums.map { ($0.swiftName, "the enum \($0.schema).\($0.name)") }) { first, _ in first }
            .merging(composites.map { ($0.swiftName, "the composite type \($0.schema).\($0.name)") }) { first, _ in
                first
            }
        for query in allQueries {
            let owner =
                typeOwners[query.name]
                ?? (Self.reservedTypeNames.contains(query.name) ? "a type the generated code uses" : nil)
            if let owner {
                errors.append(
                    Diagnostic.codegen(
                        "name-collision", file: query.file, line: query.line,
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
                        Diagnostic.codegen(
                            "name-collision", file: query.file, line: query.line,
                            message:
                                "query name \(query.name) becomes the method \(name)(), which Queries already has; rename the query"
                        ))
                } else if let earlier = methodOwners[name], earlier.name != query.name {
                    errors.append(
                        Diagnostic.codegen(
                            "name-collision", file: query.file, line: query.line,
                            message:
                                "query name \(query.name) and query \(earlier.name) (\(earlier.file):\(earlier.line)) both become the method \(name)() (a :many query also has a …Stream method); rename one"
                        ))
                } else {
                    methodOwners[name] = query
                }
            }
        }
        // Each query's analysis and plan depend on nothing but the query, its description and what is settled by
        // now (the analyzer, the models): spread over the cores (ParallelMap), then gathered in file order.
        let enumSwiftNames = Set(enums.map(\.swiftName))
        let context = PlanContext(
            analyzer: analyzer, options: options, tables: tables, enumSwiftNames: enumSwiftNames,
            tableColumns: tableColumns, insertSafe: insertSafe,
            tablesByName: Dictionary(tables.map { ("\($0.schema).\($0.name)", $0) }) { first, _ in first })
        let offset = tableRows.count + compositeRows.count
        let outcomes = ParallelMap.map(Array(allQueries.indices)) { index in
            Self.plan(allQueries[index], described[offset + index], context: context)
        }
        var files: [QueryFilePlans] = []
        var index = 0
        for (file, queries) in annotated {
            var plans: [QueryPlan] = []
            for _ in queries {
                switch outcomes[index] {
                case .success(let plan): plans.append(plan)
                case .failure(let problem): errors.append(problem)
                }
                index += 1
            }
            files.append(QueryFilePlans(file: file, queries: plans))
        }
        guard errors.isEmpty else {
            throw CodegenErrors(
                errors: errors.sorted {
                    ($0.location?.file ?? "", $0.location?.line ?? 0) < (
                        $1.location?.file ?? "", $1.location?.line ?? 0
                    )
                })
        }
        return PackageAnalysis(
            tables: tables, enums: enums, composites: composites, files: files, warnings: warnings)
    }

}
