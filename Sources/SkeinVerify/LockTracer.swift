import Foundation
public import Logging
public import PostgresNIO
public import SkeinCore
import SkeinPostgres
import Synchronization

/// Applies each migration's Up on a throwaway database, statement by statement, and records what each statement
/// did (``LockTrace``): the locks it took on relations that existed before the migration (read from the session's
/// own `pg_locks` before the COMMIT in a transaction; sampled from a second connection for a statement outside
/// one, such as `CREATE INDEX CONCURRENTLY`), the tables it rewrote (`relfilenode` changed) and the indexes and
/// constraints it created. `skein verify --locks`; docs/verify.md.
public struct LockTracer: Sendable {
    /// Opens a second connection to the same database, for statements outside a transaction.
    public var observer: @Sendable () async throws -> PostgresConnection

    public init(observer: @escaping @Sendable () async throws -> PostgresConnection) {
        self.observer = observer
    }

    public func trace(_ migrations: [Migration], on connection: PostgresConnection, logger: Logger) async throws
        -> LockTrace
    {
        let serverVersion =
            try await connection.query("SHOW server_version", logger: logger).collect().first?.decode(String.self) ?? ""
        var traces: [MigrationLockTrace] = []
        for (round, migration) in migrations.sorted(by: { $0.version < $1.version }).enumerated() {
            guard migration.kind == .sql, case .success(let section) = migration.section(.up) else {
                traces.append(
                    MigrationLockTrace(
                        version: migration.version, file: migration.path, transactional: true, statements: [],
                        error: "its Up does not parse (skein validate says why)"))
                break
            }
            var trace: MigrationLockTrace
            if section.transactionMode.isTransactional {
                // Traced in a transaction that is rolled back, with a few generated rows in the existing tables the
                // Up mentions (verify --data's), so statements that scan or copy rows do so; then applied for real,
                // without them, so no made-up row stays in the way of a later migration. An Up that fails only with
                // the rows is traced without them.
                trace = try await traced(migration, section, withRows: true, round: round, on: connection, logger)
                if trace.error != nil, let note = trace.rowsNote {
                    let failed = trace.error ?? ""
                    trace = try await traced(migration, section, withRows: false, round: round, on: connection, logger)
                    if trace.error == nil { trace.rowsNote = "traced without \(note) (with them: \(failed))" }
                }
                if trace.error == nil {
                    do {
                        _ = try await connection.query("BEGIN", logger: logger).collect()
                        for statement in section.statements {
                            try await send(statement, on: connection, logger, traced: trace.statements)
                        }
                        _ = try await connection.query("COMMIT", logger: logger).collect()
                    } catch let error as StatementError {
                        _ = try? await connection.query("ROLLBACK", logger: logger).collect()
                        trace.error = "line \(error.line): \(error.message)"
                    }
                }
            } else {
                trace = try await observedTrace(migration, section, on: connection, logger)
            }
            traces.append(trace)
            if trace.error != nil { break }
        }
        return LockTrace(serverVersion: serverVersion, migrations: traces)
    }

    /// A transactional Up, traced in a transaction that is rolled back (with generated rows, or not).
    private func traced(
        _ migration: Migration, _ section: GooseSection, withRows: Bool, round: Int,
        on connection: PostgresConnection, _ logger: Logger
    ) async throws -> MigrationLockTrace {
        var trace = MigrationLockTrace(
            version: migration.version, file: migration.path, transactional: true, statements: [])
        _ = try await connection.query("BEGIN", logger: logger).collect()
        do {
            if withRows {
                let probe = try? await DataProbe.seed(
                    for: migration, on: connection, excluding: TableName(schema: "pg_catalog", name: "pg_class"),
                    generate: true, round: round, inTransaction: true, logger: logger)
                if let probe, !probe.generated.isEmpty {
                    trace.rowsNote =
                        "generated rows in " + probe.generated.map { "\($0.table)" }.joined(separator: ", ")
                }
            }
            let before = try await Catalog.read(on: connection, logger: logger)
            trace.statements = try await traced(section.statements, before: before, on: connection, logger)
        } catch let error as StatementError {
            trace.statements = error.traced
            trace.error = "line \(error.line): \(error.message)"
        }
        _ = try? await connection.query("ROLLBACK", logger: logger).collect()
        return trace
    }

