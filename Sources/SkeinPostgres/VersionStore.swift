import Foundation
public import Logging
public import PostgresNIO
public import SkeinCore

/// goose's version table on one connection: goose v3.17.0's exact DDL, rows and queries, with the table
/// name quoted (see ``VersionTableName``).
public struct VersionStore: Sendable {
    public var table: VersionTableName

    public init(table: VersionTableName = .gooseDefault) {
        self.table = table
    }

    /// goose's `CreateTable` for PostgreSQL, with the name quoted.
    var createTableSQL: String {
        """
        CREATE TABLE \(table.quoted) (
        		id serial NOT NULL,
        		version_id bigint NOT NULL,
        		is_applied boolean NOT NULL,
        		tstamp timestamp NULL default now(),
        		PRIMARY KEY(id)
        	)
        """
    }

    var insertSQL: String { "INSERT INTO \(table.quoted) (version_id, is_applied) VALUES ($1, $2)" }
    var deleteSQL: String { "DELETE FROM \(table.quoted) WHERE version_id=$1" }
    /// The rows as one row of columns (arrays in the rows' order, sorted by the client): 10,000 rows decode as
    /// five arrays instead of 10,000 rows through the row sequence. A NULL `tstamp` is left out of the last array
    /// and marked in the fourth, since PostgresNIO decodes no NULL array element.
    var listSQL: String {
        """
        SELECT array_agg(id::int8), array_agg(version_id), array_agg(is_applied), array_agg(tstamp IS NULL),
            array_agg(tstamp) FILTER (WHERE tstamp IS NOT NULL) FROM \(table.quoted)
        """
    }

    /// Whether the table exists.
    public func exists(on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let name = table.quoted
        let rows = try await connection.query("SELECT to_regclass(\(name))::text", logger: logger)
        for try await (value) in rows.decode(String?.self) { return value != nil }
        return false
    }

    /// The table's rows, creating the table with goose's version-0 row first when it is missing (what goose's
    /// `EnsureDBVersion` does): one existence check, then the rows.
    /// - Parameters:
    ///   - connection: the connection to read on, and to create the table on when it is missing.
    ///   - exists: whether the table exists, when the caller already knows (saves a round trip).
    ///   - logger: PostgresNIO logs the queries with it.
    public func ensuredRecords(on connection: PostgresConnection, exists: Bool? = nil, logger: Logger) async throws
        -> [VersionRecord]
    {
        let present: Bool
        if let exists { present = exists } else { present = try await self.exists(on: connection, logger: logger) }
        if !present { try await createIfAbsent(on: connection, logger: logger) }
        return try await records(on: connection, logger: logger)
    }

    /// The table's rows, or `.absent`.
    /// - Parameters:
    ///   - connection: the connection to read on.
    ///   - exists: whether the table exists, when the caller already knows (saves a round trip).
    ///   - logger: PostgresNIO logs the queries with it.
    public func history(on connection: PostgresConnection, exists: Bool? = nil, logger: Logger) async throws
        -> VersionHistory
    {
        let present: Bool
        if let exists { present = exists } else { present = try await self.exists(on: connection, logger: logger) }
        guard present else { return .absent }
        return .rows(try await records(on: connection, logger: logger))
    }

    /// The rows. A table of this name that lacks goose's columns (`--table canary`, `--table
    /// information_schema.tables`) is refused here, where every command reads it before writing anything.
    /// - Throws: ``RunnerError`` `.invalidConfiguration` for a table that is not goose's.
    private func records(on connection: PostgresConnection, logger: Logger) async throws -> [VersionRecord] {
        var records: [VersionRecord] = []
        do {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: listSQL), logger: logger)
            for try await (ids, versions, applied, missingStamps, stamps) in rows.decode(
                ([Int64]?, [Int64]?, [Bool]?, [Bool]?, [Date]?).self)
            {
                records = try Self.records(
                    ids: ids ?? [], versions: versions ?? [], applied: applied ?? [],
                    missingStamps: missingStamps ?? [],
                    stamps: stamps ?? [])
            }
        } catch {
            // undefined_column: the table is not goose's.
            guard let server = ServerError(postgres: error), server.sqlState == "42703" else { throw error }
            throw RunnerError(
                .invalidConfiguration,
                "\(table) exists but is not goose's version table (it lacks goose's columns id, version_id, is_applied, tstamp; PostgreSQL: \(server.message)); nothing was read or written",
                help:
                    "name goose's version table with --table (goose's default is goose_db_version), or rename the unrelated table"
            )
        }
        return records
    }

    /// The rows from ``listSQL``'s columns, most recent (highest `id`) first, as goose orders them.
    static func records(ids: [Int64], versions: [Int64], applied: [Bool], missingStamps: [Bool], stamps: [Date])
        throws -> [VersionRecord]
    {
        guard versions.count == ids.count, applied.count == ids.count, missingStamps.count == ids.count,
            stamps.count == missingStamps.lazy.filter({ !$0 }).count
        else {
            throw RunnerError(
                .invalidConfiguration, "goose's version table was read with columns of different lengths",
                help: "run the command again; report it if it persists")
        }
        var records: [VersionRecord] = []
        records.reserveCapacity(ids.count)
        var nextStamp = 0
        for index in ids.indices {
            var stamp: Date?
            if !missingStamps[index] {
                stamp = stamps[nextStamp]
                nextStamp += 1
            }
            records.append(
                VersionRecord(id: ids[index], version: versions[index], isApplied: applied[index], appliedAt: stamp))
        }
        records.sort { $0.id > $1.id }
        return records
    }

    /// Creates the table with goose's version-0 row when it does not exist, in one transaction. Safe when several
    /// processes do it at once (a first `status`, `up` and `down` started together): the transaction first takes a
    /// transaction-level advisory lock of its own (not the migration lock, which a running `up` holds for its whole
    /// run), then looks again, so exactly one creates the table and writes its row and the others read it.
    public func createIfAbsent(on connection: PostgresConnection, logger: Logger) async throws {
        var binds = PostgresBindings()
        binds.append("skein: create \(table.quoted)")
        try await connection.transaction(logger: logger) { statements in
            try await statements.execute(
                PostgresQuery(unsafeSQL: "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", binds: binds))
            guard try await !exists(on: connection, logger: logger) else { return }
            try await statements.execute(createTableSQL)
            var row = PostgresBindings()
            row.append(Int64(0))
            row.append(true)
            try await statements.execute(PostgresQuery(unsafeSQL: insertSQL, binds: row))
        }
    }

    /// goose's InsertVersion (up) or DeleteVersion (down).
    public func record(_ direction: Direction, version: Int64, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        _ = try await connection.query(recordQuery(direction, version: version), logger: logger).collect()
    }

    /// The statement ``record(_:version:on:logger:)`` sends.
    func recordQuery(_ direction: Direction, version: Int64) -> PostgresQuery {
        var bindings = PostgresBindings()
        bindRecord(direction, version: version, to: &bindings)
        return PostgresQuery(unsafeSQL: recordSQL(direction), binds: bindings)
    }

    /// goose's row for a step: inserted (`up`) or deleted (`down`).
    func recordSQL(_ direction: Direction) -> String { direction == .up ? insertSQL : deleteSQL }

    /// ``recordSQL(_:)``'s values, in its order.
    func bindRecord<Parameters: StatementParameters>(
        _ direction: Direction, version: Int64, to parameters: inout Parameters
    ) {
        parameters.bind(version)
        if direction == .up { parameters.bind(true) }
    }
}
