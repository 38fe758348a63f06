public import Foundation
public import Logging
public import PostgresNIO
import SkeinCore
public import SkeinGovernance

extension SkeinTables {
    static let auditColumns = """
        action, id, version_id, file, direction, outcome, started_at, finished_at, duration_seconds, sqlstate, message,
        checksum, database_user, os_user, host, skein_version, approval, database_size_before, database_size_after,
        run_id, command
        """

    /// An audit insert whose values start at parameter `first` (as a CTE of the record statement or alone):
    /// action, version, file, direction, outcome, started_at, finished_at (`NULL` = now), duration, sqlstate,
    /// message, checksum, os_user, host, skein_version, approval, size before, size after, run_id, command. A `run`
    /// row without a size after gets the database's size now, in the same statement.
    /// - Parameter timedByServer: a `NULL` duration is the time since the transaction began (a record statement
    ///   pipelined with its migration, sent before the client knows how long the migration takes).
    func auditInsertSQL(first: Int, timedByServer: Bool = false) -> String {
        var p = (first..<first + 19).map { "$\($0)" }
        if timedByServer { p[7] = "coalesce(\(p[7]), extract(epoch FROM clock_timestamp() - now())::float8)" }
        return """
            INSERT INTO \(audit) (action, version_id, file, direction, outcome, started_at, finished_at,
                duration_seconds, sqlstate, message, checksum, os_user, host, skein_version, approval,
                database_size_before, database_size_after, run_id, command)
            VALUES (\(p[0]), \(p[1]), \(p[2]), \(p[3]), \(p[4]), \(p[5]), coalesce(\(p[6]), clock_timestamp()),
                \(p[7]), \(p[8]), \(p[9]), \(p[10]), \(p[11]), \(p[12]), \(p[13]), \(p[14]), \(p[15]),
                coalesce(\(p[16])::int8, CASE WHEN \(p[0])::text = 'run' THEN pg_database_size(current_database()) END),
                \(p[17]), \(p[18]))
            """
    }

    /// Writes one audit row on its own (after a rollback, so it survives the failed transaction).
    func writeAudit(_ record: AuditRecord, context: AuditContext, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        var binds = PostgresBindings()
        record.append(to: &binds, context: context)
        try await connection.sendCleanup(
            PostgresQuery(unsafeSQL: auditInsertSQL(first: 1), binds: binds), logger: logger)
    }

    /// What the audit log holds, oldest first.
    /// - Parameters:
    ///   - since: only rows that started at or after it.
    ///   - version: only rows about this version (and the runs that touched it).
    ///   - connection: the connection to read on.
    ///   - logger: PostgresNIO logs the query with it.
    public func history(
        since: Date? = nil, version: Int64? = nil, on connection: PostgresConnection, logger: Logger
    ) async throws -> [AuditEntry] {
        var binds = PostgresBindings()
        binds.append(since)
        binds.append(version)
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT action, id, version_id, file, direction, outcome, started_at, finished_at, duration_seconds,
                           sqlstate, message, checksum, database_user, os_user, host, skein_version, approval,
                           database_size_before, database_size_after, run_id, command
                    FROM \(audit)
                    WHERE ($1::timestamptz IS NULL OR started_at >= $1)
                      AND ($2::int8 IS NULL OR version_id = $2
                           OR (action = 'run' AND run_id IN (SELECT run_id FROM \(audit) WHERE version_id = $2)))
                    ORDER BY id
                    """, binds: binds), logger: logger)
        var entries: [AuditEntry] = []
        for try await row in rows {
            let columns = try row.decode(
                (
                    String, Int64, Int64?, String?, String?, String, Date, Date?, Double?, String?, String?, String?,
                    String, String?, String?, String, String?, Int64?, Int64?, String?, String?
                ).self)
            guard let action = AuditAction(rawValue: columns.0) else {
                throw AuditDecodingError(id: columns.1, column: "action", value: columns.0)
            }
            guard let outcome = AuditOutcome(rawValue: columns.5) else {
                throw AuditDecodingError(id: columns.1, column: "outcome", value: columns.5)
            }
            var direction: Direction?
            if let text = columns.4 {
                guard let value = Direction(rawValue: text) else {
                    throw AuditDecodingError(id: columns.1, column: "direction", value: text)
                }
                direction = value
            }
            entries.append(
                AuditEntry(
                    action: action, id: columns.1, version: columns.2, file: columns.3, direction: direction,
                    outcome: outcome, startedAt: columns.6, finishedAt: columns.7, durationSeconds: columns.8,
                    sqlState: columns.9, message: columns.10, checksum: columns.11, databaseUser: columns.12,
                    osUser: columns.13, host: columns.14, skeinVersion: columns.15, approval: columns.16,
                    databaseSizeBefore: columns.17, databaseSizeAfter: columns.18, runID: columns.19,
                    command: columns.20))
        }
        return entries
    }
}

extension AuditRecord {
    /// The row's values in ``SkeinTables/auditInsertSQL(first:timedByServer:)``'s order.
    func append<Parameters: StatementParameters>(to binds: inout Parameters, context: AuditContext) {
        binds.bind(action.rawValue)
        binds.bind(version)
        binds.bind(file)
        binds.bind(direction?.rawValue)
        binds.bind(outcome.rawValue)
        binds.bind(startedAt)
        binds.bind(finishedAt)
        binds.bind(durationSeconds)
        binds.bind(sqlState)
        binds.bind(message)
        binds.bind(checksum)
        binds.bind(context.actor.osUser)
        binds.bind(context.actor.host)
        binds.bind(context.skeinVersion)
        binds.bind(approval ?? version.flatMap { context.approvals[$0] })
        binds.bind(sizeBefore)
        binds.bind(sizeAfter)
        binds.bind(context.runID)
        binds.bind(context.command)
    }
}
