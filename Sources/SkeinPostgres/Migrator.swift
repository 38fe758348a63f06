public import Logging
public import PostgresNIO
public import SkeinCore

/// The runner for apps and the CLI: under the advisory lock, reads goose's version table, plans with goose's
/// semantics, and executes, on one held connection. The library never prints; it logs.
public struct Migrator: Sendable {
    /// Settings with goose's defaults.
    public struct Configuration: Sendable {
        public var versionTable: VersionTableName = .gooseDefault
        /// goose's library lock id (`pg_try_advisory_lock(5887940537704921958)`); `nil` turns the lock off.
        public var lockID: Int64? = 5_887_940_537_704_921_958
        /// How often and how long to retry the lock (goose's library: every 5 s, up to 5 minutes).
        public var lockRetryInterval: Duration = .seconds(5)
        public var lockTimeout: Duration = .seconds(300)
        public var missingMigrations: MissingMigrationPolicy = .refuse
        public var versioning: VersioningMode = .versioned
        public var manualRecovery: ManualRecoveryPolicy = .refuse

        public init() {}
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

    /// The lock is held by another session for longer than the configured wait.
    public struct LockTimeout: Error, Sendable, CustomStringConvertible {
        public var holder: String?
        public var description: String {
            "another migration run holds the migration lock"
                + (holder.map { " (\($0))" } ?? "")
                + "; wait for it to finish, or stop it; run with --no-lock only if you are sure nothing else migrates"
        }
    }

    /// The plan was rejected; every problem is listed.
    public struct PlanRejected: Error, Sendable, CustomStringConvertible {
        public var plan: MigrationPlan
        public var problems: [Diagnostic] { plan.problems }
        public var description: String { problems.map(\.description).joined(separator: "\n") }
    }

    /// Plans and runs `command`.
    /// - Throws: ``PlanRejected``, ``LockTimeout``, ``MigrationFailure``, or a server error.
    public func run(
        _ command: MigrationCommand, migrations: [Migration], on connection: PostgresConnection, logger: Logger
    ) async throws -> Outcome {
        let store = VersionStore(table: configuration.versionTable)
        try await lock(connection, logger: logger)
        do {
            let outcome = try await runLocked(
                command, migrations: migrations, store: store, on: connection, logger: logger)
            try await unlock(connection, logger: logger)
            return outcome
        } catch {
            try? await unlock(connection, logger: logger)
            throw error
        }
    }

    /// Reads the version table (creating it as goose does) and plans, without running anything.
    public func plan(
        _ command: MigrationCommand, migrations: [Migration], on connection: PostgresConnection, logger: Logger
    ) async throws -> MigrationPlan {
        let store = VersionStore(table: configuration.versionTable)
        let history: VersionHistory =
            configuration.versioning == .versioned
            ? .rows(try await store.ensuredRecords(on: connection, logger: logger)) : .rows([])
        return MigrationPlanner(
            missingMigrations: configuration.missingMigrations, versioning: configuration.versioning
        )
        .plan(command, migrations: migrations, history: history)
    }

    /// Plans without changing anything, not even creating the version table (for `--dry-run`).
    public func preview(
        _ command: MigrationCommand, migrations: [Migration], on connection: PostgresConnection, logger: Logger
    ) async throws -> MigrationPlan {
        let store = VersionStore(table: configuration.versionTable)
        let history: VersionHistory =
            configuration.versioning == .versioned ? try await store.history(on: connection, logger: logger) : .rows([])
        return MigrationPlanner(
            missingMigrations: configuration.missingMigrations, versioning: configuration.versioning,
            manualRecovery: configuration.manualRecovery
        ).plan(command, migrations: migrations, history: history)
    }

    private func runLocked(
        _ command: MigrationCommand, migrations: [Migration], store: VersionStore, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Outcome {
        let plan = try await plan(command, migrations: migrations, on: connection, logger: logger)
        guard !plan.hasErrors else { throw PlanRejected(plan: plan) }
        let report = try await MigrationExecutor(store: store).execute(plan.steps, on: connection, logger: logger)
        return Outcome(plan: plan, report: report)
    }

    private func lock(_ connection: PostgresConnection, logger: Logger) async throws {
        guard let id = configuration.lockID else { return }
        let clock = ContinuousClock()
        let deadline = clock.now + configuration.lockTimeout
        while true {
            let rows = try await connection.query("SELECT pg_try_advisory_lock(\(id))", logger: logger)
            var acquired = false
            for try await value in rows.decode(Bool.self) { acquired = value }
            if acquired { return }
            let holder = try await lockHolder(id, on: connection, logger: logger)
            logger.info("waiting for the migration lock", metadata: ["lock.holder": "\(holder ?? "unknown")"])
            guard clock.now + configuration.lockRetryInterval <= deadline else { throw LockTimeout(holder: holder) }
            try await Task.sleep(for: configuration.lockRetryInterval)
        }
    }

    private func unlock(_ connection: PostgresConnection, logger: Logger) async throws {
        guard let id = configuration.lockID else { return }
        _ = try await connection.query("SELECT pg_advisory_unlock(\(id))", logger: logger).collect()
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
            WHERE l.locktype = 'advisory' AND l.granted AND l.classid::int8 = \(classID) AND l.objid::int8 = \(objectID)
            LIMIT 1
            """, logger: logger)
        for try await (pid, application, address, since) in rows.decode((Int32, String, String, String).self) {
            return "pid \(pid), application \"\(application)\", from \(address), connected since \(since)"
        }
        return nil
    }
}
