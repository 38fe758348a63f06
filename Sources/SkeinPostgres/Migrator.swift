public import Foundation
public import Logging
public import Metrics
public import PostgresNIO
public import SkeinCore

#if canImport(Glibc)
    import Glibc
#endif

/// The runner for apps and the CLI: under the advisory lock, reads goose's version table and Skein's tables,
/// refuses a dirty state, plans with goose's semantics, and executes, on one held connection. The library never
/// prints; it logs, and reports progress through an observer.
///
/// ```swift
/// let catalog = try MigrationCatalog(source: DirectorySource(directory: migrationsURL.path))
/// let outcome = try await Migrator().run(.up, migrations: catalog.migrations, client: client, logger: logger)
/// ```
public struct Migrator: Sendable {
    /// Settings with goose's defaults, plus Skein's bookkeeping.
    public struct Configuration: Sendable {
        public var versionTable: VersionTableName = .gooseDefault
        /// goose's library lock id (`pg_try_advisory_lock(5887940537704921958)`); `nil` turns the lock off.
        public var lockID: Int64? = 5_887_940_537_704_921_958
        /// How often to retry the advisory lock (goose's library: every 5 s).
        public var lockRetryInterval: Duration = .seconds(5)
        /// How long to wait for the advisory lock before giving up (goose's library: 5 minutes).
        public var lockWait: Duration = .seconds(300)
        public var missingMigrations: MissingMigrationPolicy = .refuse
        public var versioning: VersioningMode = .versioned
        public var manualRecovery: ManualRecoveryPolicy = .refuse
        /// PostgreSQL's `lock_timeout` / `statement_timeout` for migration statements and the lock-wait watch.
        public var statements = StatementSettings()
        /// Whether Skein's own tables (``SkeinTables``: checksums, dirty state, audit) are kept. Default on.
        public var bookkeeping: Bookkeeping = .skeinTables
        /// Recorded in Skein's tables.
        public var skeinVersion = "0.1.0"
        /// Who runs migrations, for the audit log (default: this process's OS user and host).
        public var actor = Operator.current
        /// Approvals of `-- DESTRUCTIVE:` migrations (`.skein-approvals.json`), checked against each file's checksum;
        /// the approver goes into the audit row.
        public var approvals = ApprovalLedger()
        /// What `up` does when an applied migration's Up changed since it was applied.
        public var modified: ModifiedPolicy = .refuse
        /// What `up` does with a `-- DESTRUCTIVE:` migration that has no valid approval.
        public var destructive: DestructivePolicy = .refuse
        /// A backup taken under the lock before the first step of any run that changes something.
        public var backup: BackupHook?
        /// Whether a destructive migration needs a backup.
        public var backupPolicy: BackupPolicy = .requiredForDestructive
        /// Where the runner's metrics go (swift-metrics); `nil`: the bootstrapped backend.
        public var metrics: (any MetricsFactory)?

        public init() {}
    }

    /// Whether Skein keeps its own tables beside goose's.
    public enum Bookkeeping: Sendable, Hashable {
        /// goose's version table plus ``SkeinTables`` (default).
        case skeinTables
        /// goose's version table alone, exactly as goose v3.17 leaves a database.
        case gooseOnly
    }

    /// What a run did.
    public struct Outcome: Sendable {
        public var plan: MigrationPlan
        public var report: MigrationExecutor.Report
    }

    public var configuration: Configuration

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    var store: VersionStore { VersionStore(table: configuration.versionTable) }

    /// Skein's tables, when they are kept (never in unversioned mode).
    var tables: SkeinTables? {
        configuration.bookkeeping == .skeinTables && configuration.versioning == .versioned
            ? SkeinTables(versionTable: configuration.versionTable) : nil
    }

