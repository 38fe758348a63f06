import Foundation
public import Logging
public import PostgresNIO
import SkeinCore
import SkeinGovernance

/// Skein's own tables, beside goose's version table and never inside it, so goose can still read a database
/// Skein migrated and the other way round.
///
/// They live where the version table lives (same schema, or the search path's first schema when the version
/// table is unqualified) and are named after it, so several `-table` sets in one database never collide:
///
/// | table | holds |
/// |---|---|
/// | `<table>_skein_meta` | one row per schema upgrade of these tables (`schema_version`, when, which Skein) |
/// | `<table>_skein_progress` | the dirty state: the `NO TRANSACTION` migration in progress and its statement |
/// | `<table>_skein_applied` | per applied version: file name and checksums (whole file, Up, Down) |
/// | `<table>_skein_audit` | one row per administrative action (`repair`, …) and, with the governance work, per attempt |
///
/// Upgrades run under the migration lock (``Migrator`` takes it first), in one transaction each.
public struct SkeinTables: Sendable {
    /// The version of these tables' layout that this Skein writes.
    public static let schemaVersion = 2

    public var versionTable: VersionTableName

    public init(versionTable: VersionTableName) {
        self.versionTable = versionTable
    }

    /// The quoted name of `<table>_<suffix>` beside the version table.
    func name(_ suffix: String) -> String {
        VersionTableName(schema: versionTable.schema, table: versionTable.table + "_skein_" + suffix).quoted
    }

    var meta: String { name("meta") }
    var progress: String { name("progress") }
    var applied: String { name("applied") }
    var audit: String { name("audit") }

    /// A boolean expression: whether the tables exist.
    var existsSQL: String { "to_regclass('\(meta.replacingOccurrences(of: "'", with: "''"))') IS NOT NULL" }

    /// PostgreSQL truncates identifiers to 63 bytes; a longer name would silently collide.
    func checkNameLength() throws(RunnerError) {
        let longest = versionTable.table + "_skein_progress"
        guard longest.utf8.count <= 63 else {
            throw RunnerError(
                .invalidConfiguration,
                "the version table name \(versionTable) is too long for Skein's tables (\(longest) exceeds PostgreSQL's 63 bytes)",
                help: "use a version table name of at most 48 bytes")
        }
    }

    /// Each upgrade, in order: upgrade `n` brings the tables from schema version `n - 1` to `n`.
    var upgrades: [[String]] {
        [
            [
                """
                CREATE TABLE \(meta) (
                    schema_version integer PRIMARY KEY,
                    upgraded_at timestamptz NOT NULL DEFAULT now(),
                    skein_version text NOT NULL
                )
                """,
                """
                CREATE TABLE \(progress) (
                    version_id bigint PRIMARY KEY,
                    file text NOT NULL,
                    direction text NOT NULL,
                    statement_index integer NOT NULL,
                    statement_count integer NOT NULL,
                    statement_line integer NOT NULL,
                    started_at timestamptz NOT NULL DEFAULT now(),
                    updated_at timestamptz NOT NULL DEFAULT now(),
                    backend_pid integer NOT NULL DEFAULT pg_backend_pid(),
                    failed_sqlstate text,
                    failed_message text
                )
                """,
                """
                CREATE TABLE \(applied) (
                    version_id bigint PRIMARY KEY,
                    file text NOT NULL,
                    checksum_file text NOT NULL,
                    checksum_up text,
                    checksum_down text,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                CREATE TABLE \(audit) (
                    id bigserial PRIMARY KEY,
                    action text NOT NULL,
                    version_id bigint,
                    file text,
                    direction text,
                    outcome text NOT NULL,
                    started_at timestamptz NOT NULL DEFAULT now(),
                    finished_at timestamptz,
                    sqlstate text,
                    message text,
                    checksum text,
                    database_user text NOT NULL DEFAULT current_user,
                    os_user text,
                    host text,
                    skein_version text NOT NULL,
                    approval text,
                    database_size_before bigint,
                    database_size_after bigint
                )
                """,
            ],
            [
                // 2: which run a row belongs to, the command, and the duration the client measured.
                """
                ALTER TABLE \(audit) ADD COLUMN run_id text, ADD COLUMN command text,
                    ADD COLUMN duration_seconds double precision
                """,
                "CREATE INDEX ON \(audit) (version_id)",
            ],
        ]
    }

