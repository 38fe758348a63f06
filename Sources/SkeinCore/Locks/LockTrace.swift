/// What each statement of each migration did on a throwaway database, as `skein verify --locks` recorded it: the
/// locks it took, the tables it rewrote, the indexes and constraints it created. Pure and `Codable`
/// (`docs/schemas/lock-trace.schema.json`), so a saved trace can be read without PostgresNIO.
public struct LockTrace: Sendable, Hashable, Codable {
    public var schemaVersion = 1
    /// The server the trace ran on (`server_version`).
    public var serverVersion: String
    public var migrations: [MigrationLockTrace]

    public init(serverVersion: String, migrations: [MigrationLockTrace]) {
        self.serverVersion = serverVersion
        self.migrations = migrations
    }
}

/// One migration's Up, statement by statement.
public struct MigrationLockTrace: Sendable, Hashable, Codable {
    public var version: Int64
    /// The path, as read.
    public var file: String
    /// The file's name, without its directory.
    public var fileName: String
    /// Whether the Up ran in one transaction (its locks are held until its COMMIT).
    public var transactional: Bool
    public var statements: [StatementLockTrace]
    /// Why the trace stopped at this migration (a statement failed), if it did.
    public var error: String?
    /// Which tables held generated rows while it ran (or why it ran without them).
    public var rowsNote: String?

    enum CodingKeys: String, CodingKey { case version, file, fileName, transactional, statements, error, rowsNote }

    /// Every key, `null` for what is unknown (docs/json-output.md).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(file, forKey: .file)
        try container.encode(fileName, forKey: .fileName)
        try container.encode(transactional, forKey: .transactional)
        try container.encode(statements, forKey: .statements)
        try container.encode(error, forKey: .error)
        try container.encode(rowsNote, forKey: .rowsNote)
    }

    public init(
        version: Int64, file: String, transactional: Bool, statements: [StatementLockTrace], error: String? = nil
    ) {
        self.version = version
        self.file = file
        self.fileName = String(file.split(separator: "/").last ?? Substring(file))
        self.transactional = transactional
        self.statements = statements
        self.error = error
    }
}

/// One goose statement.
public struct StatementLockTrace: Sendable, Hashable, Codable {
    /// Its 1-based line in the file.
    public var line: Int
    /// Its text (the first 200 characters).
    public var sql: String
    /// The locks it took on relations that existed before the migration, strongest per relation. In a transaction
    /// they are held from this statement to the COMMIT.
    public var locks: [TracedLock]
    /// `read`: the session's own `pg_locks`, read after the statement, before the COMMIT (exact). `observed`:
    /// sampled from a second connection while the statement ran (a statement outside a transaction, such as
    /// `CREATE INDEX CONCURRENTLY`; a lock held for less than a sample's interval can be missed).
    public var method: Method
    /// Tables whose storage it rewrote (`pg_class.relfilenode` changed): every row was copied under its lock.
    public var rewrote: [String]
    /// Indexes and constraints it created (`index public.orders_email`, `constraint orders_user_fk on public.orders`).
    public var created: [String]

    public enum Method: String, Sendable, Hashable, Codable {
        case read, observed
    }

    public init(
        line: Int, sql: String, locks: [TracedLock], method: Method, rewrote: [String] = [], created: [String] = []
    ) {
        self.line = line
        self.sql = sql
        self.locks = locks
        self.method = method
        self.rewrote = rewrote
        self.created = created
    }

    /// The strongest lock it took on `relation` (as `schema.name`), if any.
    public func lock(on relation: String) -> TableLockMode? {
        locks.filter { $0.relation == relation }.map(\.mode).max()
    }
}

/// A lock on a relation.
public struct TracedLock: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `schema.name`, quoted where SQL needs it.
    public var relation: String
    /// `table`, `index`, `sequence`, `view`, `materialized view`, `partitioned table`, …
    public var kind: String
    public var mode: TableLockMode

    public init(relation: String, kind: String, mode: TableLockMode) {
        self.relation = relation
        self.kind = kind
        self.mode = mode
    }

    public var description: String { "\(mode) on \(kind) \(relation)" }
}

extension TableLockMode: Codable {}
