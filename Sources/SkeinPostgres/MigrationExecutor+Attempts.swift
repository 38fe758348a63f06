import Foundation
import Logging
import PostgresNIO
import SkeinCore
import SkeinGovernance

/// Lock discipline around each step: the pre-flight before it, the retries of a lock timeout, the session reset
/// after it (docs/runner.md, "Lock discipline").
extension MigrationExecutor {
    /// How long to wait before the attempt after `attempt`, or `nil` when there is none: no retry policy, the
    /// attempts are used up, or the next would start after `deadline`.
    func retryDelay(after attempt: Int, deadline: ContinuousClock.Instant) -> Duration? {
        guard let retry = settings.lockRetry, attempt < retry.attempts else { return nil }
        var generator = SystemRandomNumberGenerator()
        let delay = retry.delay(afterAttempt: attempt, using: &generator)
        return ContinuousClock.now + delay < deadline ? delay : nil
    }
}

extension StepRun {
    /// Runs the step: the pre-flight, then the step itself; a transactional file again from the start when its
    /// lock is not granted in time (a `NO TRANSACTION` file retries the statement instead).
    func attempts(_ section: GooseSection) async throws {
        do {
            try await attemptsKeepingSession(section)
        } catch {
            if executor.settings.resetsSession { await resetAllSession(section) }
            throw error
        }
        if executor.settings.resetsSession { await resetAllSession(section) }
    }

    private func attemptsKeepingSession(_ section: GooseSection) async throws {
        let deadline = started + (executor.settings.lockRetry?.deadline ?? .seconds(300))
        try await preflight(section, deadline: deadline)
        guard section.transactionMode.isTransactional else {
            try await statementByStatement(section, deadline: deadline)
            return
        }
        var lockAttempts: [LockAttempt] = []
        var attempt = 1
        while true {
            do {
                try await transactional(section)
                return
            } catch var failure as MigrationExecutor.StepFailure where failure.statement.sqlState == "55P03" {
                lockAttempts.append(LockAttempt(attempt: attempt, blockers: watch?.lastBlockers ?? []))
                guard let delay = executor.retryDelay(after: attempt, deadline: deadline) else {
                    failure.lockAttempts = lockAttempts
                    throw failure
                }
                await retrying(
                    attempt: attempt, delay: delay, blockers: lockAttempts.last?.blockers ?? [],
                    failure: failure.statement)
                try await Task.sleep(for: delay)
                // PostgresNIO never answers a query on a connection that closed meanwhile: stop on the failure.
                guard !connection.isClosed else {
                    failure.lockAttempts = lockAttempts
                    throw failure
                }
                attempt += 1
                try await preflight(section, deadline: deadline)
            }
        }
    }

    /// Says that attempt `attempt` of the step timed out on a lock and the next starts after `delay`: the log, the
    /// observer, and (with Skein's tables) an audit row for the attempt.
    func retrying(
        attempt: Int, delay: Duration, blockers: [BlockingSession], failure: MigrationExecutor.StatementFailure
    ) async {
        let attempts = executor.settings.lockRetry?.attempts ?? 1
        let waited = executor.settings.lockTimeout.map { " within \(GoDurationFormat.string($0))" } ?? ""
        let message =
            "lock not granted\(waited) (attempt \(attempt) of \(attempts)); retrying in \(GoDurationFormat.string(delay))"
            + (blockers.isEmpty ? "" : "; blocked by " + blockers.map(\.description).joined(separator: "; "))
        logger.warning(
            "migration lock timeout, retrying",
            metadata: [
                "migration.version": "\(step.migration.version)", "migration.file": "\(step.migration.fileName)",
                "migration.line": failure.line.map { "\($0)" } ?? "", "attempt": "\(attempt)",
                "attempts": "\(attempts)", "retry.delay_seconds": "\(MigrationExecutor.seconds(delay))",
                "blockers": "\(blockers.map(\.description).joined(separator: "; "))",
            ])
        executor.observer?(
            .retrying(
                step, line: failure.line, attempt: attempt, attempts: attempts, delay: delay, blockers: blockers))
        if let tables, let audit = executor.audit {
            try? await tables.writeAudit(
                AuditRecord(
                    action: .migrate, version: step.migration.version, file: step.migration.fileName,
                    direction: step.direction, outcome: .failed, startedAt: startedAt,
                    duration: ContinuousClock.now - started, sqlState: failure.sqlState,
                    message: message + (failure.line.map { " (line \($0))" } ?? ""),
                    checksum: step.migration.checksum.file),
                context: audit, on: connection, logger: logger)
        }
    }

    /// A transaction open this long (or the lock timeout, when shorter) holding a conflicting lock is a blocker.
    static let preflightAge: Duration = .milliseconds(200)

