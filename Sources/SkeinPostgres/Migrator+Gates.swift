import Foundation
import Logging
import PostgresNIO
import SkeinCore
import SkeinGovernance

extension Migrator {
    /// The gates' policies as this configuration sets them.
    var gatePolicies: GatePolicies {
        GatePolicies(
            modified: configuration.modified, destructive: configuration.destructive,
            backup: configuration.backupPolicy)
    }

    /// Asks ``GateEvaluation`` about `plan`, reading the recorded checksums only when it needs them.
    func evaluateGates(
        _ plan: MigrationPlan, migrations: [Migration], records: [VersionRecord], tables: SkeinTables,
        tablesExist: Bool, on connection: PostgresConnection, logger: Logger
    ) async throws -> GateDecision {
        let readsChecksums = GateEvaluation.readsChecksums(plan)
        let recorded =
            readsChecksums && tablesExist ? try await tables.recordedChecksums(on: connection, logger: logger) : [:]
        let applied = MigrationPlanner.appliedVersions(of: records)
        // Files read unparsed (deferred): an applied file is parsed only when its file checksum differs from the one
        // recorded, or none was (goose applied it: its checksums are adopted).
        let migrations =
            readsChecksums && migrations.contains(where: { !$0.isParsed })
            ? ParallelMap.map(migrations) { migration in
                guard applied.contains(migration.version) else { return migration }
                return recorded[migration.version].map { migration.parsed(unlessRecorded: $0) } ?? migration.parsed()
            } : migrations
        return GateEvaluation(
            policies: gatePolicies, approvals: configuration.approvals, actor: configuration.actor,
            hasBackup: configuration.backup != nil
        ).evaluate(plan, migrations: migrations, applied: applied, recorded: recorded)
    }

    /// Who approved each destructive migration about to be applied, for its audit row.
    func approvalReferences(_ steps: [MigrationStep]) -> [Int64: String] {
        var references: [Int64: String] = [:]
        for step in steps where step.direction == .up && step.migration.isDestructive {
            if case .approved(let approval) = configuration.approvals.standing(of: step.migration) {
                references[step.migration.version] =
                    "approved by \(approval.approvedBy) at \(approval.approvedAt) for checksum \(approval.checksum.prefix(12))"
                    + (approval.reason.map { ": \($0)" } ?? "")
            }
        }
        return references
    }

    /// Refuses a rejected run: every unmet gate in one error.
    func refuseIfRejected(_ decision: GateDecision) throws {
        if let first = decision.refusals.first {
            guard decision.refusals.count > 1 else {
                throw RunnerError(RunnerError.Code(refusing: first.gate), first.message, help: first.help)
            }
            throw RunnerError(
                RunnerError.Code(refusing: first.gate),
                "the run is refused by \(decision.refusals.count) gates:\n"
                    + decision.refusals.map { "  \($0.message)\n    (\($0.help))" }.joined(separator: "\n"),
                help: "settle each gate above, then run again")
        }
    }

    /// Carries out an accepted decision's actions, in order.
    func act(
        on decision: GateDecision, plan: MigrationPlan, tables: SkeinTables, audit: AuditContext,
        on connection: PostgresConnection, observer: (@Sendable (MigrationEvent) -> Void)?, logger: Logger
    ) async throws {
        try refuseIfRejected(decision)
        for action in decision.actions {
            switch action {
            case .adopt(let migrations, let auditAction, let message):
                try await tables.adopt(
                    migrations, action: auditAction, message: message, context: audit, on: connection, logger: logger)
            case .record(let record):
                try await tables.writeAudit(record, context: audit, on: connection, logger: logger)
            case .notice(let text):
                observer?(.notice(text))
            case .takeBackup:
                try await backUp(plan, tables: tables, audit: audit, on: connection, observer: observer, logger: logger)
            }
        }
    }

    /// Takes the configured backup (``Configuration/backup``) and records it; a failed backup is recorded and
    /// stops the run before any step.
    func backUp(
        _ plan: MigrationPlan, tables: SkeinTables, audit: AuditContext, on connection: PostgresConnection,
        observer: (@Sendable (MigrationEvent) -> Void)?, logger: Logger
    ) async throws {
        guard let backup = configuration.backup else { return }
        func row(_ outcome: AuditOutcome, message: String) async throws {
            try await tables.writeAudit(
                AuditRecord(action: .backup, version: plan.versionAfter, outcome: outcome, message: message),
                context: audit, on: connection, logger: logger)
        }
        let started = ContinuousClock.now
        let location: String
        do {
            location = try await backup.take(plan)
        } catch {
            try? await row(.failed, message: "\(error)")
            throw RunnerError(
                .backupFailed, "the backup before migrating failed, so nothing was migrated: \(error)",
                help:
                    "fix the backup (disk space, pg_dump on PATH and of the server's major version or newer, the role's read privileges) and run again"
            )
        }
        try await row(
            .recorded,
            message:
                "\(location) (\(ContinuousClock.now - started)), before migrating to \(plan.versionAfter.map(String.init) ?? "?")"
        )
        observer?(.backedUp(location: location))
    }
}
