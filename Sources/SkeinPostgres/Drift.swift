import Foundation
import Logging
import PostgresNIO
public import SkeinCore

/// How an applied migration's file compares with the checksums recorded when it was applied.
public struct Drift: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The Up that would run now is not the Up that ran: the database does not match the file.
        case modified
        /// The Up is the same, but the Down or the rest of the file (comments) changed: reported, not blocking.
        case downModified = "down-modified"
        /// Applied, but no checksum was recorded (applied by goose alone, before Skein kept checksums).
        case unrecorded
    }

    public var version: Int64
    public var file: String
    public var kind: Kind
    /// The recorded checksum of what changed (the Up's for `modified`, the file's otherwise).
    public var recorded: String?
    public var current: String?

    public var description: String {
        switch kind {
        case .modified:
            "\(file): its Up changed after it was applied (recorded \(recorded.map { String($0.prefix(12)) } ?? "-"), now \(current.map { String($0.prefix(12)) } ?? "-")): the database no longer matches the file"
        case .downModified:
            "\(file): its Down or comments changed after it was applied (the Up is unchanged)"
        case .unrecorded:
            "\(file): applied without a recorded checksum"
        }
    }

    /// Compares the applied versions' files with their recorded checksums.
    /// - Parameters:
    ///   - applied: the versions goose's table has as applied.
    ///   - recorded: Skein's checksum rows by version (file, up, down).
    ///   - includingUnrecorded: whether applied versions without a checksum row are listed (`status` skips them).
    public static func compare(
        migrations: [Migration], applied: Set<Int64>, recorded: [Int64: MigrationChecksum],
        includingUnrecorded: Bool = true
    ) -> [Drift] {
        var drift: [Drift] = []
        for migration in migrations where migration.kind == .sql && applied.contains(migration.version) {
            guard let stored = recorded[migration.version] else {
                guard includingUnrecorded else { continue }
                drift.append(
                    Drift(
                        version: migration.version, file: migration.fileName, kind: .unrecorded, recorded: nil,
                        current: migration.checksum.file))
                continue
            }
            if stored.up != migration.checksum.up {
                drift.append(
                    Drift(
                        version: migration.version, file: migration.fileName, kind: .modified, recorded: stored.up,
                        current: migration.checksum.up))
            } else if stored.file != migration.checksum.file || stored.down != migration.checksum.down {
                drift.append(
                    Drift(
                        version: migration.version, file: migration.fileName, kind: .downModified,
                        recorded: stored.file, current: migration.checksum.file))
            }
        }
        return drift
    }
}

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
        _ migrations: [Migration], action: String, message: String, context: AuditContext,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard !migrations.isEmpty else { return }
        try await connection.transaction(logger: logger) { statements in
            for migration in migrations {
                let step = MigrationStep(migration: migration, direction: .up, recording: .record)
                try await statements.execute(PostgresQuery(unsafeSQL: upsertAppliedSQL, binds: recordBindings(step)))
            }
            var binds = PostgresBindings()
            AuditValues(
                action: action, version: migrations.count == 1 ? migrations[0].version : nil,
                file: migrations.count == 1 ? migrations[0].fileName : nil, direction: nil, outcome: "recorded",
                startedAt: Date(), finishedAt: nil, duration: nil, sqlState: nil, message: message,
                checksum: migrations.count == 1 ? migrations[0].checksum.file : nil, approval: nil, sizeBefore: nil,
                sizeAfter: nil
            ).append(to: &binds, context: context)
            try await statements.execute(PostgresQuery(unsafeSQL: auditInsertSQL(first: 1), binds: binds))
        }
    }
}