    /// The lock is held by another session for longer than the configured wait.
    public struct LockTimeout: Error, Sendable, CustomStringConvertible {
        public var holder: String?
        public var waited: Duration
        public var description: String {
            "another migration run holds the migration lock"
                + (holder.map { " (\($0))" } ?? "")
                + "; gave up after \(waited.components.seconds) s. Wait for it to finish, or stop it; wait longer (--lock-wait, Configuration.lockWait), and turn the lock off (--no-lock) only if you are sure nothing else migrates"
        }
    }

    /// The plan was rejected; every problem is listed.
    public struct PlanRejected: Error, Sendable, CustomStringConvertible {
        public var plan: MigrationPlan
        public var problems: [Diagnostic] { plan.problems }
        public var description: String { problems.map(\.description).joined(separator: "\n") }
    }

    /// Plans and runs `command` on a connection the caller holds.
    /// - Parameters:
    ///   - sideChannel: a second connection for the lock-wait watch (``StatementSettings/warnAfter``).
    ///   - observer: told as each step finishes and while a statement waits.
    /// - Throws: ``PlanRejected``, ``LockTimeout``, ``RunnerError`` (`.dirty`, `.missingPrivilege`, …),
    ///   ``MigrationFailure``, or a connection error.
    public func run(
        _ command: MigrationCommand, migrations: [Migration], on connection: PostgresConnection,
        sideChannel: SideChannel? = nil, observer: (@Sendable (MigrationEvent) -> Void)? = nil, logger: Logger
    ) async throws -> Outcome {
        try await locked(connection, logger: logger) { backendPID in
            let (plan, records) = try await lockedPlanAndRecords(
                command, migrations: migrations, on: connection, logger: logger)
            guard !plan.hasErrors else { throw PlanRejected(plan: plan) }
            let audit = tables.map { _ in
                AuditContext(
                    command: "\(command)", actor: configuration.actor, skeinVersion: configuration.skeinVersion,
                    approvals: approvalReferences(plan.steps))
            }
            if let tables, let audit {
                try await checkGates(
                    plan, migrations: migrations, records: records, tables: tables, audit: audit, on: connection,
                    observer: observer, logger: logger)
                // After the gates (no backup for a run that is refused), before the first step.
                try await backUp(plan, tables: tables, audit: audit, on: connection, observer: observer, logger: logger)
            }
            var executor = MigrationExecutor(
                store: store, tables: tables, settings: configuration.statements, sideChannel: sideChannel,
                observer: observer, audit: audit)
            executor.metrics = configuration.metrics
            guard let tables, let audit, !plan.steps.isEmpty else {
                let report = try await executor.execute(
                    plan.steps, on: connection, backendPID: backendPID, logger: logger)
                return Outcome(plan: plan, report: report)
            }
            // The run's own audit row, with the database's size before and after (pg_database_size reads every
            // file of the database: once each way per run).
            let startedAt = Date()
            let clock = ContinuousClock()
            let started = clock.now
            let sizeBefore = try await databaseSize(on: connection, logger: logger)
            // One clean-up statement (it must not hang on a connection the server closed), which also reads the size
            // after.
            func runRow(outcome: String, message: String?, sqlState: String?) async {
                try? await tables.writeAudit(
                    SkeinTables.AuditValues(
                        action: "run", version: plan.versionAfter, file: nil, direction: plan.steps.first?.direction,
                        outcome: outcome, startedAt: startedAt, finishedAt: nil, duration: clock.now - started,
                        sqlState: sqlState, message: message, checksum: nil, approval: nil, sizeBefore: sizeBefore,
                        sizeAfter: nil),
                    context: audit, on: connection, logger: logger)
            }
            do {
                let report = try await executor.execute(
                    plan.steps, on: connection, backendPID: backendPID, logger: logger)
                await runRow(
                    outcome: plan.steps.first?.direction == .down ? "rolled-back" : "applied",
                    message: "\(report.completed.count) of \(plan.steps.count) migrations", sqlState: nil)
                return Outcome(plan: plan, report: report)
            } catch let failure as MigrationFailure {
                await runRow(
                    outcome: "failed",
                    message:
                        "\(failure.completed.count) of \(plan.steps.count) migrations; failed at \(failure.failed.migration.fileName)",
                    sqlState: failure.sqlState)
                throw failure
            } catch {
                await runRow(outcome: "failed", message: "\(error)", sqlState: nil)
                throw error
            }
        }
    }