    /// Before a step that takes a strong lock: the sessions holding conflicting locks on its tables in
    /// transactions older than ``preflightAge`` (or idle in one) would make it wait, and every query on the table
    /// queue behind it. Waits for them to end, polling without taking any lock (``StatementSettings/Preflight``), or
    /// refuses naming them.
    func preflight(_ section: GooseSection, deadline: ContinuousClock.Instant) async throws {
        guard executor.settings.preflight != .off, let targets = executor.lockTargets else { return }
        let relations = targets.relations(in: section.statements).filter { $0.mode.blocksTraffic }
        guard !relations.isEmpty else { return }
        var reported = false
        while true {
            let blockers = try await preflightBlockers(relations)
            guard !blockers.isEmpty else { return }
            if executor.settings.preflight == .refuse || ContinuousClock.now >= deadline {
                let names = blockers.map(\.description).joined(separator: "; ")
                throw MigrationExecutor.StepFailure(
                    statement: MigrationExecutor.StatementFailure(
                        line: nil, sqlState: nil,
                        message: executor.settings.preflight == .refuse
                            ? "pre-flight: other sessions hold locks this migration would wait for (and make every query on the table wait behind it): \(names). Nothing of it ran; end those sessions or let them finish, then run again (--preflight wait waits for them)"
                            : "pre-flight: other sessions still hold locks this migration would wait for after waiting until the deadline (--lock-retry-deadline): \(names). Nothing of it ran; end those sessions, then run again",
                        detail: nil, hint: nil, refusedBeforeSending: true),
                    statementsCompleted: 0)
            }
            if !reported {
                reported = true
                logger.warning(
                    "migration waiting for sessions that hold conflicting locks",
                    metadata: [
                        "migration.version": "\(step.migration.version)",
                        "migration.file": "\(step.migration.fileName)",
                        "blockers": "\(blockers.map(\.description).joined(separator: "; "))",
                    ])
                executor.observer?(.preflightWaiting(step, blockers: blockers))
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// The sessions holding a lock that conflicts with what the step needs on one of `relations`, idle in a
    /// transaction or in one older than ``preflightAge``: an application's short queries are not blockers.
    func preflightBlockers(_ relations: [LockedRelation]) async throws -> [PreflightBlocker] {
        let threshold = MigrationExecutor.seconds(
            min(Self.preflightAge, executor.settings.lockTimeout ?? Self.preflightAge))
        var binds = PostgresBindings()
        binds.append(relations.map(\.name))
        binds.append(threshold)
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT r.name, l.mode, a.pid, coalesce(a.usename::text, ''), coalesce(a.application_name, ''),
                           coalesce(a.state, ''),
                           coalesce(extract(epoch FROM now() - coalesce(a.xact_start, a.query_start)), 0)::float8,
                           left(coalesce(a.query, ''), 200)
                    FROM unnest($1::text[]) WITH ORDINALITY AS r(name, n)
                    JOIN pg_locks l ON l.locktype = 'relation' AND l.granted AND l.relation = to_regclass(r.name)
                         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    JOIN pg_stat_activity a ON a.pid = l.pid
                    WHERE l.pid <> pg_backend_pid()
                      AND (a.state LIKE 'idle in transaction%'
                           OR now() - coalesce(a.xact_start, a.query_start) >= make_interval(secs => $2))
                    ORDER BY r.n, a.pid
                    """, binds: binds), logger: logger)
        var blockers: [PreflightBlocker] = []
        let needed = Dictionary(relations.map { ($0.name, $0.mode) }, uniquingKeysWith: max)
        for try await (name, mode, pid, user, application, state, age, query) in rows.decode(
            (String, String, Int32, String, String, String, Double, String).self)
        {
            guard let held = TableLockMode(pgLocksMode: mode), let want = needed[name], want.conflicts(with: held)
            else { continue }
            let session = BlockingSession(
                pid: pid, user: user, application: application, state: state, age: .milliseconds(Int64(age * 1000)),
                query: query)
            blockers.append(PreflightBlocker(session: session, relation: name, held: held, needed: want))
        }
        return blockers
    }

    /// Puts the session back as it was before the file (Skein's grammar): a plain `SET` in one file must not reach
    /// the next. `RESET ALL` leaves the role and session authorization in place, so those are reset too when the
    /// file mentions them.
    func resetAllSession(_ section: GooseSection) async {
        try? await connection.sendCleanup("RESET ALL", logger: logger)
        let text = section.statements.map(\.sql).joined(separator: "\n").lowercased()
        if text.contains("role") { try? await connection.sendCleanup("RESET ROLE", logger: logger) }
        if text.contains("authorization") {
            try? await connection.sendCleanup("RESET SESSION AUTHORIZATION", logger: logger)
        }
    }
}

extension TableLockMode {
    /// The mode as `pg_locks.mode` names it (`AccessExclusiveLock`).
    init?(pgLocksMode: String) {
        guard let mode = Self.allCases.first(where: { $0.pgLocksName == pgLocksMode }) else { return nil }
        self = mode
    }

    var pgLocksName: String {
        rawValue.lowercased().split(separator: " ").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
            + "Lock"
    }
}
