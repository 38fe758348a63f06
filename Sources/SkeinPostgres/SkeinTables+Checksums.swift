import Foundation
import Logging
import PostgresNIO
import SkeinCore
import SkeinGovernance

extension SkeinTables {
    /// Skein's checksum rows, by version.
    func recordedChecksums(on connection: PostgresConnection, logger: Logger) async throws -> [Int64: MigrationChecksum]
    {
        let rows = try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT version_id, checksum_file, checksum_up, checksum_down FROM \(applied)"),
            logger: logger)
        var checksums: [Int64: MigrationChecksum] = [:]
        for try await (version, file, up, down) in rows.decode((Int64, String, String?, String?).self) {
            checksums[version] = MigrationChecksum(file: file, up: up, down: down)
        }
        return checksums
    }

    /// Records the files' current checksums for `versions` (adoption of a goose-migrated database, or an
    /// accepted modification), with one audit row saying so. One transaction.
    func adopt(
        _ migrations: [Migration], action: AuditAction, message: String, context: AuditContext,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard !migrations.isEmpty else { return }
        try await connection.transaction(logger: logger) { statements in
            for migration in migrations {
                let step = MigrationStep(migration: migration, direction: .up, recording: .record)
                try await statements.execute(PostgresQuery(unsafeSQL: upsertAppliedSQL, binds: recordBindings(step)))
            }
            var binds = PostgresBindings()
            AuditRecord(
                action: action, version: migrations.count == 1 ? migrations[0].version : nil,
                file: migrations.count == 1 ? migrations[0].fileName : nil, outcome: .recorded, message: message,
                checksum: migrations.count == 1 ? migrations[0].checksum.file : nil
            ).append(to: &binds, context: context)
            try await statements.execute(PostgresQuery(unsafeSQL: auditInsertSQL(first: 1), binds: binds))
        }
    }
}
