public import SkeinCore

/// Why a run is refused before anything runs: one unmet gate, with what to do about it.
public struct GateRefusal: Sendable, Hashable, CustomStringConvertible {
    public enum Gate: String, Sendable, Hashable {
        /// An applied migration's Up changed since it was applied.
        case modified
        /// A `-- DESTRUCTIVE:` migration has no valid approval.
        case unapproved
        /// A `-- DESTRUCTIVE:` migration would run without a backup.
        case backupRequired = "backup-required"
    }

    public var gate: Gate
    public var message: String
    public var help: String

    public var description: String { "\(message)\n  help: \(help)" }
}

/// What the gates decided about a run: the refusals (all of them, so a user fixes everything at once) or, when
/// there is none, what the runner must do before the first step, in order.
public struct GateDecision: Sendable, Hashable {
    /// One thing the runner does for the gates.
    public enum Action: Sendable, Hashable {
        /// Record the files' current checksums as the applied ones, with one audit row of `action`.
        case adopt([Migration], action: AuditAction, message: String)
        /// Write one audit row.
        case record(AuditRecord)
        /// Tell the observer (a warning on the command line).
        case notice(String)
        /// Take the configured backup (and record it, or record its failure and stop).
        case takeBackup
    }

    public var actions: [Action] = []
    public var refusals: [GateRefusal] = []

    /// Whether the run may go ahead.
    public var isAccepted: Bool { refusals.isEmpty }

    public init(actions: [Action] = [], refusals: [GateRefusal] = []) {
        self.actions = actions
        self.refusals = refusals
    }
}

/// The run-time gates as a pure decision: given the plan, the files, what goose's table says is applied and the
/// checksums Skein recorded, decide what to refuse, what to record and what to warn about. ``Migrator`` asks,
/// then acts; nothing is written when the decision refuses. See docs/governance.md.
///
/// ```swift
/// let gates = GateEvaluation(policies: .enforcing, approvals: ledger, actor: actor, hasBackup: false)
/// let decision = gates.evaluate(plan, migrations: migrations, applied: applied, recorded: recorded)
/// guard decision.isAccepted else { throw … decision.refusals … }
/// ```
public struct GateEvaluation: Sendable {
    public var policies: GatePolicies
    public var approvals: ApprovalLedger
    /// Who runs it, named in the rows that record an override.
    public var actor: Operator
    /// Whether a backup is configured (``GateDecision/Action/takeBackup`` before the first step).
    public var hasBackup: Bool

    public init(policies: GatePolicies, approvals: ApprovalLedger, actor: Operator, hasBackup: Bool) {
        self.policies = policies
        self.approvals = approvals
        self.actor = actor
        self.hasBackup = hasBackup
    }

    /// Whether evaluating `plan` needs the recorded checksums: the checksum and approval gates are about what an
    /// Up does, so a run that only rolls back (or does nothing) skips them.
    public static func readsChecksums(_ plan: MigrationPlan) -> Bool {
        plan.steps.contains { $0.direction == .up }
    }

    /// The gates' decision on `plan`.
    /// - Parameters:
    ///   - applied: the versions goose's table has as applied.
    ///   - recorded: Skein's checksum rows by version (empty when ``readsChecksums(_:)`` is false).
    public func evaluate(
        _ plan: MigrationPlan, migrations: [Migration], applied: Set<Int64>, recorded: [Int64: MigrationChecksum]
    ) -> GateDecision {
        var decision = GateDecision()
        if Self.readsChecksums(plan) {
            checksums(plan, migrations: migrations, applied: applied, recorded: recorded, into: &decision)
            approvalGate(plan, into: &decision)
        }
        backupGate(plan, into: &decision)
        return decision
    }

