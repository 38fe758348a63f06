import Foundation
public import Logging
public import Metrics
public import PostgresNIO
public import SkeinCore
public import SkeinGovernance
import Synchronization

/// Runs a plan's steps on one held connection, goose's way: each migration's statements and its version row
/// in one transaction (or statement by statement for `NO TRANSACTION`), a goose statement holding several
/// commands sent command by command (`SQLCommandSplitter`, SkeinCore) inside a transaction so it stays atomic.
///
/// With Skein's tables (``SkeinTables``), the version row and the checksum row are one statement, and a
/// `NO TRANSACTION` file records which statement runs before each one, so an interrupted run leaves a dirty
/// state that later runs refuse until `repair`.
public struct MigrationExecutor: Sendable {
    public var store: VersionStore
    /// Skein's tables, or `nil` for goose's version table alone.
    public var tables: SkeinTables?
    public var settings: StatementSettings
    /// Used to watch lock waits (``StatementSettings/warnAfter``); `nil` turns the watch off.
    public var sideChannel: SideChannel?
    public var observer: (@Sendable (MigrationEvent) -> Void)?
    /// With Skein's tables: an audit row per attempt (in the record statement on success, after the rollback on
    /// failure). `nil` writes none.
    public var audit: AuditContext?
    /// Where the runner's metrics go (swift-metrics): `nil` is the process's bootstrapped backend
    /// (`MetricsSystem.factory`; none, if the app bootstrapped none).
    public var metrics: (any MetricsFactory)?
    /// The tables each statement locks, for the pre-flight (``StatementSettings/preflight``); `nil`: no pre-flight.
    public var lockTargets: LockTargets?
    /// Whether a second connection watches a waiting statement for who blocks it (needs the backend's pid, which a
    /// transaction pooler does not keep between transactions).
    public var watchesBlockers = true
    /// Whether a transactional file goes to the server as one pipeline (its `BEGIN`, commands and version rows in one
    /// write, answered command by command: `CommandPipeline`; then `COMMIT`) instead of one query per round trip.
    /// The same statements run in the same order either way; `false` sends each through PostgresNIO, as does a
    /// connection ``Connector`` did not open (an app's pool: the pipeline must watch a connection from its start).
    public var pipelines = true

    public init(
        store: VersionStore = VersionStore(), tables: SkeinTables? = nil, settings: StatementSettings = .init(),
        sideChannel: SideChannel? = nil, observer: (@Sendable (MigrationEvent) -> Void)? = nil,
        audit: AuditContext? = nil
    ) {
        self.store = store
        self.tables = tables
        self.settings = settings
        self.sideChannel = sideChannel
        self.observer = observer
        self.audit = audit
    }

    /// What ran.
    public struct Report: Sendable {
        public var completed: [(step: MigrationStep, duration: Duration)]
        /// How many of them went to the server as one pipeline (``MigrationExecutor/pipelines``).
        public var pipelined = 0
    }