    /// Plans and runs `command` on a connection of `client` (which must be running), with a second pooled
    /// connection for the lock-wait watch.
    public func run(
        _ command: MigrationCommand, migrations: [Migration], client: PostgresClient,
        observer: (@Sendable (MigrationEvent) -> Void)? = nil, logger: Logger
    ) async throws -> Outcome {
        try await client.withConnection { connection in
            try await run(
                command, migrations: migrations, on: connection, sideChannel: .client(client), observer: observer,
                logger: logger)
        }
    }

    /// Creates or upgrades Skein's tables, refuses a dirty state, reads the version table (creating it as goose
    /// does) and plans. Call under the lock.
    func lockedPlan(
        _ command: MigrationCommand, migrations: [Migration], on connection: PostgresConnection, logger: Logger
    )
        async throws -> MigrationPlan
    {
        try await lockedPlanAndRecords(command, migrations: migrations, on: connection, logger: logger).plan
    }

    /// ``lockedPlan(_:migrations:on:logger:)`` with goose's rows it read (for the gates: one read per run).
    func lockedPlanAndRecords(
        _ command: MigrationCommand, migrations: [Migration], on connection: PostgresConnection, logger: Logger
    )
        async throws -> (plan: MigrationPlan, records: [VersionRecord])
    {
        guard configuration.versioning == .versioned else {
            return (planner.plan(command, migrations: migrations, history: .rows([])), [])
        }
        let presence = try await presence(on: connection, logger: logger)
        if let tables {
            let state = try await tables.ensure(
                on: connection, exists: presence?.1, skeinVersion: configuration.skeinVersion, logger: logger)
            guard state.dirty.isEmpty else { throw Self.dirtyError(state.dirty) }
        }
        let records = try await store.ensuredRecords(on: connection, exists: presence?.0, logger: logger)
        return (planner.plan(command, migrations: migrations, history: .rows(records)), records)
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

    /// The run-time gates, under the lock before anything runs: checksums of applied files (adopted when goose
    /// applied them alone; a changed Up refused, warned about or accepted), and approvals of destructive
    /// migrations.
    func checkGates(
        _ plan: MigrationPlan, migrations: [Migration], records: [VersionRecord], tables: SkeinTables,
        audit: AuditContext, on connection: PostgresConnection, observer: (@Sendable (MigrationEvent) -> Void)?,
        logger: Logger
    ) async throws {
        // The gates are about what an Up does: a run that only rolls back (or does nothing) skips them.
        guard plan.steps.contains(where: { $0.direction == .up }) else { return }
        let applied = MigrationPlanner.appliedVersions(of: records)
        let recorded = try await tables.recordedChecksums(on: connection, logger: logger)
        let drift = Drift.compare(migrations: migrations, applied: applied, recorded: recorded)
        let byVersion = Dictionary(migrations.map { ($0.version, $0) }, uniquingKeysWith: { first, _ in first })

        let unrecorded = drift.filter { $0.kind == .unrecorded }.compactMap { byVersion[$0.version] }
        if !unrecorded.isEmpty {
            let message =
                "adopted the checksums of \(unrecorded.count) migration\(unrecorded.count == 1 ? "" : "s") applied without Skein (by goose): later changes to those files will be detected"
            try await tables.adopt(
                unrecorded, action: "adopt", message: message, context: audit, on: connection, logger: logger)
            observer?(.notice(message))
        }
        for item in drift where item.kind == .downModified {
            observer?(.notice(item.description + "; recorded as it was applied"))
        }
        let modified = drift.filter { $0.kind == .modified }
        let appliesUps = plan.steps.contains { $0.direction == .up }
        if !modified.isEmpty && appliesUps {
            switch configuration.modified {
            case .refuse:
                throw RunnerError(
                    .modified,
                    "applied migrations changed since they were applied:\n  "
                        + modified.map(\.description).joined(separator: "\n  "),
                    help:
                        "restore the files (git checkout) and put the change in a new migration; if the database really matches the new text, run with --allow-modified (recorded in the audit log)"
                )
            case .warn:
                for item in modified { observer?(.notice(item.description)) }
            case .allow:
                for item in modified {
                    guard let migration = byVersion[item.version] else { continue }
                    try await tables.adopt(
                        [migration], action: "allow-modified",
                        message: "\(item.description); accepted with --allow-modified: the new checksums are recorded",
                        context: audit, on: connection, logger: logger)
                    observer?(.notice(item.description + "; accepted (--allow-modified), recorded in the audit log"))
                }
            }
        }

        let unapproved = plan.steps.filter { step in
            guard step.direction == .up, step.migration.isDestructive else { return false }
            if case .approved = configuration.approvals.standing(of: step.migration) { return false }
            return true
        }
        guard !unapproved.isEmpty else { return }
        func standing(_ migration: Migration) -> String {
            if case .stale(let approval) = configuration.approvals.standing(of: migration) {
                return "\(migration.fileName) (approved by \(approval.approvedBy), but the file changed since)"
            }
            return "\(migration.fileName) (no approval)"
        }
        switch configuration.destructive {
        case .refuse:
            throw RunnerError(
                .unapproved,
                "DESTRUCTIVE migrations without a valid approval: "
                    + unapproved.map { standing($0.migration) }.joined(separator: ", "),
                help:
                    "have a reviewer run `skein approve VERSION --by NAME` and commit .skein-approvals.json, or run with --allow-destructive (recorded in the audit log with who ran it)"
            )
        case .warn:
            for step in unapproved { observer?(.notice("DESTRUCTIVE without approval: \(standing(step.migration))")) }
        case .allow:
            for step in unapproved {
                try await tables.writeAudit(
                    SkeinTables.AuditValues(
                        action: "allow-destructive", version: step.migration.version, file: step.migration.fileName,
                        direction: .up, outcome: "recorded",
                        message:
                            "applied without approval: --allow-destructive by \(audit.actor.osUser)@\(audit.actor.host)",
                        checksum: step.migration.checksum.file),
                    context: audit, on: connection, logger: logger)
                observer?(.notice("DESTRUCTIVE without approval, allowed: \(standing(step.migration)); recorded"))
            }
        }
    }

    /// The backup before the first step (``Configuration/backup``), or the destructive-needs-a-backup gate.
    func backUp(
        _ plan: MigrationPlan, tables: SkeinTables, audit: AuditContext, on connection: PostgresConnection,
        observer: (@Sendable (MigrationEvent) -> Void)?, logger: Logger
    ) async throws {
        guard !plan.steps.isEmpty else { return }
        let destructive = plan.steps.filter { $0.direction == .up && $0.migration.isDestructive }
        func row(_ action: String, outcome: String, message: String) async throws {
            try await tables.writeAudit(
                SkeinTables.AuditValues(
                    action: action, version: plan.versionAfter, outcome: outcome, message: message),
                context: audit, on: connection, logger: logger)
        }
        if let backup = configuration.backup {
            let started = ContinuousClock.now
            let location: String
            do {
                location = try await backup.take(plan)
            } catch {
                try? await row("backup", outcome: "failed", message: "\(error)")
                throw RunnerError(
                    .backupFailed, "the backup before migrating failed, so nothing was migrated: \(error)",
                    help:
                        "fix the backup (disk space, pg_dump on PATH and of the server's major version or newer, the role's read privileges) and run again"
                )
            }
            try await row(
                "backup", outcome: "recorded",
                message:
                    "\(location) (\(ContinuousClock.now - started)), before migrating to \(plan.versionAfter.map(String.init) ?? "?")"
            )
            observer?(.notice("backup: \(location)"))
            return
        }
        guard !destructive.isEmpty else { return }
        let names = destructive.map(\.migration.fileName).joined(separator: ", ")
        switch configuration.backupPolicy {
        case .requiredForDestructive:
            throw RunnerError(
                .backupRequired, "DESTRUCTIVE migrations are about to run without a backup: \(names)",
                help:
                    "give --backup DIR (pg_dump -Fc before migrating; skein.yaml backup-dir), or --no-backup if a backup exists elsewhere (recorded in the audit log)"
            )
        case .warn:
            observer?(.notice("DESTRUCTIVE migrations run without a backup: \(names)"))
        case .waived:
            try await row(
                "no-backup", outcome: "recorded",
                message:
                    "DESTRUCTIVE migrations run without a backup (--no-backup by \(audit.actor.osUser)@\(audit.actor.host)): \(names)"
            )
            observer?(.notice("DESTRUCTIVE migrations run without a backup (--no-backup, recorded): \(names)"))
        }
    }

    func databaseSize(on connection: PostgresConnection, logger: Logger) async throws -> Int64? {
        try await connection.query("SELECT pg_database_size(current_database())", logger: logger).decodeFirst(
            Int64.self)
    }

    /// What the audit log holds (``SkeinTables/history(since:version:on:logger:)``); empty when Skein's tables do
    /// not exist yet.
    public func history(since: Date? = nil, version: Int64? = nil, on connection: PostgresConnection, logger: Logger)
        async throws -> [AuditEntry]
    {
        guard let tables, try await presence(on: connection, logger: logger)?.1 == true else { return [] }
        if try await tables.state(on: connection, exists: true, logger: logger).schemaVersion
            < SkeinTables.schemaVersion
        {
            // An older layout: upgrade it, under the lock as a run would.
            _ = try await locked(connection, logger: logger) { _ in
                try await tables.ensure(
                    on: connection, exists: true, skeinVersion: configuration.skeinVersion, logger: logger)
            }
        }
        return try await tables.history(since: since, version: version, on: connection, logger: logger)
    }

    /// How the applied files compare with the checksums recorded when they ran, changing nothing (for
    /// `validate --database-url`). Versions applied without a recorded checksum come back as
    /// ``Drift/Kind/unrecorded``; applied versions whose file is gone are not drift (status lists them).
    public func drift(migrations: [Migration], on connection: PostgresConnection, logger: Logger) async throws
        -> [Drift]
    {
        guard let tables, let presence = try await presence(on: connection, logger: logger) else { return [] }
        guard case .rows(let records) = try await store.history(on: connection, exists: presence.0, logger: logger)
        else { return [] }
        var recorded: [Int64: MigrationChecksum] = [:]
        if presence.1, try await tables.state(on: connection, exists: true, logger: logger).schemaVersion >= 1 {
            recorded = try await tables.recordedChecksums(on: connection, logger: logger)
        }
        return Drift.compare(
            migrations: migrations, applied: MigrationPlanner.appliedVersions(of: records), recorded: recorded)
    }

    /// Whether goose's table and Skein's tables exist, in one round trip.
    func presence(on connection: PostgresConnection, logger: Logger) async throws -> (Bool, Bool)? {
        let goose = store.table.quoted.replacingOccurrences(of: "'", with: "''")
        return try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT to_regclass('\(goose)') IS NOT NULL, " + (tables?.existsSQL ?? "false")),
            logger: logger
        ).collect().first?.decode((Bool, Bool).self)
    }

