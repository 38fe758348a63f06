// Longer than 400 lines because: most of it is the snapshot's one catalog query, and the SQL stays next to the
// types whose fields its columns fill.
import Foundation
public import Logging
public import PostgresNIO
public import SkeinPostgres

/// A database's schema as a sorted list of objects, read from `pg_catalog` in one query: what `skein verify`
/// compares before and after a migration's Up and Down.
///
/// Every object carries the texts PostgreSQL's own deparsers produce (`format_type`, `pg_get_expr`,
/// `pg_get_constraintdef`, `pg_get_indexdef`, `pg_get_viewdef`, `pg_get_triggerdef`, …) and nothing that changes when
/// an object is dropped and created again: no OIDs, no relfilenodes, no sequence values, no statistics. Objects that
/// belong to an extension are left out (the extension itself is in), and so are the excluded tables and everything
/// that hangs off them (columns, constraints, indexes, triggers, policies, the sequences they own).
///
/// Identity (``SchemaObject/identity``) is the qualified name, except for names PostgreSQL chooses itself
/// (see ``SchemaObject/isGeneratedName(_:table:kind:)``): such constraints and indexes are identified by their table
/// and definition, and a sequence owned by a column (`serial`, identity) by that column.
///
/// Deparsed texts depend on the session: names outside the `search_path` are qualified, and a `timestamptz`
/// partition bound is shown in the session's `TimeZone`. Take the snapshots you compare on one connection, or on
/// connections with the same settings.
///
/// ```swift
/// let before = try await SchemaSnapshot.read(on: connection, logger: logger)
/// // … apply a migration's Up and Down …
/// let after = try await SchemaSnapshot.read(on: connection, logger: logger)
/// #expect(before == after)
/// ```
public struct SchemaSnapshot: Sendable, Hashable, Codable {
    /// The objects, sorted by kind (in ``SchemaObject/Kind``'s order) and then identity.
    public var objects: [SchemaObject]

    /// Sorts `objects` and numbers identities that occur more than once (`… #2`, `#3`, in name order), so each
    /// object's ``SchemaObject/identity`` is unique within its kind.
    public init(objects: [SchemaObject]) {
        // Sorts the keys with their positions rather than the objects (moving whole objects dominated): the same
        // order as a stable sort of the objects.
        let keys = objects.enumerated().map { ($0.element.kind, $0.element.identity, $0.element.name, $0.offset) }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : ($0.1, $0.2, $0.3) < ($1.1, $1.2, $1.3) }
        var sorted = keys.map { objects[$0.3] }
        var index = 0
        while index < sorted.count {
            var end = index + 1
            while end < sorted.count, sorted[end].kind == sorted[index].kind,
                sorted[end].identity == sorted[index].identity
            {
                end += 1
            }
            if end - index > 1 {
                for (offset, position) in (index + 1..<end).enumerated() {
                    sorted[position].identity += " #\(offset + 2)"
                }
            }
            index = end
        }
        self.objects = sorted
    }

    /// The object of `kind` with `identity`, if there is one.
    public func object(_ kind: SchemaObject.Kind, _ identity: String) -> SchemaObject? {
        objects.first { $0.kind == kind && $0.identity == identity }
    }
}

/// One object of a ``SchemaSnapshot``: its kind, where it lives, what identifies it, and what is compared.
public struct SchemaObject: Sendable, Hashable, Codable {
    /// The kinds of objects a snapshot holds, in the order snapshots and differences list them.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        case schema
        case `extension`
        case `enum`
        case domain
        case compositeType = "composite type"
        case rangeType = "range type"
        case sequence
        case table
        case column
        case constraint
        case index
        case view
        case materializedView = "materialized view"
        case function
        case procedure
        case aggregate
        case trigger
        case policy

        public static func < (lhs: Kind, rhs: Kind) -> Bool { lhs.rank < rhs.rank }

        /// Hashes the case, not the raw string (snapshots sort and group by kind a lot).
        public func hash(into hasher: inout Hasher) { hasher.combine(rank) }

