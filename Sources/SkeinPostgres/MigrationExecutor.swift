import Foundation
public import Logging
public import Metrics
public import PostgresNIO
public import SkeinCore
import Synchronization

/// A server error mapped to the migration file: which statement, where, and PostgreSQL's own words.
public struct MigrationFailure: Error, Sendable, CustomStringConvertible {
    /// Versions applied (or rolled back) by this run before the failure; they stay.
    public var completed: [MigrationStep]
    /// The step that failed; nothing of it remains when it ran in a transaction.
    public var failed: MigrationStep
    /// The 1-based line in the file of the statement that failed.
    public var line: Int?
    public var sqlState: String?
    public var message: String
    public var detail: String?
    public var hint: String?
    /// For a `NO TRANSACTION` file: how many of its statements completed before the failure.
    public var statementsCompleted: Int?
    /// For a `NO TRANSACTION` file: whether Skein recorded it as dirty (``DirtyMigration``).
    public var leftDirty = false

    public var description: String {
        var text = ""
        let done = completed.map { "\($0.migration.fileName)" }
        let verb = failed.direction == .up ? "Applied" : "Rolled back"
        text +=
            done.isEmpty
            ? "Nothing was \(verb.lowercased()) before the failure. " : "\(verb) \(done.joined(separator: ", ")). "
        text += "Failed \(failed.migration.path)\(line.map { ":\($0)" } ?? "") (\(failed.direction)): "
        text += message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let detail { text += "\n  detail: \(detail)" }
        if let hint { text += "\n  hint: \(hint)" }
        if sqlState == "55P03" {
            text +=
                "\n  help: the lock_timeout expired while the statement waited for a lock held by other sessions; retry when the table is quiet, or raise --lock-timeout"
        } else if sqlState == "42501" {
            text +=
                "\n  help: the migration role lacks this privilege; grant it (or run as the objects' owner): docs/governance.md#least-privilege lists what a migration role needs"
        } else if sqlState == "57014" {
            text += "\n  help: the statement was cancelled (statement_timeout, -timeout or Ctrl-C)"
        }
        if failed.migration.kind == .go {
            return text
                + "\nSkein stopped before it; nothing after it ran. Run it with a goose binary built with it, or rewrite it in SQL."
        }
        let mode = failed.migration.transactionMode ?? .transaction
        if mode.isTransactional {
            text += "\nEverything of \(failed.migration.fileName) was rolled back; nothing after it ran."
        } else {
            let count = statementsCompleted ?? 0
            let total = (try? failed.migration.section(failed.direction)?.get())?.statements.count ?? 0
            text +=
                "\n\(failed.migration.fileName) runs without a transaction: \(count) of its \(total) statements completed and stay"
                + (count == 0 ? "" : " (up to the one before line \(line ?? 0))") + "; nothing after it ran."
            if leftDirty {
                text +=
                    "\nIt is recorded as dirty: later runs refuse until you finish or undo those statements by hand and run `skein repair \(failed.migration.version) --applied` or `--rolled-back`."
            }
        }
        return text
    }
}

/// What the runner reports while it works (the CLI prints it; an app may log it).
public enum MigrationEvent: Sendable {
    /// A step finished.
    case finished(MigrationStep, duration: Duration)
    /// A statement has waited `waited` so far; `blockers` are the sessions it waits for (empty when it is
    /// just slow).
    case waiting(MigrationStep, line: Int, waited: Duration, blockers: [BlockingSession])
    /// Something the operator should know before the steps run: checksums adopted, a modified file accepted, a
    /// changed Down, a destructive migration let through.
    case notice(String)
}

/// A session another session waits for (`pg_blocking_pids`).
public struct BlockingSession: Sendable, Hashable, CustomStringConvertible {
    public var pid: Int32
    public var user: String
    public var application: String
    public var state: String
    /// How long its transaction (or query) has been running.
    public var age: Duration
    public var query: String

    public var description: String {
        "pid \(pid) (user \(user)\(application.isEmpty ? "" : ", \(application)"), \(state), for \(Int(age.components.seconds)) s): \(query)"
    }
}