    var planner: MigrationPlanner {
        MigrationPlanner(
            missingMigrations: configuration.missingMigrations, versioning: configuration.versioning,
            manualRecovery: configuration.manualRecovery)
    }

    static func dirtyError(_ dirty: [DirtyMigration]) -> RunnerError {
        RunnerError(
            .dirty,
            "the database is dirty: a NO TRANSACTION migration did not finish, so Skein will not guess what state it is in:\n  "
                + dirty.map(\.description).joined(separator: "\n  "),
            help:
                "look at what those statements did; finish the rest by hand and run `skein repair \(dirty[0].version) --applied`, or undo what ran and run `skein repair \(dirty[0].version) --rolled-back`",
            dirty: dirty)
    }

    /// Plans without changing anything, not even creating the version table (for `--dry-run`).
    public func preview(
        _ command: MigrationCommand, migrations: [Migration], on connection: PostgresConnection, logger: Logger
    ) async throws -> MigrationPlan {
        let presence = configuration.versioning == .versioned ? try await presence(on: connection, logger: logger) : nil
        var plan = planner.plan(
            command, migrations: migrations,
            history: configuration.versioning == .versioned
                ? try await store.history(on: connection, exists: presence?.0, logger: logger) : .rows([]))
        if let tables,
            case let dirty = try await tables.state(on: connection, exists: presence?.1, logger: logger).dirty,
            !dirty.isEmpty
        {
            let error = Self.dirtyError(dirty)
            plan.problems.append(Diagnostic(severity: .error, code: "dirty", message: error.message, help: error.help))
        }
        return plan
    }

