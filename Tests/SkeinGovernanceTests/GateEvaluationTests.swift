import Foundation
import SkeinCore
import SkeinGovernance
import Testing

/// The run-time gates as a pure decision, table by table: (files, applied, recorded checksums, policies) →
/// refusals and actions, with no database.
@Suite("gate evaluation")
struct GateEvaluationTests {
    static let actor = Operator(osUser: "deploy", host: "ci-7")

    static func migration(_ name: String, _ body: String, destructive: Bool = false) -> Migration {
        let text =
            (destructive ? "-- DESTRUCTIVE: drops the legacy column\n" : "")
            + "-- +goose Up\n\(body)\n-- +goose Down\nSELECT 1;\n"
        let catalog = MigrationCatalog(files: [SourceFile(path: "migrations/\(name)", text: text)])
        return catalog.migrations[0]
    }

    static let first = migration("20240101000000_create_a.sql", "CREATE TABLE a (id int);")
    static let second = migration("20240102000000_create_b.sql", "CREATE TABLE b (id int);")
    static let dropping = migration("20240103000000_drop_legacy.sql", "ALTER TABLE a DROP COLUMN x;", destructive: true)

    /// The plan of `up` with `applied` versions applied.
    static func plan(_ migrations: [Migration], applied: [Int64], command: MigrationCommand = .up) -> MigrationPlan {
        let records =
            [VersionRecord(id: 1, version: 0)]
            + applied.enumerated().map { VersionRecord(id: Int64($0.offset + 2), version: $0.element) }
        return MigrationPlanner().plan(command, migrations: migrations, records: records)
    }

    static func checksum(_ migration: Migration) -> MigrationChecksum { migration.checksum }

    static func evaluate(
        _ migrations: [Migration], applied: [Int64], recorded: [Int64: MigrationChecksum],
        policies: GatePolicies = .enforcing, approvals: ApprovalLedger = ApprovalLedger(), hasBackup: Bool = false,
        command: MigrationCommand = .up
    ) -> GateDecision {
        GateEvaluation(policies: policies, approvals: approvals, actor: actor, hasBackup: hasBackup).evaluate(
            plan(migrations, applied: applied, command: command), migrations: migrations, applied: Set(applied),
            recorded: recorded)
    }

    static func notices(_ decision: GateDecision) -> [String] {
        decision.actions.compactMap { if case .notice(let text) = $0 { text } else { nil } }
    }

    static func recordedActions(_ decision: GateDecision) -> [AuditAction] {
        decision.actions.compactMap {
            switch $0 {
            case .record(let record): record.action
            case .adopt(_, let action, _): action
            default: nil
            }
        }
    }

    @Test("nothing to decide: recorded checksums match, nothing destructive")
    func clean() {
        let decision = Self.evaluate(
            [Self.first, Self.second], applied: [Self.first.version],
            recorded: [Self.first.version: Self.first.checksum])
        #expect(decision.isAccepted)
        #expect(decision.actions.isEmpty)
    }

    @Test("files goose applied alone are adopted, with one row and one notice")
    func adoption() {
        let decision = Self.evaluate([Self.first, Self.second], applied: [Self.first.version], recorded: [:])
        #expect(decision.isAccepted)
        guard case .adopt(let migrations, let action, _) = decision.actions.first else {
            Issue.record("expected an adoption first, got \(decision.actions)")
            return
        }
        #expect(migrations.map(\.version) == [Self.first.version] && action == .adopt)
        #expect(Self.notices(decision).count == 1)
    }

    struct ModifiedCase: Sendable, CustomTestStringConvertible {
        var policy: ModifiedPolicy
        var refused: Bool
        var recorded: [AuditAction]
        var noticeCount: Int
        var testDescription: String { "\(policy)" }
    }

    @Test(
        "a changed Up: refuse refuses and writes nothing, warn warns and records that it ran, allow records the new checksums",
        arguments: [
            ModifiedCase(policy: .refuse, refused: true, recorded: [], noticeCount: 0),
            ModifiedCase(policy: .warn, refused: false, recorded: [.ranModified], noticeCount: 1),
            ModifiedCase(policy: .allow, refused: false, recorded: [.allowModified], noticeCount: 1),
        ])
    func modified(_ row: ModifiedCase) {
        let changed = MigrationChecksum(file: "f0", up: "u0", down: Self.first.checksum.down)
        let decision = Self.evaluate(
            [Self.first, Self.second], applied: [Self.first.version], recorded: [Self.first.version: changed],
            policies: GatePolicies(modified: row.policy))
        #expect(decision.isAccepted == !row.refused)
        #expect(decision.refusals.map(\.gate) == (row.refused ? [.modified] : []))
        #expect(Self.recordedActions(decision) == row.recorded)
        #expect(Self.notices(decision).count == row.noticeCount)
    }