    /// What Skein's tables hold before a run.
    public struct State: Sendable, Hashable {
        /// The layout version found (0: the tables do not exist yet).
        public var schemaVersion: Int
        /// Migrations left half-done (dirty), by version.
        public var dirty: [DirtyMigration]
    }

    /// Reads the tables' state without changing anything.
    /// - Parameters:
    ///   - connection: the connection to read on.
    ///   - exists: whether the tables exist, when the caller already knows (saves a round trip).
    ///   - logger: PostgresNIO logs the queries with it.
    public func state(on connection: PostgresConnection, exists: Bool? = nil, logger: Logger) async throws -> State {
        var present = exists
        if present == nil {
            present = try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT \(existsSQL)"), logger: logger
            ).decodeFirst(Bool.self)
        }
        guard present == true else { return State(schemaVersion: 0, dirty: []) }
        var version = 0
        var dirty: [DirtyMigration] = []
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT (SELECT max(schema_version) FROM \(meta)), p.version_id, p.file, p.direction,
                           p.statement_index, p.statement_count, p.statement_line, p.updated_at, p.backend_pid,
                           p.failed_sqlstate, p.failed_message
                    FROM (SELECT 1) one LEFT JOIN \(progress) p ON true ORDER BY p.version_id
                    """), logger: logger)
        for try await row in rows {
            let (schema, versionID, file, direction, index, count, line, updated, pid, sqlState, message) =
                try row.decode(
                    (Int?, Int64?, String?, String?, Int?, Int?, Int?, Date?, Int?, String?, String?).self)
            version = schema ?? 0
            if let versionID, let file, let direction, let index, let count, let line, let updated, let pid {
                dirty.append(
                    DirtyMigration(
                        version: versionID, file: file, direction: direction == "down" ? .down : .up,
                        statementIndex: index, statementCount: count, statementLine: line, since: updated,
                        backendPID: pid, failedSQLState: sqlState, failedMessage: message))
            }
        }
        return State(schemaVersion: version, dirty: dirty)
    }

    /// Creates or upgrades the tables to ``schemaVersion`` and returns their state. Call under the migration
    /// lock: upgrades are not safe against a concurrent Skein.
    /// - Parameters:
    ///   - connection: the run's connection, holding the lock.
    ///   - exists: whether the tables exist, when the caller already knows (saves a round trip).
    ///   - known: their state as read under the same lock (not read again).
    ///   - skeinVersion: recorded beside the layout version when the tables are created or upgraded.
    ///   - logger: says when the tables are created or upgraded.
    /// - Throws: ``RunnerError`` `.newerSchema` when a newer Skein wrote them, `.missingPrivilege` when the role
    ///   cannot create tables there.
    public func ensure(
        on connection: PostgresConnection, exists: Bool? = nil, known: State? = nil, skeinVersion: String,
        logger: Logger
    ) async throws -> State {
        try checkNameLength()
        var state: State
        if let known {
            state = known
        } else {
            state = try await self.state(on: connection, exists: exists, logger: logger)
        }
        guard state.schemaVersion <= Self.schemaVersion else { throw newerSchemaError(state) }
        let created = state.schemaVersion == 0
        while state.schemaVersion < Self.schemaVersion {
            let next = state.schemaVersion + 1
            try await connection.transaction(logger: logger) {
                for sql in upgrades[next - 1] {
                    try await $0.execute(sql)
                }
                var binds = PostgresBindings()
                binds.append(next)
                binds.append(skeinVersion)
                try await $0.execute(
                    PostgresQuery(
                        unsafeSQL: "INSERT INTO \(meta) (schema_version, skein_version) VALUES ($1, $2)", binds: binds))
            } mapError: { error in
                self.privilegeError(error) ?? error
            }
            state.schemaVersion = next
            // A fresh database gets one line, "created", at the layout it ends with; an older layout, one per step.
            if !created || next == Self.schemaVersion {
                logger.info(
                    created ? "created Skein's tables" : "upgraded Skein's tables",
                    metadata: ["skein.schema_version": "\(next)"])
            }
        }
        return state
    }

    /// The tables were written by a newer Skein.
    func newerSchemaError(_ state: State) -> RunnerError {
        RunnerError(
            .newerSchema,
            "Skein's tables beside \(versionTable) have layout \(state.schemaVersion), written by a newer Skein; this Skein knows layout \(Self.schemaVersion)",
            help: "upgrade Skein to the version that migrated this database")
    }

    /// A role that may not create tables here gets the grant it needs.
    func privilegeError(_ error: any Error) -> RunnerError? {
        guard let psql = error as? PSQLError, psql.serverInfo?[.sqlState] == "42501" else { return nil }
        let schema = versionTable.schema.map(VersionTableName.quoteIdentifier)
        return RunnerError(
            .missingPrivilege,
            "Skein cannot create its tables beside \(versionTable): \(psql.serverInfo?[.message] ?? "permission denied") (SQLSTATE 42501)",
            help: schema.map {
                "grant the migration role CREATE on that schema: GRANT CREATE ON SCHEMA \($0) TO <role>"
            }
                ?? "grant the migration role CREATE on the first schema of its search_path (usually public; PostgreSQL 15 removed CREATE on public from PUBLIC): GRANT CREATE ON SCHEMA public TO <role>; or name a schema the role owns with -table schema.goose_db_version"
        )
    }

    // MARK: - Statements the executor sends

    /// Skein's checksum row for an applied version ($1 version, $2 file, $3–$5 checksums).
    var upsertAppliedSQL: String {
        """
        INSERT INTO \(applied) (version_id, file, checksum_file, checksum_up, checksum_down) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (version_id) DO UPDATE SET file = EXCLUDED.file, checksum_file = EXCLUDED.checksum_file,
            checksum_up = EXCLUDED.checksum_up, checksum_down = EXCLUDED.checksum_down, applied_at = now()
        """
    }

    var deleteAppliedSQL: String { "DELETE FROM \(applied) WHERE version_id = $1" }

    /// goose's version row and Skein's checksum row in one statement (one round trip, atomic); ending a
    /// `NO TRANSACTION` file, the progress row is cleared in the same statement.
    /// With `auditing`, the audit row of the attempt is a CTE of the same statement (parameters after the record's:
    /// ``recordBindings(_:audit:context:)``).
    func recordSQL(_ direction: Direction, versionStore: VersionStore, clearingProgress: Bool, auditing: Bool = false)
        -> String
    {
        var ctes: [String] = []
        if clearingProgress { ctes.append("progress AS (\(clearProgressSQL))") }
        if auditing {
            ctes.append("audit AS (\(auditInsertSQL(first: direction == .up ? 6 : 2, timedByServer: true)))")
        }
        switch direction {
        case .up:
            ctes.append("goose AS (\(versionStore.insertSQL.replacingOccurrences(of: "$2", with: "true")))")
            return "WITH " + ctes.joined(separator: ", ") + "\n" + upsertAppliedSQL
        case .down:
            ctes.append("goose AS (\(versionStore.deleteSQL))")
            return "WITH " + ctes.joined(separator: ", ") + "\n" + deleteAppliedSQL
        }
    }

    func recordBindings(_ step: MigrationStep, audit: AuditRecord? = nil, context: AuditContext? = nil)
        -> PostgresBindings
    {
        var binds = PostgresBindings()
        bindRecord(step, audit: audit, context: context, to: &binds)
        return binds
    }

    /// The record statement's values (``recordSQL(_:versionStore:clearingProgress:auditing:)``), in its order.
    func bindRecord<Parameters: StatementParameters>(
        _ step: MigrationStep, audit: AuditRecord?, context: AuditContext?, to parameters: inout Parameters
    ) {
        parameters.bind(step.migration.version)
        if step.direction == .up {
            parameters.bind(step.migration.fileName)
            parameters.bind(step.migration.checksum.file)
            parameters.bind(step.migration.checksum.up)
            parameters.bind(step.migration.checksum.down)
        }
        if let audit, let context { audit.append(to: &parameters, context: context) }
    }

    var markProgressSQL: String {
        """
        INSERT INTO \(progress) (version_id, file, direction, statement_index, statement_count, statement_line)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (version_id) DO UPDATE SET statement_index = EXCLUDED.statement_index,
            statement_line = EXCLUDED.statement_line, updated_at = now(), backend_pid = pg_backend_pid()
        """
    }

    var markFailedSQL: String {
        "UPDATE \(progress) SET failed_sqlstate = $2, failed_message = $3, updated_at = now() WHERE version_id = $1"
    }

    var clearProgressSQL: String { "DELETE FROM \(progress) WHERE version_id = $1" }

}