    /// Every migration's state, without changing anything but creating goose's version table (as goose's status
    /// does).
    public func status(migrations: [Migration], on connection: PostgresConnection, logger: Logger) async throws
        -> MigrationStatusReport
    {
        guard configuration.versioning == .versioned else {
            return MigrationStatusReport(migrations: migrations, records: [], dirty: [], isVersioned: false)
        }
        let presence = try await presence(on: connection, logger: logger)
        let records = try await store.ensuredRecords(on: connection, exists: presence?.0, logger: logger)
        let dirty = try await tables?.state(on: connection, exists: presence?.1, logger: logger).dirty ?? []
        var report = MigrationStatusReport(migrations: migrations, records: records, dirty: dirty, isVersioned: true)
        if let tables, presence?.1 == true {
            // Checksums of applied files against what was recorded when they ran.
            let drift = Drift.compare(
                migrations: migrations, applied: MigrationPlanner.appliedVersions(of: records),
                recorded: try await tables.recordedChecksums(on: connection, logger: logger), includingUnrecorded: false
            )
            let byVersion = Dictionary(drift.map { ($0.version, $0) }, uniquingKeysWith: { first, _ in first })
            for index in report.entries.indices {
                report.entries[index].drift = byVersion[report.entries[index].version]
            }
        }
        return report
    }

