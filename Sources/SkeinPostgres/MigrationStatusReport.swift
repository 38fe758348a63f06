public import Foundation
import Logging
import PostgresNIO
public import SkeinCore
public import SkeinGovernance

/// Every migration's state for `status`: files and version rows side by side.
public struct MigrationStatusReport: Sendable {
    public enum State: String, Sendable, Hashable, Codable {
        case applied, pending, dirty
        case missingFile = "missing-file"
        case goMigration = "go-migration"
    }

    public struct Entry: Sendable, Hashable {
        public var version: Int64
        /// `nil` for an applied version whose file is gone.
        public var migration: Migration?
        public var state: State
        /// When the latest applied row was written (goose's `tstamp`).
        public var appliedAt: Date?
        public var dirty: DirtyMigration?
        /// How the applied file compares with its recorded checksums (`nil`: unchanged, or not applied).
        public var drift: Drift?
    }

    /// In version order: every file, then applied versions without a file.
    public var entries: [Entry]
    public var isVersioned: Bool

    init(migrations: [Migration], records: [VersionRecord], dirty: [DirtyMigration], isVersioned: Bool) {
        self.isVersioned = isVersioned
        let latest = Self.latestByVersion(records)
        let dirtyByVersion = Dictionary(dirty.map { ($0.version, $0) }, uniquingKeysWith: { first, _ in first })
        var entries: [Entry] = migrations.map { migration in
            let row = latest[migration.version]
            let appliedAt = row?.isApplied == true ? row?.appliedAt : nil
            let state: State
            if let _ = dirtyByVersion[migration.version] {
                state = .dirty
            } else if migration.kind == .go {
                state = .goMigration
            } else {
                state = row?.isApplied == true ? .applied : .pending
            }
            return Entry(
                version: migration.version, migration: migration, state: state, appliedAt: appliedAt,
                dirty: dirtyByVersion[migration.version])
        }
        if isVersioned {
            let known = Set(migrations.map(\.version))
            for version in MigrationPlanner.appliedVersions(of: records).subtracting(known).subtracting([0]).sorted() {
                entries.append(
                    Entry(
                        version: version, migration: nil, state: .missingFile, appliedAt: latest[version]?.appliedAt,
                        dirty: dirtyByVersion[version]))
            }
        }
        self.entries = entries.sorted { $0.version < $1.version }
    }

    /// goose's GetMigration for every version at once: the row with the latest tstamp (one pass, so status
    /// stays linear in the number of rows).
    static func latestByVersion(_ rows: [VersionRecord]) -> [Int64: VersionRecord] {
        var latest: [Int64: VersionRecord] = [:]
        latest.reserveCapacity(rows.count)
        for row in rows {
            if let current = latest[row.version],
                (current.appliedAt ?? .distantPast, current.id) >= (row.appliedAt ?? .distantPast, row.id)
            {
                continue
            }
            latest[row.version] = row
        }
        return latest
    }
}
