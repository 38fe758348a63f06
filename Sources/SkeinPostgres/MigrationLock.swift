import Foundation

/// How concurrent runners on one database exclude each other (`--lock`, env `GOOSE_LOCK`, skein.yaml `lock:`).
public enum MigrationLock: Sendable, Hashable {
    /// A session advisory lock, goose's library session locker (``Migrator/Configuration/lockID``). It belongs to
    /// one server connection, so it needs a session that stays on one: not a transaction pooler (PgBouncer
    /// `pool_mode = transaction`), where the runner refuses it.
    case session
    /// A row in a lock table, with an owner, a lease and a heartbeat sent from a second connection: goose ≥ 3.26's
    /// table locker, its layout and constants, so Skein and goose's library exclude each other there too. Works
    /// through a transaction pooler; a killed holder's lock expires with its lease.
    case table(TableLock)
    /// No lock: only when exactly one runner is guaranteed (`--no-lock`).
    case none
}

/// goose's table locker (pressly/goose ≥ 3.26, `lock/`): a table `goose_lock (lock_id bigint PRIMARY KEY, locked,
/// locked_at, locked_by, lease_expires_at, updated_at)`, one row per lock id, taken with an upsert that succeeds only
/// when the row is free or its lease has expired.
public struct TableLock: Sendable, Hashable {
    /// goose's `DefaultLockTableName`.
    public static let gooseTable = VersionTableName(schema: nil, table: "goose_lock")
    /// goose's `DefaultLockID`: crc32 of "goose".
    public static let gooseLockID: Int64 = 4_097_083_626

    /// The lock table (goose: `goose_lock`, in the search path's first schema).
    public var table: VersionTableName = Self.gooseTable
    /// The row's id (goose: 4097083626).
    public var lockID: Int64 = Self.gooseLockID
    /// How long the lock stays valid without a heartbeat (goose: 30 s).
    public var lease: Duration = .seconds(30)
    /// How often the lease is renewed, from a second connection (goose: 5 s).
    public var heartbeat: Duration = .seconds(5)
    /// How often a waiting runner tries again, ±25 % (goose: 5 s; one indexed upsert, so Skein tries every 1 s).
    public var retryInterval: Duration = .seconds(1)

    public init() {}
}

/// What two probe statements tell about the session behind a connection: the backend pids they ran on and whether
/// the server is a standby.
public struct SessionProbe: Sendable, Hashable {
    /// The backend pid of each probe statement, in order.
    public var backendPIDs: [Int32]
    /// `pg_is_in_recovery()`: the server is a standby (a hot standby, or a Patroni replica).
    public var inRecovery: Bool

    public init(backendPIDs: [Int32], inRecovery: Bool) {
        self.backendPIDs = backendPIDs
        self.inRecovery = inRecovery
    }

    /// The statements ran on different server connections: a transaction pooler (PgBouncer `pool_mode =
    /// transaction` or `statement`) is in between. The same pid twice proves nothing (a pooler may hand back the
    /// same connection); a different one proves the session does not stay on one server connection.
    public var changesServerConnection: Bool { Set(backendPIDs).count > 1 }

    /// The backend pid, when every probe saw the same one.
    public var backendPID: Int32? { changesServerConnection ? nil : backendPIDs.first }
}
