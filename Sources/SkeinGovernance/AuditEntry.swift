public import Foundation
public import SkeinCore

/// One row of Skein's audit log (`<table>_skein_audit`): a migration attempt, a whole run, or an administrative
/// action (repair, adopt, allow-modified, allow-destructive, no-backup, backup).
///
/// In JSON (`skein history --format json`), every key is present, absent values as `null`; the migration's version
/// is under `version` and, for `schemaVersion: 1` readers, also under the deprecated `versionID`; its file name is
/// under `fileName` and, deprecated, `file` (everywhere else `file` is a path, which the audit log does not hold).
public struct AuditEntry: Sendable, Hashable, Codable {
    public var action: AuditAction
    public var id: Int64
    /// The migration's version (for a run: the version it left the database at).
    public var version: Int64?
    /// The migration's file name (`20240101120000_initial_schema.sql`); the database records no directory.
    public var file: String?
    public var direction: Direction?
    public var outcome: AuditOutcome
    public var startedAt: Date
    public var finishedAt: Date?
    public var durationSeconds: Double?
    public var sqlState: String?
    public var message: String?
    public var checksum: String?
    public var databaseUser: String
    public var osUser: String?
    public var host: String?
    public var skeinVersion: String
    public var approval: String?
    public var databaseSizeBefore: Int64?
    public var databaseSizeAfter: Int64?
    public var runID: String?
    public var command: String?

    /// The version, under the name `schemaVersion: 1` JSON used first.
    @available(*, deprecated, renamed: "version")
    public var versionID: Int64? {
        get { version }
        set { version = newValue }
    }

    public init(
        action: AuditAction, id: Int64, version: Int64?, file: String?, direction: Direction?, outcome: AuditOutcome,
        startedAt: Date, finishedAt: Date?, durationSeconds: Double?, sqlState: String?, message: String?,
        checksum: String?, databaseUser: String, osUser: String?, host: String?, skeinVersion: String,
        approval: String?, databaseSizeBefore: Int64?, databaseSizeAfter: Int64?, runID: String?, command: String?
    ) {
        self.action = action
        self.id = id
        self.version = version
        self.file = file
        self.direction = direction
        self.outcome = outcome
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationSeconds = durationSeconds
        self.sqlState = sqlState
        self.message = message
        self.checksum = checksum
        self.databaseUser = databaseUser
        self.osUser = osUser
        self.host = host
        self.skeinVersion = skeinVersion
        self.approval = approval
        self.databaseSizeBefore = databaseSizeBefore
        self.databaseSizeAfter = databaseSizeAfter
        self.runID = runID
        self.command = command
    }

    enum CodingKeys: String, CodingKey {
        case action, id, version, versionID, file, fileName, direction, outcome, startedAt, finishedAt, durationSeconds,
            sqlState, message, checksum, databaseUser, osUser, host, skeinVersion, approval, databaseSizeBefore,
            databaseSizeAfter, runID, command
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(action, forKey: .action)
        try container.encode(id, forKey: .id)
        try container.encode(version, forKey: .version)
        try container.encode(version, forKey: .versionID)
        try container.encode(file, forKey: .file)
        try container.encode(file, forKey: .fileName)
        try container.encode(direction, forKey: .direction)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(durationSeconds, forKey: .durationSeconds)
        try container.encode(sqlState, forKey: .sqlState)
        try container.encode(message, forKey: .message)
        try container.encode(checksum, forKey: .checksum)
        try container.encode(databaseUser, forKey: .databaseUser)
        try container.encode(osUser, forKey: .osUser)
        try container.encode(host, forKey: .host)
        try container.encode(skeinVersion, forKey: .skeinVersion)
        try container.encode(approval, forKey: .approval)
        try container.encode(databaseSizeBefore, forKey: .databaseSizeBefore)
        try container.encode(databaseSizeAfter, forKey: .databaseSizeAfter)
        try container.encode(runID, forKey: .runID)
        try container.encode(command, forKey: .command)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        action = try container.decode(AuditAction.self, forKey: .action)
        id = try container.decode(Int64.self, forKey: .id)
        version =
            try container.decodeIfPresent(Int64.self, forKey: .version)
            ?? container.decodeIfPresent(Int64.self, forKey: .versionID)
        file =
            try container.decodeIfPresent(String.self, forKey: .fileName)
            ?? container.decodeIfPresent(String.self, forKey: .file)
        direction = try container.decodeIfPresent(Direction.self, forKey: .direction)
        outcome = try container.decode(AuditOutcome.self, forKey: .outcome)
        startedAt = try container.decode(Date.self, forKey: .startedAt)
        finishedAt = try container.decodeIfPresent(Date.self, forKey: .finishedAt)
        durationSeconds = try container.decodeIfPresent(Double.self, forKey: .durationSeconds)
        sqlState = try container.decodeIfPresent(String.self, forKey: .sqlState)
        message = try container.decodeIfPresent(String.self, forKey: .message)
        checksum = try container.decodeIfPresent(String.self, forKey: .checksum)
        databaseUser = try container.decode(String.self, forKey: .databaseUser)
        osUser = try container.decodeIfPresent(String.self, forKey: .osUser)
        host = try container.decodeIfPresent(String.self, forKey: .host)
        skeinVersion = try container.decode(String.self, forKey: .skeinVersion)
        approval = try container.decodeIfPresent(String.self, forKey: .approval)
        databaseSizeBefore = try container.decodeIfPresent(Int64.self, forKey: .databaseSizeBefore)
        databaseSizeAfter = try container.decodeIfPresent(Int64.self, forKey: .databaseSizeAfter)
        runID = try container.decodeIfPresent(String.self, forKey: .runID)
        command = try container.decodeIfPresent(String.self, forKey: .command)
    }
}
