import Foundation
import Logging
import PostgresNIO
import SkeinCore
import SkeinPostgres

/// `--data`: before a migration's Up, a few generated rows go into the tables that already exist and that the
/// migration mentions; after its Down, rows or values those tables lost are reported as warnings (the policy:
/// Downs should preserve data when possible).
///
/// Values come from each column's type (numbers, text, booleans, times, uuid, json, enums' first label, empty
/// arrays); identity, generated and defaulted columns take their default; a single-column foreign key takes a
/// value from the referenced table. A table whose rows cannot be generated (a type Skein has no value for in a
/// NOT NULL column, a CHECK the values fail, an empty referenced table) is reported as not checked, with the
/// server's reason — never as a failure.
struct DataProbe: Sendable {
    /// A table with rows in it before the Up, and its contents then.
    struct Watched: Sendable {
        var table: TableName
        /// Column name → the column's values as JSON texts, sorted.
        var columns: [String: [String]]
        var rowCount: Int
    }

    var watched: [Watched]
    /// The generated rows, by table in insertion order, so they can be taken out again: their `ctid`s (before the
    /// Up) and their values as `jsonb` texts (after the Down, which may have rewritten the table).
    var generated: [(table: TableName, ctids: [String], rows: [String])] = []
    /// `schema.table: reason` for each table that could not be seeded.
    var notChecked: [String]

    /// Rows generated per table.
    static let rowsPerTable = 3

    /// Seeds the tables `migration`'s Up mentions and records their contents.
    /// - Parameters:
    ///   - generate: whether to insert generated rows (without, a `--seed` file gave the rows).
    ///   - round: the migration's position, so that values differ from earlier rounds' (unique constraints).
    /// - Parameter inTransaction: the caller's transaction is open: each table's insert gets a savepoint, so one
    ///   that fails does not abort it.
    static func seed(
        for migration: Migration, on connection: PostgresConnection, excluding excluded: TableName, generate: Bool,
        round: Int, inTransaction: Bool = false, logger: Logger
    )
        async throws -> DataProbe
    {
        let words = mentionedWords(in: migration)
        let tables = try await existingTables(on: connection, logger: logger).filter {
            $0 != excluded && words.contains($0.name)
        }
        var probe = DataProbe(watched: [], notChecked: [])
        guard !tables.isEmpty else { return probe }
        let columns = try await columnsOf(tables, on: connection, logger: logger)
        // Referenced tables first, so that a foreign key finds a row.
        let ordered = tables.sorted { lhs, rhs in
            let lhsReferences = columns[lhs, default: []].contains { $0.references?.table == rhs }
            let rhsReferences = columns[rhs, default: []].contains { $0.references?.table == lhs }
            if lhsReferences != rhsReferences { return rhsReferences }
            return lhs.description < rhs.description
        }
        for table in ordered {
            let tableColumns = columns[table, default: []]
            if generate {
                if inTransaction { _ = try await connection.query("SAVEPOINT skein_probe", logger: logger).collect() }
                let seeded = try await insertRows(
                    into: table, columns: tableColumns, round: round, on: connection, logger: logger)
                if inTransaction {
                    let end: PostgresQuery =
                        if case .failure = seeded { "ROLLBACK TO SAVEPOINT skein_probe" } else {
                            "RELEASE SAVEPOINT skein_probe"
                        }
                    _ = try await connection.query(end, logger: logger).collect()
                }
                switch seeded {
                case .failure(let reason):
                    probe.notChecked.append("\(table): \(reason)")
                    continue
                case .inserted(let ctids, let rows):
                    probe.generated.append((table, ctids, rows))
                }
            }
            let watched = try await contents(of: table, on: connection, logger: logger)
            if watched.rowCount == 0 {
                probe.notChecked.append("\(table): no rows (the seed file puts none in it)")
                continue
            }
            probe.watched.append(watched)
        }
        return probe
    }

    /// Deletes the generated rows again (children first) when the Up failed with them in place: nothing has
    /// touched them, so their `ctid`s still name them.
    func removeGenerated(on connection: PostgresConnection, logger: Logger) async throws {
        for (table, ctids, _) in generated.reversed() {
            _ = try await connection.query(
                "DELETE FROM \(unescaped: table.quoted) WHERE ctid = ANY(\(ctids)::tid[])", logger: logger
            ).collect()
        }
    }

    /// Deletes the generated rows after the Down, found by their values (the Down may have rewritten the table),
    /// so that they do not stay in the way of later migrations (a seed with fixed keys, a NOT NULL column).
    /// Rows the Down changed stay; a row that cannot be deleted (referenced by a migration's own rows) stays.
    func removeGeneratedAfterDown(on connection: PostgresConnection, logger: Logger) async throws {
        for (table, _, rows) in generated.reversed() {
            do {
                _ = try await connection.query(
                    "DELETE FROM \(unescaped: table.quoted) AS t WHERE to_jsonb(t) = ANY(\(rows)::jsonb[])",
                    logger: logger
                ).collect()
            } catch is PSQLError {
                continue
            }
        }
    }

