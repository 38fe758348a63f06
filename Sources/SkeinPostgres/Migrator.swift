import Foundation
public import Logging
public import Metrics
public import PostgresNIO
public import SkeinCore
public import SkeinGovernance

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
        /// How concurrent runners exclude each other: goose's session advisory lock (default), goose's lock table, or
        /// none (see ``MigrationLock``).
        public var lock: MigrationLock = .session
        /// goose's library lock id for ``MigrationLock/session`` (`pg_try_advisory_lock(5887940537704921958)`);
        /// `nil` turns the lock off, as ``MigrationLock/none`` does.
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
        /// What a command may create on a database that has no version table yet.
        public var freshDatabase: FreshDatabasePolicy = .createOnlyToRun
        /// A grammar that reads every statement of the plan under the lock, before the gates, the backup and the
        /// first step: a statement it rejects refuses the whole run (``PlanRejected``, code `syntax-error`), so a
        /// typo never stops a run half-way. `nil` (the default) checks nothing; the `skein` CLI passes PostgreSQL
        /// 15's grammar (libpg_query), which an app need not link. See `StatementChecker` (SkeinCore).
        public var statementChecker: StatementChecker?
        /// Which tables each statement locks, for the pre-flight (``StatementSettings/preflight``): like
        /// ``statementChecker``, a value from PostgreSQL's grammar the caller passes (the `skein` CLI passes
        /// libpg_query's); `nil` (the default) skips the pre-flight, keeping the lock timeout and its retries.
        public var lockTargets: LockTargets?
        /// Whether each transactional file goes to the server as one pipeline (``MigrationExecutor/pipelines``).
        public var pipelines = true

        public init() {}
    }

    /// What a command may create on a database without goose's version table (see docs/runner.md).
    public enum FreshDatabasePolicy: Sendable, Hashable {
        /// Nothing is created until a step runs: reading sees version 0 and every file pending, a refused run
        /// writes nothing (Skein's grammar and the library).
        case createOnlyToRun
        /// goose v3.17's behaviour: every command that reads the version table creates it, with its version-0 row,
        /// once the migration files have been read (goose's grammar).
        case createVersionTableOnRead
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
    ///   - command: the goose command (`.up`, `.downTo(version)`, …).
    ///   - migrations: every migration there is, in any order (the catalog's); the plan picks the steps.
    ///   - connection: held for the whole run: the run's statements go to it, and the session advisory lock if used.
    ///   - sideChannel: a second connection for the lock-wait watch (``StatementSettings/warnAfter``).
    ///   - probe: what ``probeSession(on:logger:)`` already told about this connection (a ``BackendCanceller``
    ///     asks when it is made); `nil`: the run asks.
    ///   - observer: told as each step finishes and while a statement waits.
    ///   - logger: the run's log lines (the library never prints); PostgresNIO logs the queries with it too.
    /// - Throws: ``PlanRejected`` (also when ``Configuration/statementChecker`` rejects a statement of the plan:
    ///   nothing was written), ``LockTimeout``, ``RunnerError`` (`.dirty`, `.missingPrivilege`, …),
    ///   ``MigrationFailure``, or a connection error.
    public func run(
        _ command: MigrationCommand, migrations: [Migration], on connection: PostgresConnection,
        sideChannel: SideChannel? = nil, probe: SessionProbe? = nil,
        observer: (@Sendable (MigrationEvent) -> Void)? = nil, logger: Logger
    ) async throws -> Outcome {
        // Two probe statements first: a standby refuses at once, and a session that changes server connection (a
        // transaction pooler) refuses what needs one session.
        let probe = try await Self.probeSession(known: probe, on: connection, logger: logger)
        guard !probe.inRecovery else { throw Self.standbyError() }
        func body(_ backendPID: Int32?) async throws -> Outcome {
            try await runLocked(
                command, migrations: migrations, on: connection, probe: probe, backendPID: backendPID,
                sideChannel: sideChannel, observer: observer, logger: logger)
        }
        switch effectiveLock {
        case .none:
            return try await body(probe.backendPID)
        case .session:
            if probe.changesServerConnection {
                throw Self.poolingError(
                    probe.backendPIDs, breaks: "a session advisory lock does not keep other runs out; nothing was run")
            }
            return try await locked(connection, observer: observer, logger: logger) { backendPID in
                if let backendPID, let probed = probe.backendPID, backendPID != probed {
                    throw Self.poolingError(
                        [probed, backendPID],
                        breaks:
                            "a session advisory lock does not keep other runs out; nothing was run (the lock may stay held on server pid \(backendPID) until the pooler closes that connection)"
                    )
                }
                return try await body(backendPID)
            }
        case .table(let lock):
            guard let sideChannel else {
                throw RunnerError(
                    .invalidConfiguration,
                    "the table lock renews its lease from a second connection, and this run has none",
                    help: "pass a sideChannel (Migrator.run(_:migrations:client:) does), or use the session lock")
            }
            // Read first: a run with nothing to do writes nothing, not even the lock table.
            if let idle = try await nothingToDo(command, migrations: migrations, on: connection, logger: logger) {
                return idle
            }
            return try await withTableLock(
                lock, on: connection, sideChannel: sideChannel, observer: observer, logger: logger
            ) { try await body(probe.backendPID) }
        }
    }

    /// The lock this configuration takes (``Configuration/lockID`` `nil` turns the session lock off).
    var effectiveLock: MigrationLock {
        if case .session = configuration.lock, configuration.lockID == nil { return .none }
        return configuration.lock
    }

    /// The outcome of a run with nothing to do, read without the lock; `nil` when there is work (or something to
    /// refuse, or a half-done migration to look at under the lock).
    private func nothingToDo(
        _ command: MigrationCommand, migrations: [Migration], on connection: PostgresConnection, logger: Logger
    ) async throws -> Outcome? {
        let read: Read
        do {
            read = try await lockedRead(command, migrations: migrations, on: connection, logger: logger)
        } catch let error as RunnerError where error.code == .dirty {
            return nil
        }
        guard read.plan.steps.isEmpty, !read.plan.hasErrors else { return nil }
        return Outcome(plan: read.plan, report: MigrationExecutor.Report(completed: []))
    }

    /// The run under the lock: read, check, decide, act, execute.
    private func runLocked(
        _ command: MigrationCommand, migrations: [Migration], on connection: PostgresConnection, probe: SessionProbe,
        backendPID: Int32?, sideChannel: SideChannel?, observer: (@Sendable (MigrationEvent) -> Void)?, logger: Logger
    ) async throws -> Outcome {
        let read = try await lockedRead(command, migrations: migrations, on: connection, logger: logger)
        let records = read.records
        // Every statement about to run is read before anything is written: a typo refuses the whole run.
        let plan = try await checkingStatements(of: read.plan, on: connection, logger: logger)
        guard !plan.hasErrors else { throw PlanRejected(plan: plan) }
        guard !plan.steps.isEmpty else {
            return Outcome(plan: plan, report: MigrationExecutor.Report(completed: []))
        }
        try Self.refuseSessionSteps(plan.steps, probe: probe)
        for warning in plan.problems where warning.code == StatementChecker.notCheckedCode {
            observer?(.notice(warning.location.map { "\($0): \(warning.message)" } ?? warning.message))
        }
        let audit = tables.map { _ in
            AuditContext(
                command: "\(command)", actor: configuration.actor, skeinVersion: configuration.skeinVersion,
                approvals: approvalReferences(plan.steps))
        }
        // The gates decide first, reading only: a refused run writes nothing at all.
        let decision: GateDecision? =
            if let tables {
                try await evaluateGates(
                    plan, migrations: migrations, records: records, tables: tables,
                    tablesExist: read.skeinTablesExist, on: connection, logger: logger)
            } else { nil }
        if let decision { try refuseIfRejected(decision) }
        // A step will run: only now is anything created (goose's table and Skein's, when missing).
        try await prepareToRun(read, on: connection, logger: logger)
        if let tables, let audit, let decision {
            // Then the runner acts: adoptions, audit rows, warnings and the backup, before the first step.
            try await act(
                on: decision, plan: plan, tables: tables, audit: audit, on: connection, observer: observer,
                logger: logger)
        }
        var executor = MigrationExecutor(
            store: store, tables: tables, settings: configuration.statements, sideChannel: sideChannel,
            observer: observer, audit: audit)
        executor.metrics = configuration.metrics
        executor.lockTargets = configuration.lockTargets
        executor.pipelines = configuration.pipelines
        // Behind a transaction pooler no pid names the session between transactions: no blocker watch.
        executor.watchesBlockers = !probe.changesServerConnection
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
        // after. Its direction and outcome are where the run ended: a redo's (Down, then Up) are up and applied.
        func runRow(direction: Direction?, outcome: AuditOutcome, message: String?, sqlState: String?) async {
            try? await tables.writeAudit(
                AuditRecord(
                    action: .run, version: plan.versionAfter, direction: direction, outcome: outcome,
                    startedAt: startedAt, duration: clock.now - started, sqlState: sqlState, message: message,
                    sizeBefore: sizeBefore),
                context: audit, on: connection, logger: logger)
        }
        do {
            let report = try await executor.execute(
                plan.steps, on: connection, backendPID: backendPID, logger: logger)
            let directions = plan.steps.map(\.direction)
            await runRow(
                direction: directions.last, outcome: AuditOutcome(completedRun: directions) ?? .applied,
                message: "\(report.completed.count) of \(plan.steps.count) migrations", sqlState: nil)
            return Outcome(plan: plan, report: report)
        } catch let failure as MigrationFailure {
            await runRow(
                direction: failure.failed.direction, outcome: .failed,
                message:
                    "\(failure.completed.count) of \(plan.steps.count) migrations; failed at \(failure.failed.migration.fileName)",
                sqlState: failure.sqlState)
            throw failure
        } catch {
            await runRow(
                direction: plan.steps.first?.direction, outcome: .failed, message: PostgresErrorText.oneLine(error),
                sqlState: nil)
            throw error
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

    /// What a run read before deciding anything.
    struct Read: Sendable {
        var plan: MigrationPlan
        var records: [VersionRecord]
        /// Whether goose's table and Skein's tables existed.
        var versionTableExists: Bool
        var skeinTablesExist: Bool
        /// Skein's state as read (under the lock), so that ``prepareToRun(_:on:logger:)`` need not read it again.
        var skeinState: SkeinTables.State? = nil
    }

    /// Reads Skein's tables (refusing a dirty state) and goose's version table, and plans, changing nothing —
    /// except goose's table itself under ``FreshDatabasePolicy/createVersionTableOnRead`` (goose's grammar), where
    /// goose v3.17 creates it. Call under the lock.
    func lockedRead(
        _ command: MigrationCommand, migrations: [Migration], on connection: PostgresConnection, logger: Logger
    ) async throws -> Read {
        guard configuration.versioning == .versioned else {
            return Read(
                plan: planner.plan(command, migrations: migrations, history: .rows([])), records: [],
                versionTableExists: false, skeinTablesExist: false)
        }
        if let tables { try tables.checkNameLength() }
        var presence = try await presence(on: connection, logger: logger) ?? (false, false)
        var skeinState: SkeinTables.State?
        if let tables, presence.1 {
            let state = try await tables.state(on: connection, exists: true, logger: logger)
            guard state.schemaVersion <= SkeinTables.schemaVersion else { throw tables.newerSchemaError(state) }
            guard state.dirty.isEmpty else { throw Self.dirtyError(state.dirty) }
            skeinState = state
        }
        // goose collects the files first (for up-to, those up to the target): with none, it fails before touching
        // the table.
        let collected: Bool =
            if case .upTo(let target) = command {
                migrations.contains { $0.version <= target }
            } else {
                !migrations.isEmpty
            }
        if !presence.0, configuration.freshDatabase == .createVersionTableOnRead, collected {
            try await store.createIfAbsent(on: connection, logger: logger)
            presence.0 = true
        }
        let history: VersionHistory =
            presence.0 ? try await store.history(on: connection, exists: true, logger: logger) : .absent
        let records: [VersionRecord]
        switch history {
        case .rows(let rows): records = rows
        case .absent: records = []
        }
        // Without goose's table nothing was ever applied here: a reset has nothing to do (goose creates its table
        // and says nothing), like every other command on a fresh database.
        let planned: VersionHistory =
            if case .absent = history, command == .reset { .rows([VersionRecord(id: 1, version: 0)]) } else { history }
        let plan = planner.plan(command, migrations: migrations, history: planned)
        return Read(
            plan: plan, records: records, versionTableExists: presence.0, skeinTablesExist: presence.1,
            skeinState: skeinState)
    }

    /// Creates what a run that will apply or roll back steps needs: goose's table (with its version-0 row) when
    /// missing, and Skein's tables (created or upgraded). Safe when several runners start together.
    func prepareToRun(_ read: Read, on connection: PostgresConnection, logger: Logger) async throws {
        guard configuration.versioning == .versioned else { return }
        if let tables {
            let state = try await tables.ensure(
                on: connection, exists: read.skeinTablesExist, known: read.skeinState,
                skeinVersion: configuration.skeinVersion, logger: logger)
            guard state.dirty.isEmpty else { throw Self.dirtyError(state.dirty) }
        }
        if !read.versionTableExists {
            do {
                try await store.createIfAbsent(on: connection, logger: logger)
            } catch {
                throw tables?.privilegeError(error) ?? error
            }
        }
    }
}
