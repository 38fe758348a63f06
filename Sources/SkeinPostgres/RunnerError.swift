public import SkeinGovernance

/// An error of the runner that is not a server error inside a migration; `code` says which.
public struct RunnerError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable {
            case invalidConfiguration, newerSchema, missingPrivilege, dirty, notDirty, modified, unapproved,
                backupFailed,
                backupRequired, standby, transactionPooling
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }
        public static let invalidConfiguration = Code(.invalidConfiguration)
        public static let newerSchema = Code(.newerSchema)
        public static let missingPrivilege = Code(.missingPrivilege)
        /// A `NO TRANSACTION` migration is half-done; `skein repair` settles it.
        public static let dirty = Code(.dirty)
        /// `repair` named a version that is not dirty.
        public static let notDirty = Code(.notDirty)
        /// An applied migration's Up changed since it was applied (``Migrator/Configuration/modified`` is `.refuse`).
        public static let modified = Code(.modified)
        /// A `-- DESTRUCTIVE:` migration has no valid approval (``Migrator/Configuration/destructive`` is `.refuse`).
        public static let unapproved = Code(.unapproved)
        /// The backup before the run failed, so nothing ran (``Migrator/Configuration/backup``).
        public static let backupFailed = Code(.backupFailed)
        /// A `-- DESTRUCTIVE:` migration is about to run without a backup (``Migrator/Configuration/backupPolicy``).
        public static let backupRequired = Code(.backupRequired)
        /// A writing command reached a standby in recovery (``SessionProbe/inRecovery``).
        public static let standby = Code(.standby)
        /// The session changes server connection between statements (a transaction pooler), where the session lock
        /// or a `NO TRANSACTION` file would be unsafe (``SessionProbe/changesServerConnection``).
        public static let transactionPooling = Code(.transactionPooling)
        public var description: String { value.rawValue }

        /// The code of a gate's refusal.
        public init(refusing gate: GateRefusal.Gate) {
            switch gate {
            case .modified: self = Self.modified
            case .unapproved: self = Self.unapproved
            case .backupRequired: self = Self.backupRequired
            }
        }
    }

    public var code: Code
    public var message: String
    public var help: String
    /// The dirty migrations, for ``Code/dirty``.
    public var dirty: [DirtyMigration] = []

    public init(_ code: Code, _ message: String, help: String, dirty: [DirtyMigration] = []) {
        self.code = code
        self.message = message
        self.help = help
        self.dirty = dirty
    }

    public var description: String { "\(message). \(help)" }
}
