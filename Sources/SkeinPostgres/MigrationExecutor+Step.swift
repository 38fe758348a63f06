import Foundation
import Logging
import Metrics
import PostgresNIO
import SkeinCore
import SkeinGovernance
import Synchronization

/// One step being run.
struct StepRun {
    var executor: MigrationExecutor
    var step: MigrationStep
    var connection: PostgresConnection
    var watch: StatementWatch?
    /// Whether the session already has the run's timeouts (``StatementSettings/sessionTimeoutsSQL``).
    var session = RunSession()
    var logger: Logger
    var startedAt: Date
    var started: ContinuousClock.Instant

    var tables: SkeinTables? { step.recording == .record ? executor.tables : nil }

    func transactional(_ section: GooseSection) async throws {
        do {
            executor.observer?(.transaction(step, .begin))
            // Skein's grammar keeps the timeouts on the session between files that change nothing else about it,
            // so they are set once, not in every transaction (one round trip per file less).
            var opening: [String] = []
            var setsTimeouts = false
            if executor.settings.resetsSession, let sql = executor.settings.sessionTimeoutsSQL {
                if !session.hasTimeouts {
                    opening.append(sql)
                    setsTimeouts = true
                }
                opening.append("BEGIN")
            } else {
                opening.append("BEGIN")
                if let sql = executor.settings.transactionConfigSQL { opening.append(sql) }
            }
            let commands = QueuedCommand.plan(section.statements)
            if let pipeline = session.pipeline, let commands {
                try await sendPipelined(pipeline, opening: opening, setsTimeouts: setsTimeouts, commands)
            } else {
                if let commands {
                    try await sendQueued(opening: opening, setsTimeouts: setsTimeouts, commands)
                } else {
                    try await sendQueued(opening: opening, setsTimeouts: setsTimeouts, [])
                    for statement in section.statements {
                        try await sendStatement(statement, wrap: false)
                    }
                }
                try await recordAndCommit()
            }
            executor.observer?(.transaction(step, .commit))
        } catch {
            try? await connection.sendCleanup("ROLLBACK", logger: logger)
            throw MigrationExecutor.StepFailure(statement: MigrationExecutor.failure(error, line: nil))
        }
    }

