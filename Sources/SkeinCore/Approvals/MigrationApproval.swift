public import Foundation

/// One recorded approval of a migration, bound to the file's checksum (``MigrationChecksum/file``): editing the
/// file afterwards invalidates it. The policy: "Require approval: Additional review process for destructive
/// changes"; "Approval records: Maintain records of who approved what changes".
public struct MigrationApproval: Sendable, Hashable, Codable {
    public var version: Int64
    public var file: String
    /// The file checksum at approval time.
    public var checksum: String
    public var approvedBy: String
    public var reason: String?
    /// RFC 3339, UTC.
    public var approvedAt: String

    public init(version: Int64, file: String, checksum: String, approvedBy: String, reason: String?, approvedAt: String)
    {
        self.version = version
        self.file = file
        self.checksum = checksum
        self.approvedBy = approvedBy
        self.reason = reason
        self.approvedAt = approvedAt
    }
}

/// The approvals of a migrations directory: `.skein-approvals.json` beside the migrations, reviewable in a pull
/// request (goose and sqlc ignore it).
public struct ApprovalLedger: Sendable, Hashable, Codable {
    /// The ledger's file name in the migrations directory.
    public static let fileName = ".skein-approvals.json"

    public var schemaVersion = 1
    public var approvals: [MigrationApproval] = []

    public init(approvals: [MigrationApproval] = []) {
        self.approvals = approvals
    }

    /// What the ledger says about a migration as it is now.
    public enum Standing: Sendable, Hashable {
        case approved(MigrationApproval)
        /// Approved, but the file changed since (checksum differs).
        case stale(MigrationApproval)
        case unapproved
    }

    public func standing(of migration: Migration) -> Standing {
        let matching = approvals.filter { $0.version == migration.version }
        if let valid = matching.last(where: { $0.checksum == migration.checksum.file }) { return .approved(valid) }
        if let old = matching.last { return .stale(old) }
        return .unapproved
    }

    /// Records an approval (replacing earlier ones of the same version).
    public mutating func approve(
        _ migration: Migration, by approver: String, reason: String?, at date: Date
    ) -> MigrationApproval {
        let formatter = ISO8601DateFormatter()
        let approval = MigrationApproval(
            version: migration.version, file: migration.fileName, checksum: migration.checksum.file,
            approvedBy: approver, reason: reason, approvedAt: formatter.string(from: date))
        approvals.removeAll { $0.version == migration.version }
        approvals.append(approval)
        approvals.sort { $0.version < $1.version }
        return approval
    }

    /// Reads a ledger.
    /// - Throws: ``ApprovalLedgerError`` naming the file.
    public static func decode(_ data: Data, path: String) throws(ApprovalLedgerError) -> ApprovalLedger {
        let ledger: ApprovalLedger
        do {
            ledger = try JSONDecoder().decode(ApprovalLedger.self, from: data)
        } catch {
            throw ApprovalLedgerError(path: path, reason: "\(error)")
        }
        guard ledger.schemaVersion == 1 else {
            throw ApprovalLedgerError(
                path: path,
                reason:
                    "schemaVersion \(ledger.schemaVersion), written by a newer Skein; this one reads schemaVersion 1 — upgrade skein (nothing was changed)"
            )
        }
        return ledger
    }

    /// The ledger as stable, reviewable JSON (sorted keys, one approval per block).
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return ((try? encoder.encode(self)) ?? Data()) + Data("\n".utf8)
    }
}

/// `.skein-approvals.json` cannot be read.
public struct ApprovalLedgerError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String {
        "\(path) is not a valid approvals file (\(reason)); restore it from version control or remove it and approve again"
    }
}
