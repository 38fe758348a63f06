public import SkeinCore

/// The run-time gates' settings (``Migrator/Configuration``): what `up` does with a changed applied file, an
/// unapproved destructive migration, and a destructive migration without a backup. See docs/governance.md.

/// What `up` does when an applied file's Up changed.
public enum ModifiedPolicy: String, Sendable, Hashable {
    /// Refuse to run (Skein mode's default).
    case refuse
    /// Run, with a warning (goose mode's default).
    case warn
    /// Run, record the override in the audit log, and take the file's current checksums as the recorded ones
    /// (`--allow-modified`).
    case allow
}

/// What `up` does with a `-- DESTRUCTIVE:` migration that has no valid approval.
public enum DestructivePolicy: String, Sendable, Hashable {
    /// Refuse to run (Skein mode's default).
    case refuse
    /// Run, with a warning (goose mode's default).
    case warn
    /// Run, and record who let it through (`--allow-destructive`).
    case allow
}

/// A backup taken before a run's first step (the CLI's `--backup DIR`: `pg_dump -Fc`, checked with
/// `pg_restore --list`).
public struct BackupHook: Sendable {
    /// Takes the backup before `plan` runs and returns where it is; throwing stops the run before any step.
    public var take: @Sendable (MigrationPlan) async throws -> String

    public init(take: @escaping @Sendable (MigrationPlan) async throws -> String) {
        self.take = take
    }
}

/// When a run must have a backup.
public enum BackupPolicy: String, Sendable, Hashable {
    /// A `-- DESTRUCTIVE:` migration needs a backup (Skein mode's default).
    case requiredForDestructive
    /// Warn when a destructive migration runs without one (goose mode's default).
    case warn
    /// Not required: `--no-backup`, recorded in the audit log when a destructive migration runs.
    case waived
}