    // MARK: - Repair

    /// What `repair` should record a dirty migration as.
    public enum RepairResolution: String, Sendable, Hashable {
        /// Its direction is complete: after an Up, the version is applied; after a Down, it is not.
        case applied
        /// Its direction is undone: after an Up, the version is not applied; after a Down, it still is.
        case rolledBack = "rolled-back"
    }

    /// Who runs an administrative action, for the audit log.
    public struct Operator: Sendable, Hashable {
        public var osUser: String
        public var host: String
        public init(osUser: String, host: String) {
            self.osUser = osUser
            self.host = host
        }

        /// The operating-system user running this process and this machine's host name.
        public static var current: Operator {
            var user = ProcessInfo.processInfo.environment["USER"] ?? ""
            #if canImport(Glibc)
                if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { user = String(cString: name) }
            #endif
            return Operator(osUser: user, host: ProcessInfo.processInfo.hostName)
        }
    }

    /// Settles a dirty migration after the user has checked the database by hand: clears the dirty state, sets
    /// goose's version row to match, and writes an audit row. Under the lock.
    /// - Returns: the dirty state that was cleared.
    /// - Throws: ``RunnerError`` `.notDirty` when `version` is not dirty.
    public func repair(
        version: Int64, as resolution: RepairResolution, migrations: [Migration], by actor: Operator,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> DirtyMigration {
        guard let tables else {
            throw RunnerError(
                .invalidConfiguration,
                "repair needs Skein's tables, which are not kept with -no-versioning or Configuration.bookkeeping = .gooseOnly",
                help: "run repair with the version table and Skein's tables on")
        }
        return try await locked(connection, logger: logger) { _ in
            let state = try await tables.ensure(
                on: connection, skeinVersion: configuration.skeinVersion, logger: logger)
            guard let dirty = state.dirty.first(where: { $0.version == version }) else {
                throw RunnerError(
                    .notDirty, "version \(version) is not dirty",
                    help: state.dirty.isEmpty
                        ? "nothing needs repair"
                        : "dirty: \(state.dirty.map { String($0.version) }.joined(separator: ", "))")
            }
            let applied = (dirty.direction == .up) == (resolution == .applied)
            let records = try await store.ensuredRecords(on: connection, logger: logger)
            let isApplied = MigrationPlanner.appliedVersions(of: records).contains(version)
            let migration = migrations.first { $0.version == version }
            try await connection.transaction(logger: logger) { statements in
                if applied && !isApplied {
                    var binds = PostgresBindings()
                    binds.append(version)
                    binds.append(true)
                    try await statements.execute(PostgresQuery(unsafeSQL: store.insertSQL, binds: binds))
                } else if !applied && isApplied {
                    var binds = PostgresBindings()
                    binds.append(version)
                    try await statements.execute(PostgresQuery(unsafeSQL: store.deleteSQL, binds: binds))
                }
                var binds = PostgresBindings()
                binds.append(version)
                if applied, let migration {
                    let step = MigrationStep(migration: migration, direction: .up, recording: .record)
                    try await statements.execute(
                        PostgresQuery(unsafeSQL: tables.upsertAppliedSQL, binds: tables.recordBindings(step)))
                } else if !applied {
                    try await statements.execute(PostgresQuery(unsafeSQL: tables.deleteAppliedSQL, binds: binds))
                }
                try await statements.execute(PostgresQuery(unsafeSQL: tables.clearProgressSQL, binds: binds))
                var audit = PostgresBindings()
                SkeinTables.AuditValues(
                    action: "repair", version: version, file: dirty.file, direction: dirty.direction,
                    outcome: resolution.rawValue, startedAt: Date(), finishedAt: nil, duration: nil, sqlState: nil,
                    message: "\(dirty.description); recorded as \(resolution.rawValue)", checksum: nil, approval: nil,
                    sizeBefore: nil, sizeAfter: nil
                ).append(
                    to: &audit,
                    context: AuditContext(
                        command: "repair \(version) --\(resolution.rawValue)", actor: actor,
                        skeinVersion: configuration.skeinVersion))
                try await statements.execute(PostgresQuery(unsafeSQL: tables.auditInsertSQL(first: 1), binds: audit))
            }
            logger.info(
                "repaired", metadata: ["migration.version": "\(version)", "resolution": "\(resolution.rawValue)"])
            return dirty
        }
    }

    // MARK: - Lock

    /// Runs `body` holding the advisory lock (when configured), releasing it afterwards; `body` gets the
    /// connection's backend pid when taking the lock read it.
    func locked<Result: Sendable>(
        _ connection: PostgresConnection, logger: Logger, _ body: (Int32?) async throws -> Result
    ) async throws -> Result {
        let backendPID = try await lock(connection, logger: logger)
        do {
            let result = try await body(backendPID)
            try await unlock(connection, logger: logger)
            return result
        } catch {
            try? await unlock(connection, logger: logger)
            throw error
        }
    }

    private func lock(_ connection: PostgresConnection, logger: Logger) async throws -> Int32? {
        guard let id = configuration.lockID else { return nil }
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + configuration.lockWait
        while true {
            let row = try await connection.query("SELECT pg_try_advisory_lock(\(id)), pg_backend_pid()", logger: logger)
                .collect().first?.decode((Bool, Int32).self)
            if let row, row.0 { return row.1 }
            let holder = try await lockHolder(id, on: connection, logger: logger)
            logger.info("waiting for the migration lock", metadata: ["lock.holder": "\(holder ?? "unknown")"])
            let remaining = deadline - clock.now
            guard remaining > .zero else { throw LockTimeout(holder: holder, waited: clock.now - start) }
            try await Task.sleep(for: min(configuration.lockRetryInterval, remaining))
        }
    }

    private func unlock(_ connection: PostgresConnection, logger: Logger) async throws {
        guard let id = configuration.lockID else { return }
        try await connection.sendCleanup("SELECT pg_advisory_unlock(\(id))", logger: logger)
    }

    /// Who holds the advisory lock: pid, application, client address, since when.
    func lockHolder(_ id: Int64, on connection: PostgresConnection, logger: Logger) async throws -> String? {
        let classID = Int64(UInt64(bitPattern: id) >> 32)
        let objectID = Int64(UInt64(bitPattern: id) & 0xFFFF_FFFF)
        let rows = try await connection.query(
            """
            SELECT a.pid, coalesce(a.application_name, ''), coalesce(host(a.client_addr), 'local'),
                   coalesce(to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ'), '')
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND l.classid::int8 = \(classID) AND l.objid::int8 = \(objectID)
            LIMIT 1
            """, logger: logger)
        for try await (pid, application, address, since) in rows.decode((Int32, String, String, String).self) {
            return "pid \(pid), application \"\(application)\", from \(address), connected since \(since)"
        }
        return nil
    }
}

/// Every migration's state for `status`: files and version rows side by side.
public struct MigrationStatusReport: Sendable {
    public enum State: String, Sendable, Hashable, Codable {
        case applied, pending, dirty
        case missingFile = "missing-file"
        case goMigration = "go-migration"
    }