    /// - Parameter deadline: no retry of a statement whose lock timed out starts after it.
    func statementByStatement(_ section: GooseSection, deadline: ContinuousClock.Instant) async throws {
        if let sql = executor.settings.sessionConfigSQL {
            do { try await send(sql, line: nil) } catch {
                throw MigrationExecutor.StepFailure(
                    statement: MigrationExecutor.failure(error, line: nil), statementsCompleted: 0)
            }
        }
        let count = section.statements.count
        // Whether a progress row exists, so a failure can truthfully say the migration is recorded as dirty.
        var progressRecorded = false
        // The lock_timeout this session has now: the server's until the runner sets one.
        var lockTimeout: Duration?
        var lockAttempts: [LockAttempt] = []
        for (offset, statement) in section.statements.enumerated() {
            do {
                if let tables {
                    try await markProgress(tables, index: offset + 1, of: count, line: statement.line)
                    progressRecorded = true
                }
                // Each statement with its own lock_timeout: CONCURRENTLY ones wait for older transactions by design.
                let wanted = executor.settings.lockTimeout(for: statement.sql)
                if wanted != lockTimeout {
                    try await send(StatementSettings.sessionLockTimeoutSQL(wanted), line: nil)
                    lockTimeout = wanted
                }
                var attempt = 1
                while true {
                    do {
                        try await rebuildInvalidIndexes(before: statement)
                        try await sendStatement(statement, wrap: true)
                        lockAttempts = []
                        break
                    } catch let failure as MigrationExecutor.StatementFailure where failure.sqlState == "55P03" {
                        // The statement left nothing (it failed, or its wrapping transaction rolled back): again.
                        lockAttempts.append(
                            LockAttempt(attempt: attempt, blockers: await blockersAfterTimeout([statement])))
                        guard let delay = executor.retryDelay(after: attempt, deadline: deadline) else { throw failure }
                        await retrying(
                            attempt: attempt, delay: delay, blockers: lockAttempts.last?.blockers ?? [],
                            failure: failure)
                        try await Task.sleep(for: delay)
                        // PostgresNIO never answers a query on a connection that closed meanwhile.
                        guard !connection.isClosed else { throw failure }
                        attempt += 1
                    }
                }
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
                    statement: failure, statementsCompleted: offset, leftDirty: dirty,
                    lockAttempts: failure.sqlState == "55P03" ? lockAttempts : [])
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
        // Skein's grammar resets the whole session after the file (``attempts(_:)``).
        guard !executor.settings.resetsSession else { return }
        for sql in executor.settings.resetSQL {
            try? await connection.sendCleanup(sql, logger: logger)
        }
    }

    /// The version rows and `COMMIT`, queued together: one wait for both.
    private func recordAndCommit() async throws {
        guard step.recording == .record else {
            try await send("COMMIT", line: nil)
            return
        }
        let record: EventLoopFuture<PostgresQueryResult> = connection.query(
            recordQuery(finishing: false), logger: logger)
        let commit: EventLoopFuture<PostgresQueryResult> = connection.query(
            PostgresQuery(unsafeSQL: "COMMIT"), logger: logger)
        do {
            _ = try await record.get()
            _ = try await commit.get()
        } catch {
            throw MigrationExecutor.failure(error, line: nil)
        }
    }

    /// The version rows: goose's alone, or with Skein's checksum row (and, ending a `NO TRANSACTION` file,
    /// the progress row cleared) in the same statement.
    func record(finishing: Bool) async throws {
        guard step.recording == .record else { return }
        _ = try await connection.query(recordQuery(finishing: finishing), logger: logger).collect()
    }

    /// The statement ``record(finishing:)`` sends.
    func recordQuery(finishing: Bool) -> PostgresQuery {
        guard let tables else {
            return executor.store.recordQuery(step.direction, version: step.migration.version)
        }
        let audit = auditRecord(duration: ContinuousClock.now - started)
        return PostgresQuery(
            unsafeSQL: recordSQL(tables, finishing: finishing, auditing: audit != nil),
            binds: tables.recordBindings(step, audit: audit, context: executor.audit))
    }

    /// The record statement of a pipelined file (``recordQuery(finishing:)``'s, its values as text), sent before the
    /// migration runs: the audit row's duration is the server's, from `BEGIN` to the record.
    func recordCommand() -> PipelinedCommand {
        var parameters = TextParameters()
        guard let tables else {
            executor.store.bindRecord(step.direction, version: step.migration.version, to: &parameters)
            return PipelinedCommand(executor.store.recordSQL(step.direction), parameters: parameters.values)
        }
        let audit = auditRecord(duration: nil)
        tables.bindRecord(step, audit: audit, context: executor.audit, to: &parameters)
        return PipelinedCommand(
            recordSQL(tables, finishing: false, auditing: audit != nil), parameters: parameters.values)
    }

    private func auditRecord(duration: Duration?) -> AuditRecord? {
        executor.audit.map { _ in
            AuditRecord(
                action: .migrate, version: step.migration.version, file: step.migration.fileName,
                direction: step.direction, outcome: AuditOutcome(completed: step.direction), startedAt: startedAt,
                duration: duration, checksum: step.migration.checksum.file)
        }
    }

    private func recordSQL(_ tables: SkeinTables, finishing: Bool, auditing: Bool) -> String {
        session.recordSQL(step.direction, finishing: finishing, auditing: auditing) {
            tables.recordSQL(
                step.direction, versionStore: executor.store, clearingProgress: finishing, auditing: auditing)
        }
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
        executor.observer?(.executing(step, statement))
        let commands = SQLCommandSplitter.split(statement.sql)
        // COPY … FROM STDIN waits for rows from the client; a migration has none to send (goose sends the inline
        // rows as SQL, which PostgreSQL rejects). Refuse it before the server starts a copy.
        if let copy = commands.first(where: { Self.copiesFromStandardInput($0.sql) }) {
            throw MigrationExecutor.StatementFailure(
                line: statement.line + copy.lineOffset, sqlState: nil,
                message:
                    "COPY … FROM STDIN cannot run in a migration: it waits for rows from the client, and a migration sends only SQL. Write the rows as INSERT … VALUES statements, or load them outside the migration (psql's \\copy, or COPY … FROM a file the server can read)",
                statement: statement, command: copy.sql, refusedBeforeSending: true)
        }
        let wrapped = wrap && commands.count > 1
        if wrapped { try await send("BEGIN", line: statement.line) }
        do {
            for command in commands {
                do {
                    try await send(command.sql, line: statement.line + command.lineOffset, watched: true)
                } catch var failure as MigrationExecutor.StatementFailure {
                    failure.statement = statement
                    failure.command = command.sql
                    throw failure
                }
            }
            if wrapped { try await send("COMMIT", line: statement.line) }
        } catch {
            if wrapped { try? await connection.sendCleanup("ROLLBACK", logger: logger) }
            throw error
        }
    }

    /// Whether a command is `COPY … FROM STDIN` (any case, any spacing).
    static func copiesFromStandardInput(_ sql: String) -> Bool {
        guard MigrationExecutor.leadingKeyword(sql) == "copy" else { return false }
        let words = sql.lowercased().split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" })
        guard words.first == "copy", let from = words.lastIndex(of: "from"), from + 1 < words.count else {
            return false
        }
        return words[from + 1].hasPrefix("stdin")
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
