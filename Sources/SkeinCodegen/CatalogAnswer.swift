import Foundation

/// The catalog facts for a batch of described statements, read with one query (``query``) that returns one JSON
/// document: every type mentioned and every type those mention, `format_type` for each (type, modifier) pair, and
/// the table columns results come from.
struct CatalogAnswer: Sendable {
    struct TypeAndModifier: Hashable, Codable {
        var type: UInt32
        var modifier: Int32
    }

    struct ColumnReference: Hashable, Codable {
        var table: UInt32
        var number: Int16
    }

    private var types: [UInt32: PostgresTypeInfo] = [:]
    private var formatted: [TypeAndModifier: String] = [:]
    private var sources: [ColumnReference: DescribedQuery.SourceColumn] = [:]

    init() {}

    /// Reads the JSON document ``query`` returns.
    init(json: Data) throws {
        let document = try JSONDecoder().decode(Document.self, from: json)
        for type in document.types {
            types[type.oid] = PostgresTypeInfo(
                oid: type.oid, schema: type.schema, typeName: type.typeName, sqlName: type.sqlName,
                kind: PostgresTypeInfo.Kind(rawValue: type.kind) ?? .pseudo, category: type.category,
                element: type.element, enumLabels: type.enumLabels ?? [], domainBase: type.domainBase,
                domainBaseTypeModifier: type.domainBase == nil ? nil : type.domainBaseTypeModifier,
                domainNotNull: type.domainNotNull, rangeSubtype: type.rangeSubtype,
                attributes: (type.attributes ?? []).map {
                    PostgresTypeInfo.Attribute(
                        name: $0.name, type: $0.type, typeModifier: $0.typeModifier, sqlType: $0.sqlType,
                        notNull: $0.notNull)
                })
        }
        for entry in document.formatted {
            formatted[TypeAndModifier(type: entry.type, modifier: entry.modifier)] = entry.sqlType
        }
        for column in document.columns {
            sources[ColumnReference(table: column.table, number: column.number)] = DescribedQuery.SourceColumn(
                tableOID: column.table, columnNumber: Int(column.number), schema: column.schema,
                table: column.tableName,
                column: column.column, notNull: column.notNull, declaredType: column.type,
                declaredTypeModifier: column.typeModifier, dimensions: column.dimensions)
        }
    }

    /// Joins one statement's raw description with the catalog facts.
    func resolve(_ raw: QueryDescriber.RawDescription, sql: String) -> DescribedQuery {
        let parameters = raw.parameterTypes.enumerated().map { index, type in
            DescribedQuery.Parameter(
                number: index + 1, type: type,
                sqlType: formatted[TypeAndModifier(type: type, modifier: -1)] ?? types[type]?.sqlName ?? "\(type)")
        }
        let columns = raw.columns.map { column in
            DescribedQuery.Column(
                name: column.name, type: column.type, typeModifier: column.typeModifier,
                sqlType: formatted[TypeAndModifier(type: column.type, modifier: column.typeModifier)]
                    ?? types[column.type]?.sqlName ?? "\(column.type)",
                source: column.table == 0
                    ? nil : sources[ColumnReference(table: column.table, number: Int16(clamping: column.columnNumber))]
            )
        }
        var mentioned: [UInt32: PostgresTypeInfo] = [:]
        var pending = raw.parameterTypes + raw.columns.map(\.type) + columns.compactMap(\.source?.declaredType)
        while let oid = pending.popLast() {
            guard mentioned[oid] == nil, let type = types[oid] else { continue }
            mentioned[oid] = type
            pending += [type.element, type.domainBase, type.rangeSubtype].compactMap { $0 }
            pending += type.attributes.map(\.type)
        }
        return DescribedQuery(sql: sql, parameters: parameters, columns: columns, types: mentioned)
    }

    // MARK: - The query and its JSON