        /// The place in the declaration order.
        private var rank: Int {
            switch self {
            case .schema: 0
            case .extension: 1
            case .enum: 2
            case .domain: 3
            case .compositeType: 4
            case .rangeType: 5
            case .sequence: 6
            case .table: 7
            case .column: 8
            case .constraint: 9
            case .index: 10
            case .view: 11
            case .materializedView: 12
            case .function: 13
            case .procedure: 14
            case .aggregate: 15
            case .trigger: 16
            case .policy: 17
            }
        }
    }

    public var kind: Kind
    /// The schema the object lives in; `nil` for extensions (their schema is the `schema` property).
    public var schema: String?
    /// The object's own name, unquoted; a function's includes its identity arguments: `add(a integer, b integer)`.
    public var name: String
    /// The relation a column, constraint, index, trigger, policy or owned sequence belongs to, unqualified (it
    /// lives in ``schema``); `nil` for other objects.
    public var table: String?
    /// What snapshots are matched by, unique within the kind: `app.users`, `app.users.role`, or for a name
    /// PostgreSQL generated, `app.users unique UNIQUE (email)`; see ``SchemaSnapshot``.
    public var identity: String
    /// What is compared, by field name (`type`, `default`, `definition`, `comment`, …). A missing field means
    /// none (no default, no comment). Columns carry `position`, their place among the table's live columns.
    public var properties: [String: String]

    public init(
        kind: Kind, schema: String?, name: String, table: String? = nil, identity: String? = nil,
        properties: [String: String] = [:]
    ) {
        self.kind = kind
        self.schema = schema
        self.name = name
        self.table = table
        self.properties = properties
        self.identity =
            identity
            ?? Self.identity(kind: kind, schema: schema, name: name, table: table, properties: properties)
    }

    /// The identity rule: the qualified name, except for PostgreSQL's generated names and owned sequences.
    static func identity(
        kind: Kind, schema: String?, name: String, table: String?, properties: [String: String]
    ) -> String {
        let qualifiedTable = [schema, table].compactMap { $0 }.joined(separator: ".")
        switch kind {
        case .schema, .extension:
            return name
        case .sequence:
            if let owner = properties["owned by"] { return "owned by " + owner }
        case .constraint, .index:
            if let table, isGeneratedName(name, table: table, kind: kind) {
                let type = properties["type"].map { $0 + " " } ?? ""
                return qualifiedTable + " " + type + (properties["definition"] ?? "")
            }
        default:
            break
        }
        if table != nil { return qualifiedTable + "." + name }
        return [schema, name].compactMap { $0 }.joined(separator: ".")
    }

    /// Whether `name` has the shape of a name PostgreSQL chooses for an unnamed constraint or index on `table`:
    /// it ends in `_pkey`, `_key`, `_fkey`, `_check`, `_excl`, `_not_null` (constraints) or `_idx` (indexes),
    /// optionally followed by the digits PostgreSQL appends to avoid a clash, and what comes before the suffix is
    /// the table's name or begins with `<table>_`; for a name of 56 bytes or more, which PostgreSQL may have
    /// shortened to fit its 63-byte limit, beginning with the table name's first 16 characters is enough.
    ///
    /// A name chosen by hand in the same shape is treated the same way; nothing is lost but the name change
    /// being reported as info only.
    public static func isGeneratedName(_ name: String, table: String, kind: Kind) -> Bool {
        let suffixes: [String]
        switch kind {
        case .constraint: suffixes = ["pkey", "key", "fkey", "check", "excl", "not_null"]
        case .index: suffixes = ["idx"]
        default: return false
        }
        var stem = Substring(name)
        while let last = stem.last, last.isASCII, last.isNumber { stem.removeLast() }
        guard let suffix = suffixes.first(where: { stem.hasSuffix("_" + $0) }) else { return false }
        stem.removeLast(suffix.count + 1)
        if stem == table || stem.hasPrefix(table + "_") { return true }
        return name.utf8.count >= 56 && table.count >= 16 && stem.hasPrefix(table.prefix(16))
    }
}

/// What ``SchemaSnapshot/read(on:options:logger:)`` reads.
public struct SnapshotOptions: Sendable, Hashable {
    /// Which schemas a snapshot covers.
    public enum Schemas: Sendable, Hashable {
        /// Every schema but PostgreSQL's own (`pg_catalog`, `information_schema`, `pg_toast*`, `pg_temp_*`) and
        /// schemas created by an extension.
        case allUserSchemas
        /// These schemas only.
        case only([String])
    }