    /// A `NO TRANSACTION` Up, applied statement by statement while a second connection samples its locks.
    private func observedTrace(
        _ migration: Migration, _ section: GooseSection, on connection: PostgresConnection, _ logger: Logger
    ) async throws -> MigrationLockTrace {
        var trace = MigrationLockTrace(
            version: migration.version, file: migration.path, transactional: false, statements: [])
        do {
            let before = try await Catalog.read(on: connection, logger: logger)
            trace.statements = try await observed(section.statements, before: before, on: connection, logger)
        } catch let error as StatementError {
            trace.statements = error.traced
            trace.error = "line \(error.line): \(error.message)"
        }
        return trace
    }

    struct StatementError: Error {
        var line: Int
        var message: String
        var traced: [StatementLockTrace]
    }

    /// In the caller's transaction: each statement, then the session's own locks.
    private func traced(
        _ statements: [Statement], before: Catalog, on connection: PostgresConnection, _ logger: Logger
    ) async throws -> [StatementLockTrace] {
        // Every (relation, mode) the transaction holds: a statement's own are those that were not held before it (a
        // weaker lock on a table an earlier statement locked is still its own row in pg_locks).
        var held: Set<HeldLock> = []
        var current = before
        var result: [StatementLockTrace] = []
        for statement in statements {
            try await send(statement, on: connection, logger, traced: result)
            let locks = try await ownLocks(on: connection, logger)
            var strongest: [Int64: TableLockMode] = [:]
            for lock in locks.subtracting(held) where before.relations[lock.relation] != nil {
                strongest[lock.relation] = max(strongest[lock.relation] ?? lock.mode, lock.mode)
            }
            held.formUnion(locks)
            result.append(
                try await record(
                    statement, locks: strongest, method: .read, before: before, since: &current, connection, logger))
        }
        return result
    }

    /// An Up outside a transaction: each statement runs while a second connection samples its locks.
    private func observed(
        _ statements: [Statement], before: Catalog, on connection: PostgresConnection, _ logger: Logger
    ) async throws -> [StatementLockTrace] {
        let pid =
            try await connection.query("SELECT pg_backend_pid()", logger: logger).collect().first?.decode(Int32.self)
            ?? 0
        let side = try await observer()
        defer { Task { try? await side.close() } }
        var current = before
        var result: [StatementLockTrace] = []
        for statement in statements {
            let seen = Mutex<[Int64: TableLockMode]>([:])
            let running = Mutex(true)
            let statementRun = Task { [result] in
                defer { running.withLock { $0 = false } }
                try await send(statement, on: connection, logger, traced: result)
            }
            // Sample until the statement ends, then once more is not needed: its locks end with it.
            while running.withLock({ $0 }) {
                let locks = (try? await locks(of: pid, on: side, logger)) ?? [:]
                seen.withLock { seen in
                    for (oid, mode) in locks { seen[oid] = max(seen[oid] ?? mode, mode) }
                }
                try? await Task.sleep(for: .milliseconds(2))
            }
            try await statementRun.value
            result.append(
                try await record(
                    statement, locks: seen.withLock { $0 }, method: .observed, before: before, since: &current,
                    connection, logger))
        }
        return result
    }