    /// Adopts checksums of files goose applied alone; refuses, warns about or accepts a changed Up.
    private func checksums(
        _ plan: MigrationPlan, migrations: [Migration], applied: Set<Int64>, recorded: [Int64: MigrationChecksum],
        into decision: inout GateDecision
    ) {
        let drift = Drift.compare(migrations: migrations, applied: applied, recorded: recorded)
        let byVersion = Dictionary(migrations.map { ($0.version, $0) }, uniquingKeysWith: { first, _ in first })
        let unrecorded = drift.filter { $0.kind == .unrecorded }.compactMap { byVersion[$0.version] }
        if !unrecorded.isEmpty {
            let message =
                "adopted the checksums of \(unrecorded.count) migration\(unrecorded.count == 1 ? "" : "s") applied without Skein (by goose): later changes to those files will be detected"
            decision.actions.append(.adopt(unrecorded, action: .adopt, message: message))
            decision.actions.append(.notice(message))
        }
        for item in drift where item.kind == .downModified {
            decision.actions.append(.notice(item.description + "; recorded as it was applied"))
        }
        let modified = drift.filter { $0.kind == .modified }
        guard !modified.isEmpty else { return }
        switch policies.modified {
        case .refuse:
            decision.refusals.append(
                GateRefusal(
                    gate: .modified,
                    message: "applied migrations changed since they were applied:\n  "
                        + modified.map(\.description).joined(separator: "\n  "),
                    help:
                        "restore the files (git checkout) and put the change in a new migration; if the database really matches the new text, run with --allow-modified (recorded in the audit log)"
                ))
        case .warn:
            for item in modified {
                decision.actions.append(
                    .record(
                        AuditRecord(
                            action: .ranModified, version: item.version, file: item.file, outcome: .recorded,
                            message: "\(item.description); the run went ahead (the modified gate warns)",
                            checksum: item.current)))
                decision.actions.append(.notice(item.description))
            }
        case .allow:
            for item in modified {
                guard let migration = byVersion[item.version] else { continue }
                decision.actions.append(
                    .adopt(
                        [migration], action: .allowModified,
                        message: "\(item.description); accepted with --allow-modified: the new checksums are recorded"
                    ))
                decision.actions.append(
                    .notice(item.description + "; accepted (--allow-modified), recorded in the audit log"))
            }
        }
    }

    /// Refuses, warns about or records destructive migrations without a valid approval.
    private func approvalGate(_ plan: MigrationPlan, into decision: inout GateDecision) {
        let unapproved = plan.steps.filter { step in
            guard step.direction == .up, step.migration.isDestructive else { return false }
            if case .approved = approvals.standing(of: step.migration) { return false }
            return true
        }
        guard !unapproved.isEmpty else { return }
        func standing(_ migration: Migration) -> String {
            if case .stale(let approval) = approvals.standing(of: migration) {
                return "\(migration.fileName) (approved by \(approval.approvedBy), but the file changed since)"
            }
            return "\(migration.fileName) (no approval)"
        }
        switch policies.destructive {
        case .refuse:
            decision.refusals.append(
                GateRefusal(
                    gate: .unapproved,
                    message: "DESTRUCTIVE migrations without a valid approval: "
                        + unapproved.map { standing($0.migration) }.joined(separator: ", "),
                    help:
                        "have a reviewer run `skein approve VERSION --by NAME` and commit .skein-approvals.json, or run with --allow-destructive (recorded in the audit log with who ran it)"
                ))
        case .warn:
            for step in unapproved {
                decision.actions.append(.notice("DESTRUCTIVE without approval: \(standing(step.migration))"))
            }
        case .allow:
            for step in unapproved {
                decision.actions.append(
                    .record(
                        AuditRecord(
                            action: .allowDestructive, version: step.migration.version,
                            file: step.migration.fileName, direction: .up, outcome: .recorded,
                            message: "applied without approval: --allow-destructive by \(actor)",
                            checksum: step.migration.checksum.file)))
                decision.actions.append(
                    .notice("DESTRUCTIVE without approval, allowed: \(standing(step.migration)); recorded"))
            }
        }
    }

    /// The backup before the first step, or the destructive-needs-a-backup gate.
    private func backupGate(_ plan: MigrationPlan, into decision: inout GateDecision) {
        guard !plan.steps.isEmpty else { return }
        if hasBackup {
            decision.actions.append(.takeBackup)
            return
        }
        let destructive = plan.steps.filter { $0.direction == .up && $0.migration.isDestructive }
        guard !destructive.isEmpty else { return }
        let names = destructive.map(\.migration.fileName).joined(separator: ", ")
        switch policies.backup {
        case .requiredForDestructive:
            decision.refusals.append(
                GateRefusal(
                    gate: .backupRequired,
                    message: "DESTRUCTIVE migrations are about to run without a backup: \(names)",
                    help:
                        "give --backup DIR (pg_dump -Fc before migrating; skein.yaml backup-dir), or --no-backup if a backup exists elsewhere (recorded in the audit log)"
                ))
        case .warn:
            decision.actions.append(.notice("DESTRUCTIVE migrations run without a backup: \(names)"))
        case .waived:
            decision.actions.append(
                .record(
                    AuditRecord(
                        action: .noBackup, version: plan.versionAfter, outcome: .recorded,
                        message: "DESTRUCTIVE migrations run without a backup (--no-backup by \(actor)): \(names)")))
            decision.actions.append(
                .notice("DESTRUCTIVE migrations run without a backup (--no-backup, recorded): \(names)"))
        }
    }
}