/// How statements run: PostgreSQL's timeouts and the lock-wait watch.
public struct StatementSettings: Sendable {
    /// PostgreSQL's `lock_timeout` for migration statements; `nil` keeps the server's.
    public var lockTimeout: Duration?
    /// PostgreSQL's `statement_timeout` for migration statements; `nil` keeps the server's.
    public var statementTimeout: Duration?
    /// Report a statement that has been running this long, with who blocks it; `nil` turns the watch off.
    public var warnAfter: Duration?

    public init(lockTimeout: Duration? = nil, statementTimeout: Duration? = nil, warnAfter: Duration? = .seconds(10)) {
        self.lockTimeout = lockTimeout
        self.statementTimeout = statementTimeout
        self.warnAfter = warnAfter
    }

    /// `set_config` for both timeouts in one statement, or `nil` when neither is set.
    func setConfigSQL(isLocal: Bool) -> String? {
        var parts: [String] = []
        if let lockTimeout {
            parts.append("set_config('lock_timeout', '\(Self.milliseconds(lockTimeout))ms', \(isLocal))")
        }
        if let statementTimeout {
            parts.append("set_config('statement_timeout', '\(Self.milliseconds(statementTimeout))ms', \(isLocal))")
        }
        return parts.isEmpty ? nil : "SELECT " + parts.joined(separator: ", ")
    }

    /// `RESET` for each timeout that was set for the session.
    var resetSQL: [String] {
        (lockTimeout == nil ? [] : ["RESET lock_timeout"])
            + (statementTimeout == nil ? [] : ["RESET statement_timeout"])
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}

/// A second connection, borrowed briefly: to see who blocks a statement and to cancel it.
public struct SideChannel: Sendable {
    let borrow: @Sendable (Logger, @Sendable (PostgresConnection) async throws -> Void) async throws -> Void

    /// A new connection from `connector` for each use, closed afterwards.
    public static func connector(_ connector: Connector) -> SideChannel {
        SideChannel { logger, body in
            let connection = try await connector.connect(logger: logger)
            do {
                try await body(connection)
            } catch {
                try? await connection.close()
                throw error
            }
            try await connection.close()
        }
    }

    /// A connection of `client`'s pool.
    public static func client(_ client: PostgresClient) -> SideChannel {
        SideChannel { logger, body in
            try await client.withConnection { try await body($0) }
        }
    }

