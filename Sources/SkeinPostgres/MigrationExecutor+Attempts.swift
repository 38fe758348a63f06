import Foundation
import Logging
import PostgresNIO
import SkeinCore
import SkeinGovernance

/// Lock discipline around each step: the pre-flight before it, the retries of a lock timeout, the session reset
/// after it (docs/runner.md, "Lock discipline").
extension MigrationExecutor {
    /// Statements that start with these keywords change no setting of the session that outlives their transaction
    /// (a `CREATE FUNCTION` body is not run). Anything else (`SET`, `SELECT`, `DO`, `CALL`, `WITH`, …), or any
    /// statement that names `set_config`, resets the session after its file.
    static let sessionSafeKeywords: Set<String> = [
        "create", "alter", "drop", "comment", "grant", "revoke", "truncate", "reindex", "insert", "update", "delete",
    ]

    /// Whether `sql` may leave a setting on the session after its transaction (Skein's grammar then resets the
    /// session after the file): any statement that does not start with a keyword of `sessionSafeKeywords`, names
    /// `set_config`, or runs a query from `CREATE` (`CREATE TABLE … AS`, a materialized view).
    public static func mayChangeSession(_ sql: String) -> Bool {
        let text = sql.lowercased()
        if text.contains("set_config") { return true }
        let keyword = leadingKeyword(text)
        if keyword == "create", text.contains(" as select") || text.contains("materialized") || text.contains(" as\n") {
            return true
        }
        return !sessionSafeKeywords.contains(keyword)
    }

    /// The first word of `sql` after blanks and comments, lowercased; empty when there is none (or a comment never
    /// ends).
    static func leadingKeyword(_ sql: String) -> String {
        var rest = Substring(sql)
        while true {
            rest = rest.drop(while: { $0.isWhitespace })
            if rest.hasPrefix("--") {
                rest = rest.drop(while: { $0 != "\n" })
            } else if rest.hasPrefix("/*") {
                guard let end = rest.range(of: "*/") else { return "" }
                rest = rest[end.upperBound...]
            } else {
                break
            }
        }
        return rest.prefix(while: { $0.isLetter }).lowercased()
    }

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
        // A NO TRANSACTION file sets its timeouts statement by statement, from the server's.
        if !section.transactionMode.isTransactional { await session.resetTimeouts(on: connection, logger: logger) }
        do {
            try await attemptsKeepingSession(section)
        } catch {
            if executor.settings.resetsSession { await resetAllSession(section) }
            throw error
        }
        // A transactional file of statements that cannot change the session keeps it (and the timeouts on it).
        if executor.settings.resetsSession,
            !section.transactionMode.isTransactional
                || section.statements.contains(where: { MigrationExecutor.mayChangeSession($0.sql) })
        {
            await resetAllSession(section)
        }
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
                lockAttempts.append(
                    LockAttempt(attempt: attempt, blockers: await blockersAfterTimeout(section.statements)))
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

