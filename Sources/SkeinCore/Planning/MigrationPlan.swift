public import Foundation

/// One row of goose's version table (`goose_db_version`).

public struct VersionRecord: Sendable, Hashable, Codable {
    /// The row's serial `id` (goose orders by it: the highest id is the most recent).
    public var id: Int64
    /// `version_id`.
    public var version: Int64
    /// `is_applied` (goose v3 deletes rows on down; `false` rows come from goose v2).
    public var isApplied: Bool
    /// `tstamp`, if read.
    public var appliedAt: Date?

    public init(id: Int64, version: Int64, isApplied: Bool = true, appliedAt: Date? = nil) {
        self.id = id
        self.version = version
        self.isApplied = isApplied
        self.appliedAt = appliedAt
    }
}

/// A goose command that changes the database.
public enum MigrationCommand: Sendable, Hashable, CustomStringConvertible {
    case up
    case upByOne
    case upTo(Int64)
    case down
    case downTo(Int64)
    case redo
    case reset

    public var description: String {
        switch self {
        case .up: "up"
        case .upByOne: "up-by-one"
        case .upTo(let version): "up-to \(version)"
        case .down: "down"
        case .downTo(let version): "down-to \(version)"
        case .redo: "redo"
        case .reset: "reset"
        }
    }

    /// Whether every step this command can plan is a Down (`down`, `down-to`, `reset`): such a run needs only
    /// the files it rolls back (no checksums are compared before a Down).
    public var onlyRollsBack: Bool {
        switch self {
        case .down, .downTo, .reset: true
        case .up, .upByOne, .upTo, .redo: false
        }
    }
}

/// What to do with unapplied migrations below the database's highest version (goose's
/// `-allow-missing`).
public enum MissingMigrationPolicy: Sendable, Hashable {
    /// Refuse to run (goose's default).
    case refuse
    /// Apply them first, in version order (goose's `-allow-missing`).
    case apply
}

/// What to do with a Down that is the policy's manual-recovery stub (``ManualRecoveryStub``): running it
/// prints OK and deletes the version row while restoring nothing.
public enum ManualRecoveryPolicy: Sendable, Hashable {
    /// Refuse to roll back across it (Skein's default).
    case refuse
    /// Run it anyway (`--allow-manual-recovery`).
    case allow
}

/// Whether the version table is used (goose's `-no-versioning` turns it off).
public enum VersioningMode: Sendable, Hashable {
    case versioned
    /// Files are run in file order and nothing is recorded.
    case unversioned
}

/// Whether a step writes the version table.
public enum VersionRecording: Sendable, Hashable {
    /// Up inserts the version row, Down deletes it (goose's default).
    case record
    /// Nothing is written (goose's `-no-versioning`).
    case skip
}

/// What the database's version table looks like before a run.
public enum VersionHistory: Sendable, Hashable {
    /// The table does not exist yet (goose creates it with a row for version 0).
    case absent
    /// Every row of the table, in any order.
    case rows([VersionRecord])
}

/// One migration to run in one direction.
public struct MigrationStep: Sendable, Hashable {
    public var migration: Migration
    public var direction: Direction
    public var recording: VersionRecording

    public init(migration: Migration, direction: Direction, recording: VersionRecording) {
        self.migration = migration
        self.direction = direction
        self.recording = recording
    }
}

/// The ordered steps of a command and every problem found, all at once.
public struct MigrationPlan: Sendable, Hashable {
    public var command: MigrationCommand
    public var steps: [MigrationStep]
    public var problems: [Diagnostic]
    /// goose's "current version" before the run: the version of the most recently applied row
    /// (`nil` when the table has no applied row at all); in unversioned mode, the last file's version.
    public var currentVersion: Int64?
    /// The current version once every step has run (for goose's closing line).
    public var versionAfter: Int64?

    public var hasErrors: Bool { problems.hasErrors }
}