    /// Whether owners and privileges (ACLs, including column privileges) are part of the snapshot. Default:
    /// `false`. ACLs are compared as sorted `aclitem`s, with a missing ACL read as PostgreSQL's default for the
    /// owner, so `GRANT` followed by `REVOKE` compares equal to never granting.
    public var includesPrivileges: Bool
    /// Tables (and views) left out with everything that hangs off them: SQL `LIKE` patterns matched against the
    /// bare name and against `schema.name` (`%` any run of characters, `_` any one, `\` escapes). See
    /// ``migrationTables(_:)`` for goose's and Skein's bookkeeping tables.
    public var excludedTables: [String]
    /// Which schemas. Default: ``Schemas/allUserSchemas``.
    public var schemas: Schemas

    public init(includesPrivileges: Bool = false, excludedTables: [String] = [], schemas: Schemas = .allUserSchemas) {
        self.includesPrivileges = includesPrivileges
        self.excludedTables = excludedTables
        self.schemas = schemas
    }

    /// Patterns for goose's version table and Skein's `<table>_skein_*` tables beside it, for ``excludedTables``.
    ///
    /// ```swift
    /// let options = SnapshotOptions(excludedTables: SnapshotOptions.migrationTables(.gooseDefault))
    /// ```
    public static func migrationTables(_ versionTable: VersionTableName) -> [String] {
        let name = (versionTable.schema.map { escapeLike($0) + "." } ?? "") + escapeLike(versionTable.table)
        return [name, name + "\\_skein\\_%"]
    }

    /// `text` as a `LIKE` pattern that matches only itself.
    public static func escapeLike(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "\\" || character == "%" || character == "_" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}

extension SnapshotOptions {
    /// $1 to $4 of the catalog queries.
    func bind(to binds: inout PostgresBindings) {
        binds.append(excludedTables)
        switch schemas {
        case .allUserSchemas:
            binds.append(true)
            binds.append([String]())
        case .only(let names):
            binds.append(false)
            binds.append(names)
        }
        binds.append(includesPrivileges)
    }
}

extension SchemaSnapshot {
    /// Reads the schema in one query (one round trip).
    ///
    /// Needs PostgreSQL 14 or later (`pg_get_function_sqlbody`).
    ///
    /// - Parameters:
    ///   - connection: the connection to read on; nothing is changed.
    ///   - options: which schemas, which tables to leave out, whether privileges count.
    ///   - logger: for the query.
    /// - Throws: `PSQLError` when the query fails (for example on a server older than 14).
    public static func read(
        on connection: PostgresConnection, options: SnapshotOptions = .init(), logger: Logger
    ) async throws -> SchemaSnapshot {
        let rows = try await readRows(CatalogStatement(options: options), on: connection, logger: logger)
        logger.debug("read the schema", metadata: ["skein.snapshot.objects": "\(rows.count)"])
        return SchemaSnapshot(objects: rows.map(\.object))
    }

    /// Runs one of the catalog statements and decodes its JSON array.
    static func readRows<Statement: PostgresPreparedStatement>(
        _ statement: Statement, on connection: PostgresConnection, logger: Logger
    ) async throws -> [CatalogRow] where Statement.Row == String {
        // A prepared statement: PostgreSQL plans the (large) query once per connection, not per snapshot — planning
        // costs more than running it on a small schema.
        var json = "[]"
        for try await value in try await connection.execute(statement, logger: logger) {
            json = value
        }
        return try decodeRows(Substring(json))
    }

    /// Decodes the catalog query's JSON array.
    static func decodeRows(_ json: Substring) throws -> [CatalogRow] {
        try JSONDecoder().decode([CatalogRow].self, from: Data(json.utf8))
    }

    /// The catalog query as a named prepared statement (PostgresNIO prepares it once per connection).
    struct CatalogStatement: PostgresPreparedStatement {
        static let sql = catalogSQL
        typealias Row = String

        var options: SnapshotOptions