    @Test("a changed Down alone is a notice, never a refusal")
    func downModified() {
        let changed = MigrationChecksum(file: "f0", up: Self.first.checksum.up, down: "d0")
        let decision = Self.evaluate(
            [Self.first, Self.second], applied: [Self.first.version], recorded: [Self.first.version: changed])
        #expect(decision.isAccepted)
        #expect(Self.notices(decision).count == 1)
    }

    struct DestructiveCase: Sendable, CustomTestStringConvertible {
        var destructive: DestructivePolicy
        var backup: BackupPolicy
        var hasBackup: Bool
        var refusals: [GateRefusal.Gate]
        var recorded: [AuditAction]
        var takesBackup: Bool
        var testDescription: String { "\(destructive)/\(backup)/backup \(hasBackup)" }
    }

    @Test(
        "an unapproved destructive migration: every unmet gate is reported at once; allowed ones are recorded",
        arguments: [
            DestructiveCase(
                destructive: .refuse, backup: .requiredForDestructive, hasBackup: false,
                refusals: [.unapproved, .backupRequired], recorded: [], takesBackup: false),
            DestructiveCase(
                destructive: .refuse, backup: .requiredForDestructive, hasBackup: true, refusals: [.unapproved],
                recorded: [], takesBackup: true),
            DestructiveCase(
                destructive: .allow, backup: .requiredForDestructive, hasBackup: false, refusals: [.backupRequired],
                recorded: [.allowDestructive], takesBackup: false),
            DestructiveCase(
                destructive: .allow, backup: .waived, hasBackup: false, refusals: [],
                recorded: [.allowDestructive, .noBackup], takesBackup: false),
            DestructiveCase(
                destructive: .warn, backup: .warn, hasBackup: false, refusals: [], recorded: [], takesBackup: false),
            DestructiveCase(
                destructive: .allow, backup: .requiredForDestructive, hasBackup: true, refusals: [],
                recorded: [.allowDestructive], takesBackup: true),
        ])
    func destructive(_ row: DestructiveCase) {
        let decision = Self.evaluate(
            [Self.first, Self.dropping], applied: [Self.first.version],
            recorded: [Self.first.version: Self.first.checksum],
            policies: GatePolicies(destructive: row.destructive, backup: row.backup), hasBackup: row.hasBackup)
        #expect(decision.refusals.map(\.gate) == row.refusals)
        #expect(Self.recordedActions(decision) == row.recorded)
        #expect(decision.actions.contains(.takeBackup) == row.takesBackup)
    }

    @Test("an approval of the file as it is now satisfies the approval gate; one of an older text does not")
    func approvals() {
        let current = ApprovalLedger(approvals: [
            MigrationApproval(
                version: Self.dropping.version, file: Self.dropping.fileName, checksum: Self.dropping.checksum.file,
                approvedBy: "reviewer", reason: nil, approvedAt: "2024-01-03T00:00:00Z")
        ])
        let stale = ApprovalLedger(approvals: [
            MigrationApproval(
                version: Self.dropping.version, file: Self.dropping.fileName, checksum: "an older text",
                approvedBy: "reviewer", reason: nil, approvedAt: "2024-01-03T00:00:00Z")
        ])
        let approved = Self.evaluate(
            [Self.first, Self.dropping], applied: [Self.first.version],
            recorded: [Self.first.version: Self.first.checksum], approvals: current, hasBackup: true)
        #expect(approved.isAccepted)
        let refused = Self.evaluate(
            [Self.first, Self.dropping], applied: [Self.first.version],
            recorded: [Self.first.version: Self.first.checksum], approvals: stale, hasBackup: true)
        #expect(refused.refusals.map(\.gate) == [.unapproved])
        #expect(refused.refusals.first?.message.contains("but the file changed since") == true)
    }

    @Test("a run that only rolls back skips the checksum and approval gates, and reads no checksums")
    func rollbackSkipsGates() {
        let plan = Self.plan([Self.first, Self.dropping], applied: [Self.first.version], command: .down)
        #expect(!GateEvaluation.readsChecksums(plan))
        let changed = MigrationChecksum(file: "f0", up: "u0", down: "d0")
        let decision = Self.evaluate(
            [Self.first, Self.dropping], applied: [Self.first.version], recorded: [Self.first.version: changed],
            command: .down)
        #expect(decision.isAccepted && decision.actions.isEmpty)
    }

    @Test("a run with nothing to do takes no backup")
    func nothingToDo() {
        let decision = Self.evaluate(
            [Self.first], applied: [Self.first.version], recorded: [Self.first.version: Self.first.checksum],
            hasBackup: true)
        #expect(decision.actions.isEmpty)
    }
}