    /// Who blocked a statement whose lock timed out: the sessions the watch sampled while it waited, or, when the
    /// wait was too short to sample (a loaded machine), the sessions that still hold a lock conflicting with what
    /// `statements` need (``Migrator/Configuration/lockTargets``), whatever their age.
    func blockersAfterTimeout(_ statements: [Statement]) async -> [BlockingSession] {
        if let sampled = watch?.lastBlockers, !sampled.isEmpty { return sampled }
        guard let targets = executor.lockTargets, !connection.isClosed else { return [] }
        let relations = targets.relations(in: statements).filter { $0.mode.blocksTraffic }
        guard !relations.isEmpty else { return [] }
        var hidden: [String: ContinuousClock.Instant] = [:]
        let found = try? await preflightBlockers(relations, hiddenSince: &hidden, minimumAge: .zero)
        var seen: Set<Int32> = []
        return (found?.blockers ?? []).map(\.session).filter { seen.insert($0.pid).inserted }
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
        // Transactions (pg_locks' virtualtransaction) whose age PostgreSQL hides from this role, by when first seen.
        var hiddenSince: [String: ContinuousClock.Instant] = [:]
        while true {
            let (blockers, undecided) = try await preflightBlockers(relations, hiddenSince: &hiddenSince)
            if blockers.isEmpty {
                guard undecided else { return }
                // A hidden session holding a conflicting lock: look again once it would count as long.
                try await Task.sleep(for: preflightAge)
                continue
            }
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

    /// How long a transaction holding a conflicting lock must have been open to count: ``preflightAge``, or the
    /// lock timeout when shorter.
    var preflightAge: Duration { min(Self.preflightAge, executor.settings.lockTimeout ?? Self.preflightAge) }

    /// The sessions holding a lock that conflicts with what the step needs on one of `relations`, idle in a
    /// transaction or in one older than ``preflightAge``: an application's short queries are not blockers. A role
    /// without `pg_read_all_stats` cannot see other roles' sessions' state and age: such a transaction counts once it
    /// has been seen holding the lock for ``preflightAge`` (`hiddenSince`), and `undecided` says one is pending.
    func preflightBlockers(
        _ relations: [LockedRelation], hiddenSince: inout [String: ContinuousClock.Instant], minimumAge: Duration? = nil
    ) async throws -> (blockers: [PreflightBlocker], undecided: Bool) {
        let age = minimumAge ?? preflightAge
        // First the cheap question (pg_locks alone: a fraction of the full query, whose plan expands
        // pg_stat_activity): does any other session hold a lock on these tables at all? Usually none does.
        var names = PostgresBindings()
        names.append(relations.map(\.name))
        let anyLock = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'relation' AND granted
                        AND pid <> pg_backend_pid() AND relation = ANY (SELECT to_regclass(n) FROM unnest($1::text[]) n))
                    """, binds: names), logger: logger
        ).decodeFirst(Bool.self)
        guard anyLock == true else {
            hiddenSince = [:]
            return ([], false)
        }
        var binds = names
        binds.append(MigrationExecutor.seconds(age))
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT r.name, l.mode, a.pid, coalesce(a.usename::text, ''), coalesce(a.application_name, ''),
                           coalesce(a.state, ''),
                           coalesce(extract(epoch FROM now() - coalesce(a.xact_start, a.query_start)), 0)::float8,
                           left(coalesce(a.query, ''), 200), a.state IS NULL, coalesce(l.virtualtransaction, '')
                    FROM unnest($1::text[]) WITH ORDINALITY AS r(name, n)
                    JOIN pg_locks l ON l.locktype = 'relation' AND l.granted AND l.relation = to_regclass(r.name)
                         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    JOIN pg_stat_activity a ON a.pid = l.pid
                    WHERE l.pid <> pg_backend_pid()
                      AND (a.state IS NULL OR a.state LIKE 'idle in transaction%'
                           OR now() - coalesce(a.xact_start, a.query_start) >= make_interval(secs => $2))
                    ORDER BY r.n, a.pid
                    """, binds: binds), logger: logger)
        var blockers: [PreflightBlocker] = []
        var undecided = false
        var seen: Set<String> = []
        let now = ContinuousClock.now
        let needed = Dictionary(relations.map { ($0.name, $0.mode) }, uniquingKeysWith: max)
        for try await (name, mode, pid, user, application, state, seconds, query, hidden, transaction) in rows.decode(
            (String, String, Int32, String, String, String, Double, String, Bool, String).self)
        {
            guard let held = TableLockMode(pgLocksMode: mode), let want = needed[name], want.conflicts(with: held)
            else { continue }
            var session = BlockingSession(
                pid: pid, user: user, application: application, state: state,
                age: .milliseconds(Int64(seconds * 1000)), query: query)
            if hidden {
                seen.insert(transaction)
                let since = hiddenSince[transaction] ?? now
                hiddenSince[transaction] = since
                guard now - since >= age else {
                    undecided = true
                    continue
                }
                session.state = "state hidden"
                session.age = now - since
                session.query = "<insufficient privilege>"
            }
            blockers.append(PreflightBlocker(session: session, relation: name, held: held, needed: want))
        }
        hiddenSince = hiddenSince.filter { seen.contains($0.key) }
        return (blockers, undecided)
    }

    /// Puts the session back as it was before the file (Skein's grammar): a plain `SET` in one file must not reach
    /// the next. `RESET ALL` leaves the role and session authorization in place, so those are reset too when the
    /// file mentions them.
    func resetAllSession(_ section: GooseSection) async {
        session.hasTimeouts = false
        try? await connection.sendCleanup("RESET ALL", logger: logger)
        let text = section.statements.map(\.sql).joined(separator: "\n").lowercased()
        if text.contains("role") { try? await connection.sendCleanup("RESET ROLE", logger: logger) }
        if text.contains("authorization") {
            try? await connection.sendCleanup("RESET SESSION AUTHORIZATION", logger: logger)
        }
    }
}