    /// Runs every step; stops at the first failure (``MigrationFailure``) or before a Go migration.
    /// - Parameters:
    ///   - steps: the plan's steps, run in the order given.
    ///   - connection: the connection the migrations' statements and their version rows go to.
    ///   - backendPID: the connection's backend pid when the caller knows it (for the lock-wait watch).
    ///   - logger: a line as each migration starts, finishes or fails, and a warning for each lock-timeout retry;
    ///     PostgresNIO logs the queries with it too.
    public func execute(
        _ steps: [MigrationStep], on connection: PostgresConnection, backendPID: Int32? = nil, logger: Logger
    ) async throws -> Report {
        // Blockers are sampled while a statement waits half its lock timeout, so a timeout can name them.
        let sampleAfter = settings.lockTimeout.map { $0 / 2 }
        guard let side = sideChannel, watchesBlockers, settings.warnAfter != nil || sampleAfter != nil, !steps.isEmpty
        else {
            return try await run(steps, on: connection, watch: nil, logger: logger)
        }
        let pid: Int32
        if let backendPID { pid = backendPID } else { pid = try await Self.backendPID(connection, logger) }
        let watch = StatementWatch()
        // One watcher for the whole run: it wakes a few times per warnAfter and reports a statement that has been
        // running longer, with who blocks it (no task per statement on the hot path).
        return try await withThrowingTaskGroup(of: Report?.self) { group in
            group.addTask { [observer] in
                // The watch ends quietly when the run is cancelled (Ctrl-C): the steps' own failure, which names
                // the migration and what ran, is what the run reports.
                try? await watch.watch(
                    reportAfter: settings.warnAfter, sampleAfter: sampleAfter, side: side, pid: pid, logger: logger,
                    observer: observer)
                return nil
            }
            group.addTask { try await run(steps, on: connection, watch: watch, logger: logger) }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let report = result { return report }
            }
            return Report(completed: [])
        }
    }

    private func run(
        _ steps: [MigrationStep], on connection: PostgresConnection, watch: StatementWatch?, logger: Logger
    ) async throws -> Report {
        // The timeouts Skein's grammar keeps on the session go with the run, however it ends (the connection may be
        // an app's, borrowed from its pool).
        let session = RunSession(pipeline: pipelines ? await CommandPipeline.attach(to: connection) : nil)
        do {
            let report = try await run(steps, on: connection, watch: watch, session: session, logger: logger)
            await session.resetTimeouts(on: connection, logger: logger)
            return report
        } catch {
            await session.resetTimeouts(on: connection, logger: logger)
            throw error
        }
    }

    private func run(
        _ steps: [MigrationStep], on connection: PostgresConnection, watch: StatementWatch?, session: RunSession,
        logger: Logger
    ) async throws -> Report {
        var completed: [(step: MigrationStep, duration: Duration)] = []
        for step in steps {
            guard step.migration.kind == .sql, case .success(let section) = step.migration.section(step.direction)
            else {
                throw MigrationFailure(
                    completed: completed.map(\.step), failed: step, line: nil, sqlState: nil,
                    message: step.migration.kind == .go
                        ? "\(step.migration.fileName) is a goose Go migration, which Skein cannot run"
                        : "\(step.migration.fileName) does not parse", detail: nil, hint: nil)
            }
            let clock = ContinuousClock()
            let started = clock.now
            let startedAt = Date()
            let run = StepRun(
                executor: self, step: step, connection: connection, watch: watch, session: session, logger: logger,
                startedAt: startedAt, started: started)
            var metadata: Logger.Metadata = [
                "migration.version": "\(step.migration.version)", "migration.file": "\(step.migration.fileName)",
                "migration.direction": "\(step.direction.rawValue)",
            ]
            logger.info("migration started", metadata: metadata)
            do {
                try await run.attempts(section)
            } catch let failure as StepFailure {
                report(step, outcome: .failed, duration: clock.now - started)
                metadata["migration.duration_seconds"] = "\(Self.seconds(clock.now - started))"
                metadata["migration.line"] = failure.statement.line.map { "\($0)" }
                metadata["error.sqlstate"] = failure.statement.sqlState.map { "\($0)" }
                metadata["error.message"] = "\(failure.statement.message)"
                // The server's whole answer (detail, hint, position) as metadata; the message on one line.
                for (key, value) in failure.statement.server?.metadata ?? [:] { metadata[key] = "\(value)" }
                metadata["error"] = "\(failure.statement.server?.oneLine ?? failure.statement.message)"
                logger.error("migration failed", metadata: metadata)
                // The attempt's audit row, written after the rollback so that it survives.
                if let tables, let audit, step.recording == .record {
                    try? await tables.writeAudit(
                        AuditRecord(
                            action: .migrate, version: step.migration.version, file: step.migration.fileName,
                            direction: step.direction, outcome: .failed, startedAt: startedAt, finishedAt: nil,
                            duration: clock.now - started, sqlState: failure.statement.sqlState,
                            message: failure.statement.message
                                + (failure.statement.line.map { " (line \($0))" } ?? "")
                                + (failure.leftDirty
                                    ? "; left dirty after \(failure.statementsCompleted ?? 0) statements" : ""),
                            checksum: step.migration.checksum.file, approval: nil, sizeBefore: nil, sizeAfter: nil),
                        context: audit, on: connection, logger: logger)
                }
                throw MigrationFailure(
                    completed: completed.map(\.step), failed: step, line: failure.statement.line,
                    sqlState: failure.statement.sqlState, message: failure.statement.message,
                    detail: failure.statement.detail, hint: failure.statement.hint,
                    statementsCompleted: failure.statementsCompleted, leftDirty: failure.leftDirty,
                    server: failure.statement.server, statement: failure.statement.statement,
                    command: failure.statement.command, lockAttempts: failure.lockAttempts)
            }
            let duration = clock.now - started
            report(step, outcome: AuditOutcome(completed: step.direction), duration: duration)
            completed.append((step, duration))
            observer?(.finished(step, duration: duration))
            metadata["migration.duration_seconds"] = "\(Self.seconds(duration))"
            logger.info("migration finished", metadata: metadata)
        }
        return Report(completed: completed, pipelined: session.pipelinedFiles)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// One attempt to swift-metrics: `skein_migrations_total{outcome, direction}` and
    /// `skein_migration_duration_seconds{direction}` (a timer).
    func report(_ step: MigrationStep, outcome: AuditOutcome, duration: Duration) {
        let factory = metrics ?? MetricsSystem.factory
        let direction = step.direction.rawValue
        Counter(
            label: "skein_migrations_total", dimensions: [("outcome", outcome.rawValue), ("direction", direction)],
            factory: factory
        ).increment()
        let (seconds, attoseconds) = duration.components
        Timer(label: "skein_migration_duration_seconds", dimensions: [("direction", direction)], factory: factory)
            .recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    static func backendPID(_ connection: PostgresConnection, _ logger: Logger) async throws -> Int32 {
        try await connection.query("SELECT pg_backend_pid()", logger: logger).decodeFirst(Int32.self) ?? 0
    }

    struct StatementFailure: Error {
        var line: Int?
        var sqlState: String?
        var message: String
        var detail: String?
        var hint: String?
        /// What PostgreSQL said, when it answered.
        var server: ServerError?
        /// The goose statement that failed, and the command of it that was sent.
        var statement: Statement?
        var command: String?
        /// Skein refused the statement before sending it (nothing of it ran).
        var refusedBeforeSending = false
        /// Whether the statement failed without leaving anything: the server answered with an error (rather than the
        /// connection failing), or Skein never sent it.
        var isServerError: Bool { sqlState != nil || refusedBeforeSending }
    }

    struct StepFailure: Error {
        var statement: StatementFailure
        var statementsCompleted: Int?
        var leftDirty = false
        /// The attempts that ended on a lock timeout (SQLSTATE 55P03), the last being this failure.
        var lockAttempts: [LockAttempt] = []
    }

    static func failure(_ error: any Error, line: Int?) -> StatementFailure {
        if let failure = error as? StatementFailure { return failure }
        if error is CancellationError {
            // Ctrl-C or SIGTERM (or an app cancelling the task): the statement was cancelled on the server.
            return StatementFailure(
                line: line, sqlState: nil, message: PostgresErrorText.describe(error), detail: nil, hint: nil)
        }
        if let server = ServerError(postgres: error) {
            return StatementFailure(
                line: line, sqlState: server.sqlState, message: server.message, detail: server.detail,
                hint: server.hint, server: server)
        }
        return StatementFailure(
            line: line, sqlState: nil, message: PostgresErrorText.describe(error), detail: nil, hint: nil)
    }
}

/// What a run has left on its session: whether it holds the run's timeouts (set once in Skein's grammar, cleared by
/// every `RESET ALL`); the text of its record statements, the same for every step of the run; and the pipeline its
/// transactional files go through, when there is one. One per run, used by its steps one after another.
final class RunSession: Sendable {
    private let timeouts = Mutex(false)
    private let recordTexts = Mutex<[Int: String]>([:])
    /// Where a transactional file goes as one batch (``StepRun/sendPipelined(_:opening:setsTimeouts:_:)``); `nil`:
    /// command by command through PostgresNIO.
    let pipeline: CommandPipeline?
    private let pipelined = Mutex(0)

    init(pipeline: CommandPipeline? = nil) {
        self.pipeline = pipeline
    }

    /// The record statement for one shape (``SkeinTables/recordSQL(_:versionStore:clearingProgress:auditing:)``),
    /// made once per run.
    func recordSQL(_ direction: Direction, finishing: Bool, auditing: Bool, make: () -> String) -> String {
        let key = (direction == .up ? 1 : 0) | (finishing ? 2 : 0) | (auditing ? 4 : 0)
        if let text = recordTexts.withLock({ $0[key] }) { return text }
        let text = make()
        recordTexts.withLock { $0[key] = text }
        return text
    }

    /// How many files went through ``pipeline``.
    var pipelinedFiles: Int { pipelined.withLock { $0 } }
    func countPipelinedFile() { pipelined.withLock { $0 += 1 } }

    var hasTimeouts: Bool {
        get { timeouts.withLock { $0 } }
        set { timeouts.withLock { $0 = newValue } }
    }

    /// `RESET ALL` when the session holds the run's timeouts; nothing otherwise.
    func resetTimeouts(on connection: PostgresConnection, logger: Logger) async {
        guard hasTimeouts else { return }
        hasTimeouts = false
        try? await connection.sendCleanup("RESET ALL", logger: logger)
    }
}