    /// `$1` the type OIDs, `$2`/`$3` (type, modifier) pairs to format, `$4`/`$5` (table OID, attribute number) pairs
    /// (whose declared types are read too). The recursive part follows array elements, domain bases, composite attributes and range subtypes.
    static let query = """
        WITH RECURSIVE wanted(oid) AS (
            SELECT unnest($1::pg_catalog.oid[])
          UNION
            SELECT a.atttypid
            FROM unnest($4::pg_catalog.oid[], $5::int2[]) AS s(tbl, num)
            JOIN pg_catalog.pg_attribute a ON a.attrelid = s.tbl AND a.attnum = s.num
          UNION
            SELECT related.oid
            FROM wanted
            JOIN pg_catalog.pg_type t ON t.oid = wanted.oid
            CROSS JOIN LATERAL (
                SELECT t.typelem WHERE t.typtype = 'b' AND t.typcategory = 'A' AND t.typelem <> 0
                UNION ALL SELECT t.typbasetype WHERE t.typtype = 'd'
                UNION ALL SELECT a.atttypid FROM pg_catalog.pg_attribute a
                    WHERE t.typtype = 'c' AND a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
                UNION ALL SELECT r.rngsubtype FROM pg_catalog.pg_range r WHERE r.rngtypid = t.oid
                UNION ALL SELECT r.rngtypid FROM pg_catalog.pg_range r WHERE r.rngmultitypid = t.oid
            ) AS related(oid)
        )
        SELECT pg_catalog.json_build_object(
            'types', COALESCE((
                SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
                    'oid', t.oid::int8,
                    'schema', n.nspname,
                    'typeName', t.typname,
                    'sqlName', pg_catalog.format_type(t.oid, NULL),
                    'kind', t.typtype,
                    'category', t.typcategory,
                    'element', CASE WHEN t.typtype = 'b' AND t.typcategory = 'A' THEN NULLIF(t.typelem, 0)::int8 END,
                    'domainBase', NULLIF(t.typbasetype, 0)::int8,
                    'domainBaseTypeModifier', t.typtypmod,
                    'domainNotNull', t.typnotnull,
                    'rangeSubtype', COALESCE(
                        (SELECT r.rngsubtype::int8 FROM pg_catalog.pg_range r WHERE r.rngtypid = t.oid),
                        (SELECT r.rngtypid::int8 FROM pg_catalog.pg_range r WHERE r.rngmultitypid = t.oid)),
                    'enumLabels', (
                        SELECT pg_catalog.json_agg(e.enumlabel ORDER BY e.enumsortorder)
                        FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid),
                    'attributes', (
                        SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
                            'name', a.attname,
                            'type', a.atttypid::int8,
                            'typeModifier', a.atttypmod,
                            'sqlType', pg_catalog.format_type(a.atttypid, a.atttypmod),
                            'notNull', a.attnotnull) ORDER BY a.attnum)
                        FROM pg_catalog.pg_attribute a
                        WHERE t.typtype = 'c' AND a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped)
                ))
                FROM (SELECT DISTINCT oid FROM wanted) AS w
                JOIN pg_catalog.pg_type t ON t.oid = w.oid
                JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace), '[]'),
            'formatted', COALESCE((
                SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
                    'type', p.type::int8, 'modifier', p.modifier, 'sqlType', pg_catalog.format_type(p.type, p.modifier)))
                FROM unnest($2::pg_catalog.oid[], $3::int4[]) AS p(type, modifier)), '[]'),
            'columns', COALESCE((
                SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
                    'table', s.tbl::int8, 'number', s.num, 'schema', n.nspname, 'tableName', c.relname,
                    'column', a.attname, 'notNull', a.attnotnull, 'type', a.atttypid::int8,
                    'typeModifier', a.atttypmod, 'dimensions', a.attndims))
                FROM unnest($4::pg_catalog.oid[], $5::int2[]) AS s(tbl, num)
                JOIN pg_catalog.pg_class c ON c.oid = s.tbl
                JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                JOIN pg_catalog.pg_attribute a ON a.attrelid = s.tbl AND a.attnum = s.num), '[]')
        )::text
        """

    private struct Document: Decodable {
        var types: [TypeRow]
        var formatted: [FormattedRow]
        var columns: [ColumnRow]
    }

    private struct TypeRow: Decodable {
        var oid: UInt32
        var schema: String
        var typeName: String
        var sqlName: String
        var kind: String
        var category: String
        var element: UInt32?
        var domainBase: UInt32?
        var domainBaseTypeModifier: Int32
        var domainNotNull: Bool
        var rangeSubtype: UInt32?
        var enumLabels: [String]?
        var attributes: [AttributeRow]?
    }

    private struct AttributeRow: Decodable {
        var name: String
        var type: UInt32
        var typeModifier: Int32
        var sqlType: String
        var notNull: Bool
    }

    private struct FormattedRow: Decodable {
        var type: UInt32
        var modifier: Int32
        var sqlType: String
    }

    private struct ColumnRow: Decodable {
        var table: UInt32
        var number: Int16
        var schema: String
        var tableName: String
        var column: String
        var notNull: Bool
        var type: UInt32
        var typeModifier: Int32
        var dimensions: Int?
    }
}