extension StepRun {
    /// Before a `CONCURRENTLY` index build: the INVALID index an earlier failed attempt left (under the name a
    /// `CREATE INDEX CONCURRENTLY` gives, or `name_ccnew…` beside a `REINDEX INDEX CONCURRENTLY`) is dropped
    /// concurrently, so the build runs again instead of `IF NOT EXISTS` keeping a broken index; when a session is
    /// building it right now, the statement is refused with what to run.
    func rebuildInvalidIndexes(before statement: Statement) async throws {
        // Most statements are not CONCURRENTLY builds: a substring test spares them the lexer.
        guard executor.settings.rebuildsInvalidIndexes, statement.sql.lowercased().contains("concurrently") else {
            return
        }
        for command in SQLCommandSplitter.split(statement.sql) {
            guard let built = ConcurrentStatement.builtIndex(command.sql) else { continue }
            let (parts, created) =
                switch built {
                case .created(let name): (name, true)
                case .rebuilt(let name): (name, false)
                }
            var binds = PostgresBindings()
            binds.append(SQLIdentifier.quote(path: parts))
            binds.append(created)
            binds.append((parts.last ?? "") + "_ccnew%")
            let rows = try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname),
                               coalesce((SELECT string_agg(DISTINCT l.pid::text, ', ') FROM pg_locks l
                                         WHERE l.relation = c.oid AND l.pid <> pg_backend_pid()
                                           AND l.database = (SELECT oid FROM pg_database
                                                             WHERE datname = current_database())), ''),
                               coalesce((SELECT string_agg(p.pid::text, ', ') FROM pg_stat_progress_create_index p
                                         WHERE p.index_relid = c.oid
                                           AND p.datid = (SELECT oid FROM pg_database
                                                          WHERE datname = current_database())), '')
                        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                        JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE NOT i.indisvalid
                          AND CASE WHEN $2 THEN c.oid = to_regclass($1)
                                   ELSE c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = to_regclass($1))
                                        AND c.relname LIKE $3 END
                        """, binds: binds), logger: logger)
            // Read them all before sending anything else on the connection.
            var invalid: [(String, String, String)] = []
            for try await row in rows.decode((String, String, String).self) { invalid.append(row) }
            for (index, lockers, builders) in invalid {
                let busy = [builders, lockers].first { !$0.isEmpty }
                if let busy {
                    throw MigrationExecutor.StatementFailure(
                        line: statement.line, sqlState: nil,
                        message:
                            "the INVALID index \(index) (left by a failed CONCURRENTLY build) is in use by pid \(busy) right now, perhaps a build still running; wait for it to end, or stop it and run DROP INDEX CONCURRENTLY \(index); then run again",
                        statement: statement, command: command.sql, refusedBeforeSending: true)
                }
                logger.warning(
                    "dropping an INVALID index left by a failed CONCURRENTLY build",
                    metadata: ["index": "\(index)", "migration.file": "\(step.migration.fileName)"])
                executor.observer?(
                    .notice(
                        "\(step.migration.path):\(statement.line): dropping the INVALID index \(index) an earlier failed CONCURRENTLY build left, to build it again (DROP INDEX CONCURRENTLY)"
                    ))
                try await send("DROP INDEX CONCURRENTLY IF EXISTS \(index)", line: statement.line)
            }
        }
    }
}