    public struct Entry: Sendable, Hashable {
        public var version: Int64
        /// `nil` for an applied version whose file is gone.
        public var migration: Migration?
        public var state: State
        /// When the latest applied row was written (goose's `tstamp`).
        public var appliedAt: Date?
        public var dirty: DirtyMigration?
        /// How the applied file compares with its recorded checksums (`nil`: unchanged, or not applied).
        public var drift: Drift?
    }

    /// In version order: every file, then applied versions without a file.
    public var entries: [Entry]
    public var isVersioned: Bool

    init(migrations: [Migration], records: [VersionRecord], dirty: [DirtyMigration], isVersioned: Bool) {
        self.isVersioned = isVersioned
        let latest = Self.latestByVersion(records)
        let dirtyByVersion = Dictionary(dirty.map { ($0.version, $0) }, uniquingKeysWith: { first, _ in first })
        var entries: [Entry] = migrations.map { migration in
            let row = latest[migration.version]
            let appliedAt = row?.isApplied == true ? row?.appliedAt : nil
            let state: State
            if let _ = dirtyByVersion[migration.version] {
                state = .dirty
            } else if migration.kind == .go {
                state = .goMigration
            } else {
                state = row?.isApplied == true ? .applied : .pending
            }
            return Entry(
                version: migration.version, migration: migration, state: state, appliedAt: appliedAt,
                dirty: dirtyByVersion[migration.version])
        }
        if isVersioned {
            let known = Set(migrations.map(\.version))
            for version in MigrationPlanner.appliedVersions(of: records).subtracting(known).subtracting([0]).sorted() {
                entries.append(
                    Entry(
                        version: version, migration: nil, state: .missingFile, appliedAt: latest[version]?.appliedAt,
                        dirty: dirtyByVersion[version]))
            }
        }
        self.entries = entries.sorted { $0.version < $1.version }
    }

    /// goose's GetMigration for every version at once: the row with the latest tstamp (one pass, so status
    /// stays linear in the number of rows).
    static func latestByVersion(_ rows: [VersionRecord]) -> [Int64: VersionRecord] {
        var latest: [Int64: VersionRecord] = [:]
        latest.reserveCapacity(rows.count)
        for row in rows {
            if let current = latest[row.version],
                (current.appliedAt ?? .distantPast, current.id) >= (row.appliedAt ?? .distantPast, row.id)
            {
                continue
            }
            latest[row.version] = row
        }
        return latest
    }
}
