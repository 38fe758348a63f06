public import SkeinCore

/// What an audit row is about. The raw values are what Skein writes in the audit table's `action` column and in
/// JSON output: stable, kebab-case, never renamed.
public enum AuditAction: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// One migration in one direction.
    case migrate
    /// A whole command (`up`, `down-to 20240101120000`), with the database's size before and after.
    case run
    /// `skein repair`: a dirty migration settled by hand.
    case repair
    /// Checksums recorded for migrations goose applied alone.
    case adopt
    /// `--allow-modified`: an applied file whose Up changed was accepted.
    case allowModified = "allow-modified"
    /// A run went ahead although an applied migration's Up changed, because the gate only warns (goose's grammar,
    /// or `gates.modified: warn`); the recorded checksums stay as they were.
    case ranModified = "ran-modified"
    /// `--allow-destructive`: a `-- DESTRUCTIVE:` migration ran without an approval.
    case allowDestructive = "allow-destructive"
    /// `--no-backup`: a destructive migration ran without a backup.
    case noBackup = "no-backup"
    /// The backup taken before a run.
    case backup

    /// Whether the row is a migration attempt or a run (the rest are administrative actions).
    public var isAttemptOrRun: Bool { self == .migrate || self == .run }

    public var description: String { rawValue }
}

/// How the thing an audit row records ended. The raw values are what Skein writes in the `outcome` column.
public enum AuditOutcome: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// An Up that committed (or, for `repair`, a direction recorded as complete).
    case applied
    /// A Down that committed (or, for `repair`, a direction recorded as undone).
    case rolledBack = "rolled-back"
    /// It failed; the row has the message and SQLSTATE.
    case failed
    /// An administrative action's own result: it was recorded.
    case recorded

    /// The outcome of a migration step that committed in `direction`.
    public init(completed direction: AuditDirection) {
        self = direction == .up ? .applied : .rolledBack
    }

    /// The outcome of a run whose steps all committed, in this order: the last step's, which is where the run left
    /// the database. A redo (a Down, then the Up again) is applied; `up`, `down` and `reset` are their steps'.
    /// `nil` for a run without a step.
    /// - Parameter directions: the steps' directions, in the order they ran.
    package init?(completedRun directions: some BidirectionalCollection<AuditDirection>) {
        guard let last = directions.last else { return nil }
        self.init(completed: last)
    }

    public var description: String { rawValue }
}

/// The direction an audit row's migration ran in: the `direction` column (`up`, `down`).
public typealias AuditDirection = Direction

/// Why an audit row could not be read: a value this version of Skein does not know (written by a newer one).
public struct AuditDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The row's id in the audit table.
    public var id: Int64
    /// The column (`action`, `outcome`, `direction`).
    public var column: String
    public var value: String

    public init(id: Int64, column: String, value: String) {
        self.id = id
        self.column = column
        self.value = value
    }

    public var description: String {
        "audit row \(id) has \(column) \"\(value)\", which this version of Skein does not know: it was written by a newer Skein; upgrade skein to read it"
    }
}