    /// The sessions `pid` waits for.
    func blockers(of pid: Int32, logger: Logger) async throws -> [BlockingSession] {
        let collected = BlockerBox()
        try await borrow(logger) { connection in
            let rows = try await connection.query(
                """
                SELECT b.pid, coalesce(b.usename::text, ''), coalesce(b.application_name, ''), coalesce(b.state, ''),
                       coalesce(extract(epoch FROM now() - coalesce(b.xact_start, b.query_start)), 0)::float8,
                       left(coalesce(b.query, ''), 200)
                FROM pg_stat_activity b WHERE b.pid = ANY(pg_blocking_pids(\(pid))) ORDER BY b.pid
                """, logger: logger)
            for try await (pid, user, application, state, age, query) in rows.decode(
                (Int32, String, String, String, Double, String).self)
            {
                collected.append(
                    BlockingSession(
                        pid: pid, user: user, application: application, state: state,
                        age: .milliseconds(Int64(age * 1000)), query: query))
            }
        }
        return collected.values
    }
}

private final class BlockerBox: Sendable {
    private let stored = Mutex<[BlockingSession]>([])
    func append(_ value: BlockingSession) { stored.withLock { $0.append(value) } }
    var values: [BlockingSession] { stored.withLock { $0 } }
}

/// Runs a plan's steps on one held connection, goose's way: each migration's statements and its version row
/// in one transaction (or statement by statement for `NO TRANSACTION`), a goose statement holding several
/// commands sent command by command (``SQLCommandSplitter``) inside a transaction so it stays atomic.
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
    }

    /// Runs every step; stops at the first failure (``MigrationFailure``) or before a Go migration.
    /// - Parameter backendPID: the connection's backend pid when the caller knows it (for the lock-wait watch).
    public func execute(
        _ steps: [MigrationStep], on connection: PostgresConnection, backendPID: Int32? = nil, logger: Logger
    ) async throws -> Report {
        guard let side = sideChannel, let warnAfter = settings.warnAfter, !steps.isEmpty else {
            return try await run(steps, on: connection, watch: nil, logger: logger)
        }
        let pid: Int32
        if let backendPID { pid = backendPID } else { pid = try await Self.backendPID(connection, logger) }
        let watch = StatementWatch()
        // One watcher for the whole run: it wakes a few times per warnAfter and reports a statement that has been
        // running longer, with who blocks it (no task per statement on the hot path).
        return try await withThrowingTaskGroup(of: Report?.self) { group in
            group.addTask { [observer] in
                try await watch.watch(
                    every: warnAfter, side: side, pid: pid, logger: logger, observer: observer)
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
                executor: self, step: step, connection: connection, watch: watch, logger: logger,
                startedAt: startedAt, started: started)
            var metadata: Logger.Metadata = [
                "migration.version": "\(step.migration.version)", "migration.file": "\(step.migration.fileName)",
                "migration.direction": "\(step.direction.rawValue)",
            ]
            logger.info("migration started", metadata: metadata)
            do {
                if section.transactionMode.isTransactional {
                    try await run.transactional(section)
                } else {
                    try await run.statementByStatement(section)
                }
            } catch let failure as StepFailure {
                report(step, outcome: "failed", duration: clock.now - started)
                metadata["migration.duration_seconds"] = "\(Self.seconds(clock.now - started))"
                metadata["migration.line"] = failure.statement.line.map { "\($0)" }
                metadata["error.sqlstate"] = failure.statement.sqlState.map { "\($0)" }
                metadata["error.message"] = "\(failure.statement.message)"
                logger.error("migration failed", metadata: metadata)
                // The attempt's audit row, written after the rollback so that it survives.
                if let tables, let audit, step.recording == .record {
                    try? await tables.writeAudit(
                        SkeinTables.AuditValues(
                            action: "migrate", version: step.migration.version, file: step.migration.fileName,
                            direction: step.direction, outcome: "failed", startedAt: startedAt, finishedAt: nil,
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
                    statementsCompleted: failure.statementsCompleted, leftDirty: failure.leftDirty)
            }
            let duration = clock.now - started
            report(step, outcome: step.direction == .up ? "applied" : "rolled-back", duration: duration)
            completed.append((step, duration))
            observer?(.finished(step, duration: duration))
            metadata["migration.duration_seconds"] = "\(Self.seconds(duration))"
            logger.info("migration finished", metadata: metadata)
        }
        return Report(completed: completed)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// One attempt to swift-metrics: `skein_migrations_total{outcome, direction}` and
    /// `skein_migration_duration_seconds{direction}` (a timer).
    func report(_ step: MigrationStep, outcome: String, duration: Duration) {
        let factory = metrics ?? MetricsSystem.factory
        let direction = step.direction == .up ? "up" : "down"
        Counter(
            label: "skein_migrations_total", dimensions: [("outcome", outcome), ("direction", direction)],
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
        /// Whether the server answered (the statement failed there) rather than the connection failing.
        var isServerError: Bool { sqlState != nil }
    }

    struct StepFailure: Error {
        var statement: StatementFailure
        var statementsCompleted: Int?
        var leftDirty = false
    }

    static func failure(_ error: any Error, line: Int?) -> StatementFailure {
        if let failure = error as? StatementFailure { return failure }
        if let psql = error as? PSQLError, let info = psql.serverInfo {
            return StatementFailure(
                line: line, sqlState: info[.sqlState], message: info[.message] ?? "the server reported an error",
                detail: info[.detail], hint: info[.hint])
        }
        if let psql = error as? PSQLError {
            return StatementFailure(
                line: line, sqlState: nil,
                message: "the connection failed (\(psql.code))\(psql.underlying.map { ": \($0)" } ?? "")",
                detail: nil, hint: nil)
        }
        return StatementFailure(line: line, sqlState: nil, message: "\(error)", detail: nil, hint: nil)
    }
}

/// One step being run.
private struct StepRun {
    var executor: MigrationExecutor
    var step: MigrationStep
    var connection: PostgresConnection
    var watch: StatementWatch?
    var logger: Logger
    var startedAt: Date
    var started: ContinuousClock.Instant

    var tables: SkeinTables? { step.recording == .record ? executor.tables : nil }

    func transactional(_ section: GooseSection) async throws {
        do {
            try await send("BEGIN", line: nil)
            if let sql = executor.settings.setConfigSQL(isLocal: true) { try await send(sql, line: nil) }
            for statement in section.statements {
                try await sendStatement(statement, wrap: false)
            }
            try await record(finishing: false)
            try await send("COMMIT", line: nil)
        } catch {
            try? await connection.sendCleanup("ROLLBACK", logger: logger)
            throw MigrationExecutor.StepFailure(statement: MigrationExecutor.failure(error, line: nil))
        }
    }

    func statementByStatement(_ section: GooseSection) async throws {
        if let sql = executor.settings.setConfigSQL(isLocal: false) {
            do { try await send(sql, line: nil) } catch {
                throw MigrationExecutor.StepFailure(
                    statement: MigrationExecutor.failure(error, line: nil), statementsCompleted: 0)
            }
        }
        let count = section.statements.count
        // Whether a progress row exists, so a failure can truthfully say the migration is recorded as dirty.
        var progressRecorded = false
        for (offset, statement) in section.statements.enumerated() {
            do {
                if let tables {
                    try await markProgress(tables, index: offset + 1, of: count, line: statement.line)
                    progressRecorded = true
                }
                try await sendStatement(statement, wrap: true)
            } catch {
                let failure = MigrationExecutor.failure(error, line: statement.line)
                var dirty = false
                if let tables {
                    // A statement that failed on the server left nothing; if it was the first, nothing ran at all.
                    if failure.isServerError && offset == 0 {
                        try? await clearProgress(tables)
                    } else {
                        dirty = progressRecorded
                        if failure.isServerError { try? await markFailed(tables, failure) }
                    }
                }
                await resetSession()
                throw MigrationExecutor.StepFailure(
                    statement: failure, statementsCompleted: offset, leftDirty: dirty)
            }
        }
        await resetSession()
        do {
            try await record(finishing: true)
        } catch {
            let failure = MigrationExecutor.failure(error, line: nil)
            var dirty = false
            if let tables, count > 0 {
                // Every statement ran; say so in the progress row, so the dirty state is described truthfully.
                try? await markProgress(tables, index: count + 1, of: count, line: 0, afterFailure: true)
                if failure.isServerError { try? await markFailed(tables, failure) }
                dirty = progressRecorded
            }
            throw MigrationExecutor.StepFailure(statement: failure, statementsCompleted: count, leftDirty: dirty)
        }
    }

    /// Undoes the session timeouts a `NO TRANSACTION` file set.
    func resetSession() async {
        for sql in executor.settings.resetSQL {
            try? await connection.sendCleanup(sql, logger: logger)
        }
    }

    /// The version rows: goose's alone, or with Skein's checksum row (and, ending a `NO TRANSACTION` file,
    /// the progress row cleared) in the same statement.
    func record(finishing: Bool) async throws {
        guard step.recording == .record else { return }
        guard let tables else {
            try await executor.store.record(
                step.direction, version: step.migration.version, on: connection, logger: logger)
            return
        }
        let audit = executor.audit.map { _ in
            SkeinTables.AuditValues(
                action: "migrate", version: step.migration.version, file: step.migration.fileName,
                direction: step.direction, outcome: step.direction == .up ? "applied" : "rolled-back",
                startedAt: startedAt, finishedAt: nil, duration: ContinuousClock.now - started, sqlState: nil,
                message: nil, checksum: step.migration.checksum.file, approval: nil, sizeBefore: nil, sizeAfter: nil)
        }
        let sql = tables.recordSQL(
            step.direction, versionStore: executor.store, clearingProgress: finishing, auditing: audit != nil)
        _ = try await connection.query(
            PostgresQuery(
                unsafeSQL: sql, binds: tables.recordBindings(step, audit: audit, context: executor.audit)),
            logger: logger
        )
        .collect()
    }

    /// - Parameter afterFailure: send it as a clean-up statement (it must not hang on a closed connection).
    func markProgress(_ tables: SkeinTables, index: Int, of count: Int, line: Int, afterFailure: Bool = false)
        async throws
    {
        var binds = PostgresBindings()
        binds.append(step.migration.version)
        binds.append(step.migration.fileName)
        binds.append(step.direction == .up ? "up" : "down")
        binds.append(index)
        binds.append(count)
        binds.append(line)
        let query = PostgresQuery(unsafeSQL: tables.markProgressSQL, binds: binds)
        if afterFailure {
            try await connection.sendCleanup(query, logger: logger)
        } else {
            _ = try await connection.query(query, logger: logger).collect()
        }
    }

    func markFailed(_ tables: SkeinTables, _ failure: MigrationExecutor.StatementFailure) async throws {
        var binds = PostgresBindings()
        binds.append(step.migration.version)
        binds.append(failure.sqlState)
        binds.append(failure.message)
        try await connection.sendCleanup(PostgresQuery(unsafeSQL: tables.markFailedSQL, binds: binds), logger: logger)
    }

    /// Clears the progress row after a failure that left nothing behind.
    func clearProgress(_ tables: SkeinTables) async throws {
        var binds = PostgresBindings()
        binds.append(step.migration.version)
        try await connection.sendCleanup(
            PostgresQuery(unsafeSQL: tables.clearProgressSQL, binds: binds), logger: logger)
    }

    /// One goose statement: its commands one by one; in a `NO TRANSACTION` file, several commands are wrapped in
    /// a transaction so the statement stays atomic, as goose's multi-command query is.
    func sendStatement(_ statement: Statement, wrap: Bool) async throws {
        let commands = SQLCommandSplitter.split(statement.sql)
        let wrapped = wrap && commands.count > 1
        if wrapped { try await send("BEGIN", line: statement.line) }
        do {
            for command in commands {
                try await send(command.sql, line: statement.line + command.lineOffset, watched: true)
            }
            if wrapped { try await send("COMMIT", line: statement.line) }
        } catch {
            if wrapped { try? await connection.sendCleanup("ROLLBACK", logger: logger) }
            throw error
        }
    }

    func send(_ sql: String, line: Int?, watched: Bool = false) async throws {
        let watch = watched ? self.watch : nil
        if let watch, let line { watch.begin(step, line: line) }
        defer { watch?.end() }
        do {
            _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
        } catch {
            throw MigrationExecutor.failure(error, line: line)
        }
    }
}

/// The statement running now, shared with the run's one watcher.
final class StatementWatch: Sendable {
    private struct Running {
        var step: MigrationStep
        var line: Int
        var started: ContinuousClock.Instant
        var reported: ContinuousClock.Instant?
    }

    private let running = Mutex<Running?>(nil)

    func begin(_ step: MigrationStep, line: Int) {
        running.withLock { $0 = Running(step: step, line: line, started: .now, reported: nil) }
    }

    func end() { running.withLock { $0 = nil } }

    /// Until cancelled: every `interval / 4`, a statement running `interval` or longer (and not reported for
    /// `interval`) is reported with the sessions blocking it.
    func watch(
        every interval: Duration, side: SideChannel, pid: Int32, logger: Logger,
        observer: (@Sendable (MigrationEvent) -> Void)?
    ) async throws {
        while true {
            try await Task.sleep(for: interval / 4)
            let now = ContinuousClock.now
            let due: (MigrationStep, Int, Duration)? = running.withLock { current in
                guard var value = current, now - value.started >= interval,
                    value.reported.map({ now - $0 >= interval }) ?? true
                else { return nil }
                value.reported = now
                current = value
                return (value.step, value.line, now - value.started)
            }
            guard let (step, line, waited) = due else { continue }
            let blockers = (try? await side.blockers(of: pid, logger: logger)) ?? []
            logger.warning(
                "statement still running",
                metadata: [
                    "migration.version": "\(step.migration.version)", "line": "\(line)",
                    "blockers": "\(blockers.map(\.pid))",
                ])
            observer?(.waiting(step, line: line, waited: waited, blockers: blockers))
        }
    }
}
