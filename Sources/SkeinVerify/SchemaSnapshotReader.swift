// Longer than 400 lines because: the incremental read is one SQL statement (change search plus deparse), kept
// beside the bookkeeping that decides which units it re-reads.
import Foundation
public import Logging
public import PostgresNIO

/// Reads snapshots of one connection's schema again and again, re-reading only what may have changed since the
/// previous read: what ``SchemaSnapshot/read(on:options:logger:)`` returns, for a fraction of the cost.
///
/// The schema is cut into **units**: a relation (table, view, materialized view, sequence) with everything that
/// hangs off it (columns, constraints, indexes, triggers, policies), a type, a function, a schema, an extension.
/// Each read is one query that first finds, without deparsing anything, the units that may have changed since the
/// previous read, then deparses those as ``SchemaSnapshot/read(on:options:logger:)`` does; the other units'
/// objects are the previous read's. A unit may have changed when
///
/// - a catalog row it is read from was written since the previous read (its `xmin` is a transaction that was not
///   committed then: every `CREATE`, `ALTER`, `COMMENT`, `GRANT` writes a new row version);
/// - it depends (`pg_depend`) on an object whose row was written since — its texts may name that object (a renamed
///   referenced table or column, type, function, sequence; a new or renamed enum label); types count with their
///   arrays and domains;
/// - a dependency from or on it was recorded since, or its count of dependencies and comments changed (a dropped
///   index, constraint, trigger, default, policy or comment writes no row of its relation, but deletes the
///   dependency on it, or the comment);
/// - or it is new.
///
/// Everything is read again when a schema's row was written (a rename changes every name in it), when the search
/// path or a setting deparsing follows (`TimeZone`, `DateStyle`, `IntervalStyle`, `extra_float_digits`,
/// `bytea_output`, `quote_all_identifiers`, `standard_conforming_strings`) changed or a role this database's
/// objects name was renamed (the built-in roles, and those `pg_shdepend` records as an owner, grantee or policy
/// role here: other databases' roles are not watched, so concurrent work elsewhere costs nothing), when the
/// search path has more than one schema besides `pg_catalog` (a new object could hide another), and after a read
/// inside a transaction that had written (its later writes carry the same transaction ID). Objects PostgreSQL
/// creates at `initdb` (OIDs below 16384: `pg_catalog`'s types, functions, operators, collations) are taken as
/// never altered.
///
/// With `checking`, every read is compared with a full read, and a difference is thrown
/// (``SchemaSnapshotReader/Mismatch``): the test suite runs that way, and `SKEIN_CHECK_SNAPSHOTS=1` turns it on
/// for any reader, `skein verify`'s included.
///
/// ```swift
/// let reader = SchemaSnapshotReader(connection: connection)
/// let before = try await reader.read(logger: logger)
/// // … apply a migration …
/// let after = try await reader.read(logger: logger)
/// ```
///
/// Setting `plan_cache_mode = force_generic_plan` and `jit = off` on the connection makes reads cheaper: the
/// query is planned once, and never compiled.
public actor SchemaSnapshotReader {
    /// The connection read on; reads must not overlap with other work on it.
    public let connection: PostgresConnection
    /// What is read.
    public let options: SnapshotOptions
    /// Whether every read is checked against a full read.
    public let checking: Bool

    /// Whether readers check by default: the environment variable `SKEIN_CHECK_SNAPSHOTS` is `1`.
    public static var checksByDefault: Bool {
        ProcessInfo.processInfo.environment["SKEIN_CHECK_SNAPSHOTS"] == "1"
    }

    /// A read that differed from a full read (only with `checking`): a defect in the reader.
    public struct Mismatch: Error, CustomStringConvertible {
        /// Objects only the reader returned, or returned differently.
        public var onlyIncremental: [SchemaObject]
        /// Objects only the full read returned, or returned differently.
        public var onlyFull: [SchemaObject]

        public var description: String {
            "incremental snapshot differs from a full one: only incremental \(onlyIncremental), only full \(onlyFull)"
        }
    }

    /// What a read did: how many units it read again (all of them when nothing could be reused) and how many it
    /// reused.
    public struct ReadStatistics: Sendable, Hashable {
        public var reread: Int
        public var reused: Int
    }

    /// What the latest read did.
    public private(set) var lastRead = ReadStatistics(reread: 0, reused: 0)

    /// What the previous read left for the next one.
    fileprivate struct Cache {
        /// The settings and search path the texts were deparsed with, as the query gives them.
        var settings: String
        /// Role names by OID, as the query gives them (a JSON object).
        var roles: String
        /// The previous read's transaction horizon: the next transaction ID then and those in progress.
        var next: String
        var inProgress: [String]
        /// Each unit's count and objects.
        var units: [String: (count: Int64, objects: [SchemaObject])]
    }

    private var cache: Cache?

    /// A reader for `connection`, with nothing cached yet.
    public init(connection: PostgresConnection, options: SnapshotOptions = .init(), checking: Bool = checksByDefault) {
        self.connection = connection
        self.options = options
        self.checking = checking
    }

    /// Reads the schema: equal to ``SchemaSnapshot/read(on:options:logger:)`` at this moment.
    /// - Throws: `PSQLError` when the query fails; ``Mismatch`` when checking finds a difference.
    public func read(logger: Logger) async throws -> SchemaSnapshot {
        let previous = cache
        cache = nil  // until this read succeeds
        var text = ""
        for try await value in try await connection.execute(
            ReadStatement(options: options, previous: previous), logger: logger)
        {
            text = value
        }
        let answer = try Answer(text)

        var units: [String: (count: Int64, objects: [SchemaObject])] = [:]
        var reread = 0
        for unit in answer.units {
            if unit.reread {
                units[unit.key] = (unit.count, [])
                reread += 1
            } else if let cached = previous?.units[unit.key] {
                units[unit.key] = cached
            } else {
                throw Answer.Unexpected(text: "unit \(unit.key) neither read nor cached")
            }
        }
        var strays: [SchemaObject] = []
        for row in try SchemaSnapshot.decodeRows(answer.objects) {
            if units[row.unit] != nil {
                units[row.unit]?.objects.append(row.object)
            } else {
                strays.append(row.object)
            }
        }
        let snapshot = SchemaSnapshot(objects: units.values.flatMap(\.objects) + strays)
        // An object of a unit the query does not list cannot be kept track of, and later writes of this read's own
        // transaction would carry a transaction ID older than the horizon: no reuse next time then.
        if strays.isEmpty, !answer.ownWrites {
            cache = Cache(
                settings: answer.settings, roles: answer.roles, next: answer.next, inProgress: answer.inProgress,
                units: units)
        }
        lastRead = ReadStatistics(reread: reread, reused: units.count - reread)
        logger.debug(
            "read the schema",
            metadata: [
                "skein.snapshot.objects": "\(snapshot.objects.count)", "skein.snapshot.reread": "\(reread)",
                "skein.snapshot.reused": "\(units.count - reread)",
            ])
        if checking {
            let full = try await SchemaSnapshot.read(on: connection, options: options, logger: logger)
            if full != snapshot {
                cache = nil
                throw Mismatch(
                    onlyIncremental: snapshot.objects.filter { !full.objects.contains($0) },
                    onlyFull: full.objects.filter { !snapshot.objects.contains($0) })
            }
        }
        return snapshot
    }

    /// The query's answer, five lines: the settings as a JSON string, the roles as a JSON object,
    /// `ownWrites next inProgress`, the units as `key count reread` triples, then the objects read as one JSON
    /// array.
    struct Answer {
        var settings: String
        var roles: String
        var ownWrites: Bool
        var next: String
        var inProgress: [String]
        var units: [(key: String, count: Int64, reread: Bool)]
        var objects: Substring

        /// The answer was not what it should be (a defect).
        struct Unexpected: Error, CustomStringConvertible {
            var text: String
            var description: String { "unexpected answer of the schema query: \(text.prefix(200))" }
        }

        init(_ text: String) throws {
            let lines = text.split(separator: "\n", maxSplits: 4, omittingEmptySubsequences: false)
            guard lines.count == 5 else { throw Unexpected(text: text) }
            let state = lines[2].split(separator: " ", omittingEmptySubsequences: false)
            let fields = lines[3].split(separator: " ")
            guard state.count == 3, fields.count % 3 == 0 else { throw Unexpected(text: text) }
            settings = String(lines[0])
            roles = String(lines[1])
            ownWrites = state[0] == "t"
            next = String(state[1])
            inProgress = state[2].split(separator: ",").map(String.init)
            units = []
            units.reserveCapacity(fields.count / 3)
            for index in stride(from: 0, to: fields.count, by: 3) {
                guard let count = Int64(fields[index + 1]) else { throw Unexpected(text: text) }
                units.append((String(fields[index]), count, fields[index + 2] == "t"))
            }
            objects = lines[4]
        }
    }

    /// The reader's query. $1 to $4 as ``SchemaSnapshot/catalogSQL``'s; the previous read's horizon ($5 the next
    /// transaction ID then, `NULL` for none; $6 those in progress), settings ($7), roles ($8), units ($9) and
    /// their counts ($10).
    struct ReadStatement: PostgresPreparedStatement {
        static let sql =
            "WITH RECURSIVE " + changeCTEs + ",\n" + SchemaSnapshot.catalogCTEs(partial: true) + "\n" + answer
        typealias Row = String

        var options: SnapshotOptions
        fileprivate var previous: Cache?

        func makeBindings() throws -> PostgresBindings {
            var binds = PostgresBindings()
            options.bind(to: &binds)
            binds.append(previous?.next)
            binds.append(previous?.inProgress ?? [])
            binds.append(previous?.settings ?? "")
            binds.append(previous?.roles ?? "{}")
            let units = previous?.units.sorted { $0.key < $1.key } ?? []
            binds.append(units.map(\.key))
            binds.append(units.map(\.value.count))
            return binds
        }

        func decodeRow(_ row: PostgresRow) throws -> String { try row.decode(String.self) }

        /// Which units to read: rows written since the horizon, what depends on them, counts, settings.
        static let changeCTEs = #"""
            descriptions AS (
                SELECT d.classoid, d.objoid, d.xmin AS x FROM pg_description d WHERE d.objoid >= 16384
              UNION ALL
                SELECT d.classoid, d.objoid, d.xmin FROM pg_namespace n
                JOIN pg_description d ON d.objoid = n.oid AND d.classoid = 'pg_namespace'::regclass
                WHERE n.oid < 16384
            ),
            fresh (classid, objid) AS (
                -- Catalog rows written since the previous read ($5: the next transaction ID then, $6: those in progress then),
                -- as the objects they belong to. OIDs below 16384 are initdb's: outside pg_catalog and information_schema,
                -- only the schema public, and namespaces are read whole.
                SELECT v.classid, v.objid FROM (
                    SELECT 'pg_class'::regclass::oid, c.oid, c.xmin FROM pg_class c WHERE c.oid >= 16384
                  UNION ALL
                    SELECT 'pg_class'::regclass, a.attrelid, a.xmin FROM pg_attribute a WHERE a.attrelid >= 16384
                  UNION ALL
                    SELECT 'pg_attrdef'::regclass, d.oid, d.xmin FROM pg_attrdef d WHERE d.oid >= 16384
                  UNION ALL
                    SELECT 'pg_constraint'::regclass, c.oid, c.xmin FROM pg_constraint c WHERE c.oid >= 16384
                  UNION ALL
                    SELECT 'pg_class'::regclass, i.indexrelid, i.xmin FROM pg_index i WHERE i.indexrelid >= 16384
                  UNION ALL
                    SELECT 'pg_trigger'::regclass, t.oid, t.xmin FROM pg_trigger t WHERE t.oid >= 16384
                  UNION ALL
                    SELECT 'pg_policy'::regclass, p.oid, p.xmin FROM pg_policy p WHERE p.oid >= 16384
                  UNION ALL
                    SELECT 'pg_rewrite'::regclass, r.oid, r.xmin FROM pg_rewrite r WHERE r.oid >= 16384
                  UNION ALL
                    SELECT 'pg_class'::regclass, s.seqrelid, s.xmin FROM pg_sequence s WHERE s.seqrelid >= 16384
                  UNION ALL
                    SELECT 'pg_class'::regclass, p.partrelid, p.xmin FROM pg_partitioned_table p WHERE p.partrelid >= 16384
                  UNION ALL
                    SELECT 'pg_class'::regclass, i.inhrelid, i.xmin FROM pg_inherits i WHERE i.inhrelid >= 16384
                  UNION ALL
                    SELECT 'pg_type'::regclass, t.oid, t.xmin FROM pg_type t WHERE t.oid >= 16384
                  UNION ALL
                    SELECT 'pg_type'::regclass, e.enumtypid, e.xmin FROM pg_enum e WHERE e.oid >= 16384
                  UNION ALL
                    SELECT 'pg_type'::regclass, r.rngtypid, r.xmin FROM pg_range r WHERE r.rngtypid >= 16384
                  UNION ALL
                    SELECT 'pg_proc'::regclass, p.oid, p.xmin FROM pg_proc p WHERE p.oid >= 16384
                  UNION ALL
                    SELECT 'pg_namespace'::regclass, n.oid, n.xmin FROM pg_namespace n
                  UNION ALL
                    SELECT 'pg_extension'::regclass, e.oid, e.xmin FROM pg_extension e
                  UNION ALL
                    SELECT 'pg_collation'::regclass, c.oid, c.xmin FROM pg_collation c WHERE c.oid >= 16384
                  UNION ALL
                    SELECT 'pg_operator'::regclass, o.oid, o.xmin FROM pg_operator o WHERE o.oid >= 16384
                  UNION ALL
                    SELECT 'pg_opclass'::regclass, o.oid, o.xmin FROM pg_opclass o WHERE o.oid >= 16384
                  UNION ALL
                    SELECT 'pg_opfamily'::regclass, o.oid, o.xmin FROM pg_opfamily o WHERE o.oid >= 16384
                  UNION ALL
                    SELECT 'pg_language'::regclass, l.oid, l.xmin FROM pg_language l WHERE l.oid >= 16384
                  UNION ALL
                    SELECT d.classoid, d.objoid, d.x FROM descriptions d
                ) v (classid, objid, x)
                WHERE age(v.x) <= age($5::text::xid) OR v.x = ANY ($6::text[]::xid[])
            ),
            fresh_dependencies (classid, objid) AS (
                -- Both ends of dependencies recorded since: an object's own dependencies show in its texts (owned by,
                -- inherits), and a dependency on a unit changes its count.
                SELECT o.classid, o.objid
                FROM pg_depend d, LATERAL (VALUES (d.classid, d.objid), (d.refclassid, d.refobjid)) o (classid, objid)
                WHERE age(d.xmin) <= age($5::text::xid) OR d.xmin = ANY ($6::text[]::xid[])
            ),
            fresh_types (oid) AS (
                -- Types whose text changes with a fresh type: its arrays and domains.
                SELECT objid FROM fresh WHERE classid = 'pg_type'::regclass
              UNION
                SELECT t.oid FROM fresh_types f JOIN pg_type t ON t.typelem = f.oid OR t.typbasetype = f.oid
            ),
            touched (classid, objid) AS (
                -- The fresh objects and every object that depends on one: their texts may name it.
                SELECT classid, objid FROM fresh
              UNION
                SELECT classid, objid FROM fresh_dependencies
              UNION
                SELECT 'pg_type'::regclass, oid FROM fresh_types
              UNION
                SELECT d.classid, d.objid FROM fresh f JOIN pg_depend d ON d.refclassid = f.classid AND d.refobjid = f.objid
              UNION
                SELECT d.classid, d.objid FROM fresh_types f JOIN pg_depend d ON d.refclassid = 'pg_type'::regclass AND d.refobjid = f.oid
            ),
            mapped (unit, touched) AS (
                -- Objects as units: a relation with its columns, constraints, indexes, triggers, policies and rules; a type;
                -- a function; a schema; an extension.
                SELECT CASE o.classid
                    WHEN 'pg_class'::regclass THEN (SELECT CASE WHEN c.relkind IN ('i', 'I') THEN (SELECT 'r' || i.indrelid FROM pg_index i WHERE i.indexrelid = c.oid)
                                                                WHEN c.relkind = 'c' THEN 't' || c.reltype ELSE 'r' || c.oid END
                                                    FROM pg_class c WHERE c.oid = o.objid)
                    WHEN 'pg_attrdef'::regclass THEN (SELECT 'r' || d.adrelid FROM pg_attrdef d WHERE d.oid = o.objid)
                    WHEN 'pg_constraint'::regclass THEN (SELECT CASE WHEN c.conrelid <> 0 THEN 'r' || c.conrelid ELSE 't' || c.contypid END
                                                         FROM pg_constraint c WHERE c.oid = o.objid)
                    WHEN 'pg_trigger'::regclass THEN (SELECT 'r' || t.tgrelid FROM pg_trigger t WHERE t.oid = o.objid)
                    WHEN 'pg_policy'::regclass THEN (SELECT 'r' || p.polrelid FROM pg_policy p WHERE p.oid = o.objid)
                    WHEN 'pg_rewrite'::regclass THEN (SELECT 'r' || r.ev_class FROM pg_rewrite r WHERE r.oid = o.objid)
                    WHEN 'pg_type'::regclass THEN (SELECT CASE WHEN (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) <> 'c' THEN 'r' || t.typrelid
                                                               ELSE 't' || t.oid END FROM pg_type t WHERE t.oid = o.objid)
                    WHEN 'pg_proc'::regclass THEN 'f' || o.objid
                    WHEN 'pg_namespace'::regclass THEN 'n' || o.objid
                    WHEN 'pg_extension'::regclass THEN 'e' || o.objid
                    END, o.touched
                FROM (SELECT classid, objid, true AS touched FROM touched
                      UNION ALL SELECT classoid, objoid, false FROM descriptions) o
            ),
            counts (unit, n) AS (
                -- What a deletion lowers: dependencies from and on the unit (every index, constraint, trigger, default, policy and
                -- rule depends on its relation) and comments.
                SELECT unit, count(*) FROM (
                    SELECT CASE d.refclassid WHEN 'pg_class'::regclass THEN 'r' WHEN 'pg_type'::regclass THEN 't'
                                             WHEN 'pg_proc'::regclass THEN 'f' WHEN 'pg_extension'::regclass THEN 'e' END || d.refobjid
                    FROM pg_depend d WHERE d.refobjid >= 16384
                  UNION ALL
                    SELECT CASE d.classid WHEN 'pg_class'::regclass THEN 'r' WHEN 'pg_type'::regclass THEN 't'
                                          WHEN 'pg_proc'::regclass THEN 'f' WHEN 'pg_extension'::regclass THEN 'e' END || d.objid
                    FROM pg_depend d WHERE d.objid >= 16384
                  UNION ALL
                    SELECT unit FROM mapped WHERE NOT touched
                ) u (unit) WHERE unit IS NOT NULL GROUP BY unit
            ),
            units (unit) AS (
                SELECT 'r' || c.oid FROM pg_class c WHERE c.oid >= 16384 AND c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')
              UNION ALL
                SELECT 't' || t.oid FROM pg_type t
                WHERE t.oid >= 16384 AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c'))
              UNION ALL
                SELECT 'f' || p.oid FROM pg_proc p WHERE p.oid >= 16384
              UNION ALL
                SELECT 'n' || n.oid FROM pg_namespace n
              UNION ALL
                SELECT 'e' || e.oid FROM pg_extension e
            ),
            unit_counts (unit, n) AS (
                SELECT u.unit, coalesce(c.n, 0) FROM units u LEFT JOIN counts c ON c.unit = u.unit
            ),
            settings (text, reusable) AS (
                -- What every text depends on beyond catalog rows; with more than one schema to search besides pg_catalog,
                -- a new object could hide another one: never reused then.
                SELECT to_json(concat_ws(' | ',
                        current_schemas(true)::text, current_setting('TimeZone'), current_setting('DateStyle'),
                        current_setting('IntervalStyle'), current_setting('extra_float_digits'), current_setting('bytea_output'),
                        current_setting('quote_all_identifiers'), current_setting('standard_conforming_strings')))::text,
                    cardinality(array_remove(current_schemas(true), 'pg_catalog')) <= 1
            ),
            reuse (ok) AS (
                -- Whether the previous read's objects may be reused at all: there was one ($5), no schema's row was
                -- written since (a rename renames everything in it), the settings ($7) are the same, and no role ($8)
                -- was renamed.
                SELECT $5::text IS NOT NULL
                   AND NOT EXISTS (SELECT FROM pg_namespace n WHERE age(n.xmin) <= age($5::text::xid) OR n.xmin = ANY ($6::text[]::xid[]))
                   AND (SELECT reusable AND text = $7::text FROM settings)
                   AND NOT EXISTS (SELECT FROM json_each_text($8::text::json) r JOIN pg_roles ro ON ro.oid = r.key::oid
                                   WHERE ro.rolname <> r.value)
            ),
            wanted (kind, oid) AS (
                -- The units to read: all of them, or those touched, new, or whose count changed ($9, $10: the previous
                -- read's).
                SELECT left(u.unit, 1), substr(u.unit, 2)::oid FROM unit_counts u
                WHERE NOT (SELECT ok FROM reuse)
                   OR EXISTS (SELECT FROM mapped m WHERE m.touched AND m.unit = u.unit)
                   OR NOT EXISTS (SELECT FROM unnest($9::text[], $10::int8[]) k (unit, n) WHERE k.unit = u.unit AND k.n = u.n)
            )
            """#

        /// Settings, roles, horizon, units, and the objects read.
        static let answer = #"""
            SELECT concat_ws(E'\n',
                (SELECT text FROM settings),
                (SELECT json_object_agg(ro.oid, ro.rolname) FROM pg_roles ro
                 WHERE ro.oid < 16384 OR ro.oid IN (SELECT sd.refobjid FROM pg_shdepend sd
                                                    WHERE sd.refclassid = 'pg_authid'::regclass
                                                      AND sd.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())))::text,
                (SELECT concat_ws(' ', txid_current_if_assigned() IS NOT NULL,
                                  (pg_snapshot_xmax(s)::text::bigint % 4294967296)::text,
                                  coalesce((SELECT string_agg((x::text::bigint % 4294967296)::text, ',') FROM pg_snapshot_xip(s) x), ''))
                 FROM pg_current_snapshot() s),
                (SELECT coalesce(string_agg(concat_ws(' ', u.unit, u.n, EXISTS (
                                     SELECT FROM wanted w WHERE w.kind = left(u.unit, 1) AND w.oid = substr(u.unit, 2)::oid)), ' '), '')
                 FROM unit_counts u),
                (SELECT coalesce(json_agg(json_build_object('kind', kind, 'schema', schema, 'name', name, 'table', parent, 'unit', unit,
                                                            'properties', jsonb_strip_nulls(properties))), '[]')
                 FROM objects))
            """#
    }
}
