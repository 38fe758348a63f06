/// PostgreSQL's table-level lock modes (the documentation's "Explicit Locking" chapter), weakest first.
public enum TableLockMode: String, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    case accessShare = "ACCESS SHARE"
    case rowShare = "ROW SHARE"
    case rowExclusive = "ROW EXCLUSIVE"
    case shareUpdateExclusive = "SHARE UPDATE EXCLUSIVE"
    case share = "SHARE"
    case shareRowExclusive = "SHARE ROW EXCLUSIVE"
    case exclusive = "EXCLUSIVE"
    case accessExclusive = "ACCESS EXCLUSIVE"

    public var description: String { rawValue }

    private var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }

    /// The documentation's conflict table.
    public func conflicts(with other: TableLockMode) -> Bool {
        let conflicting: Set<TableLockMode> =
            switch self {
            case .accessShare: [.accessExclusive]
            case .rowShare: [.exclusive, .accessExclusive]
            case .rowExclusive: [.share, .shareRowExclusive, .exclusive, .accessExclusive]
            case .shareUpdateExclusive:
                [.shareUpdateExclusive, .share, .shareRowExclusive, .exclusive, .accessExclusive]
            case .share: [.rowExclusive, .shareUpdateExclusive, .shareRowExclusive, .exclusive, .accessExclusive]
            case .shareRowExclusive:
                [.rowExclusive, .shareUpdateExclusive, .share, .shareRowExclusive, .exclusive, .accessExclusive]
            case .exclusive:
                [
                    .rowShare, .rowExclusive, .shareUpdateExclusive, .share, .shareRowExclusive, .exclusive,
                    .accessExclusive,
                ]
            case .accessExclusive: Set(Self.allCases)
            }
        return conflicting.contains(other)
    }

    /// What queues behind a request for this lock while it waits (a waiting request queues every later request
    /// that conflicts with it), as a clause a message can end with.
    public var queuedBehind: String {
        switch self {
        case .accessShare, .rowShare, .rowExclusive: "ordinary reads and writes do not queue behind it"
        case .shareUpdateExclusive:
            "other schema changes, VACUUM and CREATE INDEX CONCURRENTLY queue behind it; reads and writes do not"
        case .share, .shareRowExclusive: "writes to the table (INSERT, UPDATE, DELETE) queue behind it; reads do not"
        case .exclusive: "writes and SELECT … FOR UPDATE queue behind it; plain reads do not"
        case .accessExclusive: "every query on the table, reads included, queues behind it"
        }
    }

    /// Whether ordinary application queries (reads take ACCESS SHARE, writes ROW EXCLUSIVE) wait behind it.
    public var blocksTraffic: Bool { conflicts(with: .rowExclusive) || conflicts(with: .accessShare) }
}

extension TableLockMode {
    /// The mode as `pg_locks.mode` names it (`AccessExclusiveLock`), or `nil` for a lock that is not a table lock.
    public init?(pgLocksMode: String) {
        guard let mode = Self.allCases.first(where: { $0.pgLocksName == pgLocksMode }) else { return nil }
        self = mode
    }

    /// `pg_locks.mode`'s name for it: `AccessExclusiveLock`.
    public var pgLocksName: String {
        rawValue.lowercased().split(separator: " ").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
            + "Lock"
    }
}