    /// What the Down lost, as warnings.
    func losses(on connection: PostgresConnection, logger: Logger) async throws -> [VerificationProblem] {
        var problems: [VerificationProblem] = []
        let present = Set(try await Self.existingTables(on: connection, logger: logger))
        for before in watched where present.contains(before.table) {
            let after = try await Self.contents(of: before.table, on: connection, logger: logger)
            if after.rowCount < before.rowCount {
                problems.append(
                    VerificationProblem(
                        phase: .data, severity: .warning,
                        message:
                            "table \(before.table): Down lost \(before.rowCount - after.rowCount) of its \(before.rowCount) rows"
                    ))
                continue
            }
            for (column, values) in before.columns.sorted(by: { $0.key < $1.key }) {
                guard let now = after.columns[column] else {
                    problems.append(
                        VerificationProblem(
                            phase: .data, severity: .warning,
                            message: "column \(before.table).\(column): its values are gone after Down"))
                    continue
                }
                let lost = Self.missing(values, from: now)
                if lost > 0 {
                    problems.append(
                        VerificationProblem(
                            phase: .data, severity: .warning,
                            message:
                                "column \(before.table).\(column): Down changed or lost \(lost) of \(values.count) values"
                        ))
                }
            }
        }
        return problems
    }

    /// How many of `expected` (a sorted multiset) are not in `actual`.
    static func missing(_ expected: [String], from actual: [String]) -> Int {
        var remaining: [String: Int] = [:]
        for value in actual { remaining[value, default: 0] += 1 }
        var lost = 0
        for value in expected {
            if let count = remaining[value], count > 0 {
                remaining[value] = count - 1
            } else {
                lost += 1
            }
        }
        return lost
    }

