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

/// When a run must have a backup.
public enum BackupPolicy: String, Sendable, Hashable {
    /// A `-- DESTRUCTIVE:` migration needs a backup (Skein mode's default).
    case requiredForDestructive
    /// Warn when a destructive migration runs without one (goose mode's default).
    case warn
    /// Not required: `--no-backup`, recorded in the audit log when a destructive migration runs.
    case waived
}

/// The three gates' policies together, as a run applies them.
public struct GatePolicies: Sendable, Hashable {
    public var modified: ModifiedPolicy
    public var destructive: DestructivePolicy
    public var backup: BackupPolicy

    public init(
        modified: ModifiedPolicy = .refuse, destructive: DestructivePolicy = .refuse,
        backup: BackupPolicy = .requiredForDestructive
    ) {
        self.modified = modified
        self.destructive = destructive
        self.backup = backup
    }

    /// Skein's grammar and the library: every gate refuses.
    public static let enforcing = GatePolicies()
    /// goose's grammar: every gate warns (goose has none), unless skein.yaml says otherwise.
    public static let warning = GatePolicies(modified: .warn, destructive: .warn, backup: .warn)
}

/// What skein.yaml's `gates:` may say of one gate: `refuse` or `warn`.
public enum GateSetting: String, Sendable, Hashable, CaseIterable {
    case refuse
    case warn
}

extension ModifiedPolicy {
    /// The policy a configured setting means.
    public init(_ setting: GateSetting) {
        self = setting == .warn ? .warn : .refuse
    }
}

extension DestructivePolicy {
    /// The policy a configured setting means.
    public init(_ setting: GateSetting) {
        self = setting == .warn ? .warn : .refuse
    }
}

extension BackupPolicy {
    /// The policy a configured setting means: `refuse` requires a backup for a destructive migration.
    public init(_ setting: GateSetting) {
        self = setting == .warn ? .warn : .requiredForDestructive
    }
}