    /// One statement's trace: `locks` on relations that existed before the migration, and what changed in the
    /// catalog since `current` (which becomes the catalog now).
    private func record(
        _ statement: Statement, locks: [Int64: TableLockMode], method: StatementLockTrace.Method, before: Catalog,
        since current: inout Catalog, _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> StatementLockTrace {
        let taken = locks.sorted(by: { $0.key < $1.key }).compactMap { oid, mode in
            before.relations[oid].map { TracedLock(relation: $0.name, kind: $0.kind, mode: mode) }
        }
        let after = try await Catalog.read(on: connection, logger: logger)
        defer { current = after }
        return StatementLockTrace(
            line: statement.line, sql: String(statement.sql.prefix(200)), locks: taken, method: method,
            rewrote: current.rewritten(in: after), created: current.created(in: after))
    }

    private func send(
        _ statement: Statement, on connection: PostgresConnection, _ logger: Logger, traced: [StatementLockTrace]
    ) async throws {
        for command in SQLCommandSplitter.split(statement.sql) {
            do {
                _ = try await connection.query(PostgresQuery(unsafeSQL: command.sql), logger: logger).collect()
            } catch {
                throw StatementError(
                    line: statement.line + command.lineOffset, message: PostgresErrorText.describe(error),
                    traced: traced)
            }
        }
    }

    struct HeldLock: Hashable {
        var relation: Int64
        var mode: TableLockMode
    }

    /// The relation locks this session holds now (granted), each mode of each relation.
    private func ownLocks(on connection: PostgresConnection, _ logger: Logger) async throws -> Set<HeldLock> {
        var held: Set<HeldLock> = []
        try await eachLock("l.pid = pg_backend_pid() AND l.granted", on: connection, logger) {
            held.insert(HeldLock(relation: $0, mode: $1))
        }
        return held
    }

    /// The relation locks `pid` holds or waits for now.
    private func locks(of pid: Int32, on connection: PostgresConnection, _ logger: Logger) async throws
        -> [Int64: TableLockMode]
    {
        try await locks("l.pid = \(pid)", on: connection, logger)
    }

    /// The relation locks of this database that `condition` (on `pg_locks l`) selects, strongest per relation.
    private func locks(_ condition: String, on connection: PostgresConnection, _ logger: Logger) async throws
        -> [Int64: TableLockMode]
    {
        var result: [Int64: TableLockMode] = [:]
        try await eachLock(condition, on: connection, logger) { oid, mode in
            result[oid] = max(result[oid] ?? mode, mode)
        }
        return result
    }

    /// Each relation lock of this database that `condition` (on `pg_locks l`) selects.
    private func eachLock(
        _ condition: String, on connection: PostgresConnection, _ logger: Logger,
        _ body: (Int64, TableLockMode) -> Void
    ) async throws {
        let sql =
            "SELECT l.relation::int8, l.mode FROM pg_locks l WHERE \(condition) AND l.locktype = 'relation' "
            + "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        for try await (oid, text) in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(
            (Int64, String).self)
        {
            if let mode = TableLockMode(pgLocksMode: text) { body(oid, mode) }
        }
    }

    /// The user relations (their storage) and the indexes and constraints of a database, at one moment.
    struct Catalog: Sendable {
        struct Relation: Sendable {
            var name: String
            var kind: String
            var fileNode: Int64
        }

        var relations: [Int64: Relation]
        var objects: Set<String>

        static func read(on connection: PostgresConnection, logger: Logger) async throws -> Catalog {
            var relations: [Int64: Relation] = [:]
            let rows = try await connection.query(
                """
                SELECT c.oid::int8, quote_ident(n.nspname) || '.' || quote_ident(c.relname),
                       CASE c.relkind WHEN 'r' THEN 'table' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence'
                            WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'p' THEN 'partitioned table'
                            WHEN 'I' THEN 'partitioned index' WHEN 'f' THEN 'foreign table' ELSE 'relation' END,
                       c.relfilenode::int8
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
                  AND n.nspname NOT LIKE 'pg_temp%' AND c.relkind <> 't'
                """, logger: logger)
            for try await (oid, name, kind, fileNode) in rows.decode((Int64, String, String, Int64).self) {
                relations[oid] = Relation(name: name, kind: kind, fileNode: fileNode)
            }
            var objects: Set<String> = []
            let named = try await connection.query(
                """
                SELECT 'index ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname)
                FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
                UNION ALL
                SELECT 'constraint ' || quote_ident(k.conname) || ' on ' || quote_ident(n.nspname) || '.'
                       || quote_ident(c.relname)
                FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
                """, logger: logger)
            for try await name in named.decode(String.self) { objects.insert(name) }
            return Catalog(relations: relations, objects: objects)
        }

        /// Tables of this catalog whose storage `later` shows rewritten.
        func rewritten(in later: Catalog) -> [String] {
            relations.compactMap { oid, relation in
                guard ["table", "materialized view"].contains(relation.kind), let now = later.relations[oid],
                    now.fileNode != relation.fileNode
                else { return nil }
                return relation.name
            }.sorted()
        }

        /// Indexes and constraints `later` has that this catalog has not.
        func created(in later: Catalog) -> [String] { later.objects.subtracting(objects).sorted() }
    }
}