    /// Identifiers in the Up's statements, as PostgreSQL would fold them (unquoted → lower case).
    static func mentionedWords(in migration: Migration) -> Set<String> {
        guard case .success(let section)? = migration.up else { return [] }
        var words: Set<String> = []
        for statement in section.statements {
            var current: [UInt8] = []
            var quoted = false
            for byte in statement.sql.utf8 {
                if quoted {
                    if byte == UInt8(ascii: "\"") {
                        words.insert(String(decoding: current, as: UTF8.self))
                        current = []
                        quoted = false
                    } else {
                        current.append(byte)
                    }
                } else if byte == UInt8(ascii: "\"") {
                    current = []
                    quoted = true
                } else if byte >= 0x80 || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$")
                    || (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
                {
                    current.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
                } else if !current.isEmpty {
                    words.insert(String(decoding: current, as: UTF8.self))
                    current = []
                }
            }
            if !current.isEmpty { words.insert(String(decoding: current, as: UTF8.self)) }
        }
        return words
    }

    /// Ordinary and partitioned tables outside the system schemas.
    static func existingTables(on connection: PostgresConnection, logger: Logger) async throws -> [TableName] {
        let rows = try await connection.query(
            """
            SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
              AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_class'::regclass
                              AND d.objid = c.oid AND d.deptype = 'e')
            ORDER BY 1, 2
            """, logger: logger)
        var tables: [TableName] = []
        for try await (schema, name) in rows.decode((String, String).self) {
            tables.append(TableName(schema: schema, name: name))
        }
        return tables
    }

    struct Column: Sendable {
        var name: String
        var type: String
        var category: String
        var typeName: String
        var notNull: Bool
        /// Identity, generated, or with a default: left to the server.
        var defaulted: Bool
        var firstEnumLabel: String?
        var references: (table: TableName, column: String)?
    }

    static func columnsOf(_ tables: [TableName], on connection: PostgresConnection, logger: Logger) async throws
        -> [TableName: [Column]]
    {
        let names = tables.map { "\($0.schema).\($0.name)" }
        let rows = try await connection.query(
            """
            SELECT n.nspname, c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
                   t.typcategory::text, t.typname::text, a.attnotnull,
                   (a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> ''),
                   (SELECT e.enumlabel::text FROM pg_catalog.pg_enum e WHERE e.enumtypid = a.atttypid
                    ORDER BY e.enumsortorder LIMIT 1),
                   rn.nspname::text, rc.relname::text, ra.attname::text
            FROM pg_catalog.pg_attribute a
            JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_catalog.pg_constraint f ON f.conrelid = c.oid AND f.contype = 'f'
                 AND f.conkey = ARRAY[a.attnum]
            LEFT JOIN pg_catalog.pg_class rc ON rc.oid = f.confrelid
            LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
            LEFT JOIN pg_catalog.pg_attribute ra ON ra.attrelid = f.confrelid AND ra.attnum = f.confkey[1]
            WHERE a.attnum > 0 AND NOT a.attisdropped AND (n.nspname || '.' || c.relname) = ANY(\(names))
            ORDER BY n.nspname, c.relname, a.attnum
            """, logger: logger)
        var columns: [TableName: [Column]] = [:]
        for try await row in rows {
            let (
                schema, table, name, type, category, typeName, notNull, defaulted, label, refSchema, refTable, refColumn
            ) =
                try row.decode(
                    (String, String, String, String, String, String, Bool, Bool, String?, String?, String?, String?)
                        .self)
            var column = Column(
                name: name, type: type, category: category, typeName: typeName, notNull: notNull,
                defaulted: defaulted, firstEnumLabel: label, references: nil)
            if let refSchema, let refTable, let refColumn {
                column.references = (TableName(schema: refSchema, name: refTable), refColumn)
            }
            columns[TableName(schema: schema, name: table), default: []].append(column)
        }
        return columns
    }

    /// A SQL expression for row `index` of `column`, or `nil` when Skein has none for its type.
    static func value(for column: Column, index: Int, round: Int) -> String? {
        if let (table, referenced) = column.references {
            return "(SELECT \(quote(referenced)) FROM \(table.quoted) OFFSET \(index) LIMIT 1)"
        }
        if let label = column.firstEnumLabel { return literal(label) + "::" + column.type }
        let unique = 1000 + (round * rowsPerTable + index) % 30000  // fits a smallint
        switch column.typeName {
        case "uuid": return "gen_random_uuid()"
        case "json", "jsonb": return "'{\"skein\": \(unique)}'::\(column.typeName)"
        case "bytea": return "'\\x736b65696e'::bytea"
        case "inet", "cidr": return "'10.0.0.\(index + 1)'::\(column.typeName)"
        case "interval": return "'\(index + 1) hours'::interval"
        default: break
        }
        switch column.category {
        case "N":
            // numeric(p, s) may hold only a few digits.
            return column.type.hasPrefix("numeric(") ? "\(index + 1)" : "\(unique)"
        case "S": return literal("sk\(unique)") + "::" + column.type
        case "B": return index % 2 == 0 ? "true" : "false"
        case "D": return "now() - interval '\(index) days'"
        case "A": return "'{}'"
        default: return column.notNull ? nil : "NULL"
        }
    }

    enum Seeded { case inserted(ctids: [String], rows: [String]), failure(String) }

    static func insertRows(
        into table: TableName, columns: [Column], round: Int, on connection: PostgresConnection, logger: Logger
    ) async throws -> Seeded {
        let given = columns.filter { !$0.defaulted }
        var rows: [String] = []
        for index in 0..<rowsPerTable {
            var values: [String] = []
            for column in given {
                guard let value = value(for: column, index: index, round: round) else {
                    return .failure("Skein has no generated value for column \(column.name) (\(column.type), NOT NULL)")
                }
                values.append(value)
            }
            rows.append("(" + values.joined(separator: ", ") + ")")
        }
        let sql =
            given.isEmpty
            ? "INSERT INTO \(table.quoted) AS t DEFAULT VALUES"
            : "INSERT INTO \(table.quoted) AS t (\(given.map { quote($0.name) }.joined(separator: ", "))) VALUES "
                + rows.joined(separator: ", ")
        do {
            var ctids: [String] = []
            var values: [String] = []
            let inserted = try await connection.query(
                PostgresQuery(unsafeSQL: sql + " RETURNING ctid::text, to_jsonb(t)::text"), logger: logger)
            for try await (ctid, value) in inserted.decode((String, String).self) {
                ctids.append(ctid)
                values.append(value)
            }
            return .inserted(ctids: ctids, rows: values)
        } catch let error as PSQLError {
            return .failure(error.serverInfo?[.message] ?? "\(error)")
        }
    }

    static func contents(of table: TableName, on connection: PostgresConnection, logger: Logger) async throws
        -> Watched
    {
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: "SELECT coalesce(json_agg(row_to_json(t))::text, '[]') FROM \(table.quoted) t"),
            logger: logger)
        var text = "[]"
        for try await value in rows.decode(String.self) { text = value }
        let objects = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] ?? []
        var columns: [String: [String]] = [:]
        for object in objects {
            for (key, value) in object {
                let encoded =
                    (try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys, .fragmentsAllowed]))
                    .map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
                columns[key, default: []].append(encoded)
            }
        }
        for key in columns.keys { columns[key]?.sort() }
        return Watched(table: table, columns: columns, rowCount: objects.count)
    }

    static func quote(_ name: String) -> String { VersionTableName.quoteIdentifier(name) }

    static func literal(_ text: String) -> String { "'" + text.replacing("'", with: "''") + "'" }
}

/// A table's schema-qualified name.
struct TableName: Sendable, Hashable, CustomStringConvertible {
    var schema: String
    var name: String

    var quoted: String { VersionTableName.quoteIdentifier(schema) + "." + VersionTableName.quoteIdentifier(name) }
    var description: String { schema == "public" ? name : "\(schema).\(name)" }
}