        func makeBindings() throws -> PostgresBindings {
            var binds = PostgresBindings()
            options.bind(to: &binds)
            return binds
        }

        func decodeRow(_ row: PostgresRow) throws -> String { try row.decode(String.self) }
    }

    /// One object as the catalog query returns it, with the unit it was read for.
    struct CatalogRow: Decodable {
        var kind: String
        var schema: String?
        var name: String
        var table: String?
        var unit: String
        var properties: [String: String]

        var object: SchemaObject {
            guard let kind = SchemaObject.Kind(rawValue: kind) else {
                preconditionFailure("the catalog query returned an unknown kind \(kind)")
            }
            return SchemaObject(kind: kind, schema: schema, name: name, table: table, properties: properties)
        }
    }

    /// The catalog query that reads everything: one `SELECT` of one JSON array of ``CatalogRow``s, from one
    /// `UNION ALL` branch per kind (one row per object would cost more in decoding than the query takes). $1
    /// excluded-table patterns, $2 all user schemas, $3 the schemas otherwise, $4 privileges.
    static let catalogSQL = "WITH " + catalogCTEs(partial: false) + "\n" + objectsJSON

    /// The catalog query's answer: the `objects` as one JSON array.
    static let objectsJSON = #"""
        SELECT coalesce(json_agg(json_build_object('kind', kind, 'schema', schema, 'name', name, 'table', parent, 'unit', unit,
                                                   'properties', jsonb_strip_nulls(properties))), '[]')::text
        FROM objects
        """#

    /// The catalog query's common table expressions, down to `objects (kind, schema, name, parent, unit,
    /// properties)`: one `UNION ALL` branch per kind, each object with its unit (`r<oid>` a relation with
    /// everything that hangs off it, `t<oid>` a type, `f<oid>` a function, `n<oid>` a schema, `e<oid>` an
    /// extension; see ``SchemaSnapshotReader``). With `partial`, only the units in a `wanted (kind, oid)` CTE the
    /// caller defines are read. Uses $1 to $4 as ``catalogSQL`` does.
    static func catalogCTEs(partial: Bool) -> String {
        func only(_ kind: String, _ oid: String) -> String {
            partial ? "\(oid) IN (SELECT oid FROM wanted WHERE kind = '\(kind)')" : "true"
        }
        return #"""
            user_schemas AS (
                SELECT n.oid, n.nspname, n.nspowner, n.nspacl
                FROM pg_namespace n
                WHERE CASE WHEN $2 THEN n.nspname NOT IN ('pg_catalog', 'information_schema')
                                AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
                           ELSE n.nspname = ANY ($3) END
                  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
            ),
            excluded AS (
                SELECT c.oid
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
                  AND EXISTS (SELECT FROM unnest($1::text[]) p WHERE c.relname LIKE p OR n.nspname || '.' || c.relname LIKE p)
            ),
            rels AS (
                SELECT c.*, s.nspname
                FROM pg_class c JOIN user_schemas s ON s.oid = c.relnamespace
                WHERE \#(only("r", "c.oid")) AND c.oid NOT IN (SELECT oid FROM excluded)
                  AND NOT EXISTS (
                      SELECT FROM pg_depend d
                      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                        AND (d.deptype = 'e' OR (d.deptype IN ('a', 'i') AND d.refclassid = 'pg_class'::regclass
                                                 AND d.refobjid IN (SELECT oid FROM excluded))))
            ),
            objects (kind, schema, name, parent, unit, properties) AS (
                SELECT 'schema', s.nspname, s.nspname, NULL, 'n' || s.oid, jsonb_build_object(
                    'comment', obj_description(s.oid, 'pg_namespace'),
                    'owner', CASE WHEN $4 THEN pg_get_userbyid(s.nspowner) END,
                    'privileges', CASE WHEN $4 THEN (SELECT string_agg(a::text, ' ' ORDER BY a::text) FROM unnest(coalesce(s.nspacl, acldefault('n', s.nspowner))) a) END)
                FROM user_schemas s WHERE \#(only("n", "s.oid"))
            UNION ALL
                SELECT 'extension', NULL, e.extname, NULL, 'e' || e.oid, jsonb_build_object(
                    'schema', s.nspname,
                    'version', e.extversion,
                    'comment', obj_description(e.oid, 'pg_extension'))
                FROM pg_extension e JOIN user_schemas s ON s.oid = e.extnamespace WHERE \#(only("e", "e.oid"))
            UNION ALL
                SELECT 'table', r.nspname, r.relname, NULL, 'r' || r.oid, jsonb_build_object(
                    'persistence', CASE r.relpersistence WHEN 'u' THEN 'unlogged' WHEN 't' THEN 'temporary' ELSE 'permanent' END,
                    'partitioning', CASE WHEN r.relkind = 'p' THEN pg_get_partkeydef(r.oid) END,
                    'partition of', CASE WHEN r.relispartition THEN
                        (SELECT format('%I.%I', pn.nspname, pc.relname) FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
                             JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = r.oid)
                        || ' ' || pg_get_expr(r.relpartbound, r.oid) END,
                    'inherits', CASE WHEN NOT r.relispartition THEN
                        (SELECT string_agg(format('%I.%I', pn.nspname, pc.relname), ', ' ORDER BY i.inhseqno) FROM pg_inherits i
                             JOIN pg_class pc ON pc.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace
                         WHERE i.inhrelid = r.oid) END,
                    'options', (SELECT string_agg(o, ', ' ORDER BY o) FROM unnest(r.reloptions) o),
                    'row security', CASE WHEN r.relforcerowsecurity THEN 'forced' WHEN r.relrowsecurity THEN 'enabled' END,
                    'replica identity', CASE r.relreplident WHEN 'n' THEN 'nothing' WHEN 'f' THEN 'full' WHEN 'i' THEN 'index' END,
                    'comment', obj_description(r.oid, 'pg_class'),
                    'owner', CASE WHEN $4 THEN pg_get_userbyid(r.relowner) END,
                    'privileges', CASE WHEN $4 THEN (SELECT string_agg(a::text, ' ' ORDER BY a::text) FROM unnest(coalesce(r.relacl, acldefault('r', r.relowner))) a) END)
                FROM rels r WHERE r.relkind IN ('r', 'p', 'f')
            UNION ALL
                SELECT 'column', r.nspname, a.attname, r.relname, 'r' || r.oid, jsonb_build_object(
                    'position', (row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum))::text,
                    'type', format_type(a.atttypid, a.atttypmod),
                    'nullability', CASE WHEN a.attnotnull THEN 'NOT NULL' ELSE 'NULL' END,
                    'default', CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END,
                    'generated', CASE WHEN a.attgenerated = 's' THEN 'ALWAYS AS (' || pg_get_expr(d.adbin, d.adrelid) || ') STORED' END,
                    'identity', CASE a.attidentity WHEN 'a' THEN 'ALWAYS' WHEN 'd' THEN 'BY DEFAULT' END,
                    'collation', CASE WHEN a.attcollation <> t.typcollation THEN format('%I.%I', cn.nspname, co.collname) END,
                    'comment', col_description(a.attrelid, a.attnum),
                    'privileges', CASE WHEN $4 THEN (SELECT string_agg(x::text, ' ' ORDER BY x::text) FROM unnest(a.attacl) x) END)
                FROM pg_attribute a
                JOIN rels r ON r.oid = a.attrelid AND r.relkind IN ('r', 'p', 'f')
                JOIN pg_type t ON t.oid = a.atttypid
                LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                LEFT JOIN pg_collation co ON co.oid = a.attcollation
                LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
                WHERE a.attnum > 0 AND NOT a.attisdropped
            UNION ALL
                SELECT 'constraint', r.nspname, c.conname, r.relname, 'r' || r.oid, jsonb_build_object(
                    'type', CASE c.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique' WHEN 'f' THEN 'foreign key'
                                           WHEN 'c' THEN 'check' WHEN 'x' THEN 'exclusion' END,
                    'definition', pg_get_constraintdef(c.oid),
                    'comment', obj_description(c.oid, 'pg_constraint'))
                FROM pg_constraint c JOIN rels r ON r.oid = c.conrelid
                WHERE c.contype <> 't' AND c.conparentid = 0 AND (c.conislocal OR c.coninhcount = 0)
            UNION ALL
                SELECT 'index', r.nspname, ic.relname, r.relname, 'r' || r.oid, jsonb_build_object(
                    'definition', replace(pg_get_indexdef(i.indexrelid), ' INDEX ' || quote_ident(ic.relname) || ' ON ', ' INDEX ON '),
                    'state', CASE WHEN NOT i.indisvalid THEN 'invalid' END,
                    'clustered', CASE WHEN i.indisclustered THEN 'yes' END,
                    'comment', obj_description(i.indexrelid, 'pg_class'))
                FROM pg_index i JOIN rels r ON r.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
                WHERE NOT ic.relispartition
                  AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
            UNION ALL
                SELECT 'sequence', r.nspname, r.relname, oc.relname, 'r' || r.oid, jsonb_build_object(
                    'owned by', CASE WHEN oa.attname IS NOT NULL THEN format('%I.%I.%I', on_.nspname, oc.relname, oa.attname) END,
                    'definition', format('AS %s START %s INCREMENT %s MINVALUE %s MAXVALUE %s CACHE %s %s',
                        format_type(q.seqtypid, NULL), q.seqstart, q.seqincrement, q.seqmin, q.seqmax, q.seqcache,
                        CASE WHEN q.seqcycle THEN 'CYCLE' ELSE 'NO CYCLE' END),
                    'persistence', CASE r.relpersistence WHEN 'u' THEN 'unlogged' WHEN 't' THEN 'temporary' ELSE 'permanent' END,
                    'comment', obj_description(r.oid, 'pg_class'),
                    'owner', CASE WHEN $4 THEN pg_get_userbyid(r.relowner) END,
                    'privileges', CASE WHEN $4 THEN (SELECT string_agg(a::text, ' ' ORDER BY a::text) FROM unnest(coalesce(r.relacl, acldefault('s', r.relowner))) a) END)
                FROM pg_sequence q JOIN rels r ON r.oid = q.seqrelid
                LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
                    AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
                LEFT JOIN pg_class oc ON oc.oid = d.refobjid
                LEFT JOIN pg_namespace on_ ON on_.oid = oc.relnamespace
                LEFT JOIN pg_attribute oa ON oa.attrelid = d.refobjid AND oa.attnum = d.refobjsubid
            UNION ALL
                SELECT CASE r.relkind WHEN 'v' THEN 'view' ELSE 'materialized view' END, r.nspname, r.relname, NULL, 'r' || r.oid, jsonb_build_object(
                    'definition', btrim(pg_get_viewdef(r.oid), E' \n'),
                    'options', (SELECT string_agg(o, ', ' ORDER BY o) FROM unnest(r.reloptions) o),
                    'data', CASE WHEN r.relkind = 'm' AND NOT r.relispopulated THEN 'not populated' END,
                    'comment', obj_description(r.oid, 'pg_class'),
                    'owner', CASE WHEN $4 THEN pg_get_userbyid(r.relowner) END,
                    'privileges', CASE WHEN $4 THEN (SELECT string_agg(a::text, ' ' ORDER BY a::text) FROM unnest(coalesce(r.relacl, acldefault('r', r.relowner))) a) END)
                FROM rels r WHERE r.relkind IN ('v', 'm')
            UNION ALL
                SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END, s.nspname,
                    p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', NULL, 'f' || p.oid, jsonb_build_object(
                    'arguments', pg_get_function_arguments(p.oid),
                    'result', pg_get_function_result(p.oid),
                    'language', l.lanname,
                    'body', CASE WHEN p.prokind <> 'a' THEN coalesce(pg_get_function_sqlbody(p.oid),
                        btrim(regexp_replace(replace(p.prosrc, E'\r\n', E'\n'), '[ \t]+$', '', 'gn'), E' \t\n')) END,
                    'window', CASE WHEN p.prokind = 'w' THEN 'yes' END,
                    'volatility', CASE p.provolatile WHEN 'i' THEN 'IMMUTABLE' WHEN 's' THEN 'STABLE' ELSE 'VOLATILE' END,
                    'strict', CASE WHEN p.proisstrict THEN 'STRICT' END,
                    'security', CASE WHEN p.prosecdef THEN 'DEFINER' END,
                    'leakproof', CASE WHEN p.proleakproof THEN 'LEAKPROOF' END,
                    'parallel', CASE p.proparallel WHEN 's' THEN 'SAFE' WHEN 'r' THEN 'RESTRICTED' ELSE 'UNSAFE' END,
                    'cost', p.procost::text,
                    'rows', CASE WHEN p.proretset THEN p.prorows::text END,
                    'settings', (SELECT string_agg(o, ', ' ORDER BY o) FROM unnest(p.proconfig) o),
                    'comment', obj_description(p.oid, 'pg_proc'),
                    'owner', CASE WHEN $4 THEN pg_get_userbyid(p.proowner) END,
                    'privileges', CASE WHEN $4 THEN (SELECT string_agg(a::text, ' ' ORDER BY a::text) FROM unnest(coalesce(p.proacl, acldefault('f', p.proowner))) a) END)
                FROM pg_proc p JOIN user_schemas s ON s.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
                WHERE \#(only("f", "p.oid"))
                  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype IN ('e', 'i'))
            UNION ALL
                SELECT 'trigger', r.nspname, t.tgname, r.relname, 'r' || r.oid, jsonb_build_object(
                    'definition', pg_get_triggerdef(t.oid),
                    'enabled', CASE t.tgenabled WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica' WHEN 'A' THEN 'always' END,
                    'comment', obj_description(t.oid, 'pg_trigger'))
                FROM pg_trigger t JOIN rels r ON r.oid = t.tgrelid
                WHERE NOT t.tgisinternal AND t.tgparentid = 0
            UNION ALL
                SELECT 'policy', r.nspname, p.polname, r.relname, 'r' || r.oid, jsonb_build_object(
                    'command', CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
                    'mode', CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,
                    'roles', (SELECT string_agg(n, ', ' ORDER BY n) FROM
                                 (SELECT CASE WHEN ro = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(ro)::text END FROM unnest(p.polroles) ro) x(n)),
                    'using', pg_get_expr(p.polqual, p.polrelid),
                    'with check', pg_get_expr(p.polwithcheck, p.polrelid),
                    'comment', obj_description(p.oid, 'pg_policy'))
                FROM pg_policy p JOIN rels r ON r.oid = p.polrelid
            UNION ALL
                SELECT CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'd' THEN 'domain' WHEN 'c' THEN 'composite type' ELSE 'range type' END,
                    s.nspname, t.typname, NULL, 't' || t.oid, jsonb_build_object(
                    'labels', (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid),
                    'base type', CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,
                    'default', t.typdefault,
                    'nullability', CASE WHEN t.typtype = 'd' THEN CASE WHEN t.typnotnull THEN 'NOT NULL' ELSE 'NULL' END END,
                    'collation', CASE WHEN t.typtype = 'd' AND t.typcollation <> (SELECT b.typcollation FROM pg_type b WHERE b.oid = t.typbasetype)
                        THEN (SELECT format('%I.%I', cn.nspname, co.collname) FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = t.typcollation) END,
                    'constraints', (SELECT string_agg(format('%I %s', c.conname, pg_get_constraintdef(c.oid)), ', ' ORDER BY c.conname)
                                    FROM pg_constraint c WHERE c.contypid = t.oid),
                    'attributes', CASE WHEN t.typtype = 'c' THEN
                        (SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY a.attnum)
                         FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) END,
                    'subtype', (SELECT format_type(g.rngsubtype, NULL) FROM pg_range g WHERE g.rngtypid = t.oid),
                    'comment', obj_description(t.oid, 'pg_type'),
                    'owner', CASE WHEN $4 THEN pg_get_userbyid(t.typowner) END,
                    'privileges', CASE WHEN $4 THEN (SELECT string_agg(a::text, ' ' ORDER BY a::text) FROM unnest(coalesce(t.typacl, acldefault('T', t.typowner))) a) END)
                FROM pg_type t JOIN user_schemas s ON s.oid = t.typnamespace
                WHERE \#(only("t", "t.oid"))
                  AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c'))
                  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
            )
            """#
    }
}
