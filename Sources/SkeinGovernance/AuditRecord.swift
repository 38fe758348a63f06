public import Foundation
public import SkeinCore

/// One audit row about to be written: what the runner knows of an attempt, a run or an action. The database
/// adds the row's id, the database user and, for a run without a size after, the size now.
public struct AuditRecord: Sendable, Hashable {
    public var action: AuditAction
    public var version: Int64?
    public var file: String?
    public var direction: Direction?
    public var outcome: AuditOutcome
    public var startedAt: Date
    /// `nil`: the time the row is written.
    public var finishedAt: Date?
    public var duration: Duration?
    public var sqlState: String?
    public var message: String?
    public var checksum: String?
    /// Who approved it; `nil`: the run's approval of `version`, if any (``AuditContext/approvals``).
    public var approval: String?
    public var sizeBefore: Int64?
    public var sizeAfter: Int64?

    public init(
        action: AuditAction, version: Int64? = nil, file: String? = nil, direction: Direction? = nil,
        outcome: AuditOutcome, startedAt: Date = Date(), finishedAt: Date? = nil, duration: Duration? = nil,
        sqlState: String? = nil, message: String? = nil, checksum: String? = nil, approval: String? = nil,
        sizeBefore: Int64? = nil, sizeAfter: Int64? = nil
    ) {
        self.action = action
        self.version = version
        self.file = file
        self.direction = direction
        self.outcome = outcome
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.duration = duration
        self.sqlState = sqlState
        self.message = message
        self.checksum = checksum
        self.approval = approval
        self.sizeBefore = sizeBefore
        self.sizeAfter = sizeAfter
    }

    /// The duration in seconds, as the `duration_seconds` column holds it.
    public var durationSeconds: Double? {
        duration.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }
    }
}

/// Who and what a run is, stamped on each audit row it writes.
public struct AuditContext: Sendable, Hashable {
    /// One id per run: the rows of one `skein up` share it.
    public var runID: String
    /// The command as the user gave it (`up`, `down-to 20240101120000`).
    public var command: String
    public var actor: Operator
    public var skeinVersion: String
    /// Approval references by version (who approved a destructive migration, bound to which checksum).
    public var approvals: [Int64: String]

    public init(
        runID: String = UUID().uuidString.lowercased(), command: String, actor: Operator,
        skeinVersion: String, approvals: [Int64: String] = [:]
    ) {
        self.runID = runID
        self.command = command
        self.actor = actor
        self.skeinVersion = skeinVersion
        self.approvals = approvals
    }
}

/// Who runs migrations or an administrative action, for the audit log.
public struct Operator: Sendable, Hashable, CustomStringConvertible {
    public var osUser: String
    public var host: String

    public init(osUser: String, host: String) {
        self.osUser = osUser
        self.host = host
    }

    /// `user@host`.
    public var description: String { "\(osUser)@\(host)" }
}
