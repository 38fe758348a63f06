public import Logging
public import PostgresNIO
public import SkeinCore
public import SkeinPostgres

/// Proves, migration by migration, that each Down restores the schema its Up changed and that the Up runs again
/// after its Down, on a database nobody else uses (a throwaway cluster or a scratch database).
///
/// For each migration in order: snapshot (S0), Up, snapshot (S1), Down, snapshot — must equal S0 —, Up again,
/// snapshot — must equal S1 —; the next migration starts from there. Checking each migration alone matters: a
/// full `down-to 0` hides defects, because later Downs drop whole tables.
public struct Verifier: Sendable {
    public struct Options: Sendable {
        /// Verify only versions at or above this one (earlier ones are applied, not checked).
        public var from: Int64?
        /// Verify only versions at or below this one (later ones are left alone).
        public var to: Int64?
        /// What the snapshots read (privileges, excluded tables).
        public var snapshot = SnapshotOptions()
        /// With `data`, rows are put into the tables a migration touches before its Up, and rows or values the
        /// Down loses are reported (warnings).
        public var data = false
        /// With `data`: the user's own rows instead of generated ones. Each statement runs before the first Up it
        /// can run before (a statement whose table does not exist yet waits for the migration that creates it).
        public var seed: [SeedStatement] = []
        /// goose's version table in the scratch database.
        public var versionTable: VersionTableName = .gooseDefault
        /// Whether every snapshot is also read in full and compared with the incremental one (a self-test of
        /// ``SchemaSnapshotReader``; a difference is thrown). Default: the environment's `SKEIN_CHECK_SNAPSHOTS=1`.
        public var checksSnapshots = SchemaSnapshotReader.checksByDefault

        public init() {}
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    /// Told as verification goes (for progress lines).
    public enum Event: Sendable {
        /// Migration `index` (0-based) of `total` to verify is starting.
        case started(Migration, index: Int, total: Int)
        /// A migration before `--from` was applied without checks.
        case applied(Migration)
        /// A migration's verdict.
        case finished(MigrationVerdict)
    }

    /// Verifies `migrations` (in version order) on `connection`, whose database must hold nothing but what the
    /// migrations create.
    /// - Throws: connection errors only; migration failures are part of the report.
    public func verify(
        _ migrations: [Migration], on connection: PostgresConnection, observer: (@Sendable (Event) -> Void)? = nil,
        logger: Logger
    ) async throws -> VerificationReport {
        var configuration = Migrator.Configuration()
        configuration.versionTable = options.versionTable
        configuration.lockID = nil
        configuration.bookkeeping = .gooseOnly
        let runner = StepRunner(migrator: Migrator(configuration: configuration))
        var snapshotOptions = options.snapshot
        snapshotOptions.excludedTables += SnapshotOptions.migrationTables(options.versionTable)
        let versionTable = TableName(
            schema: options.versionTable.schema ?? "public", name: options.versionTable.table)
        let snapshots = SchemaSnapshotReader(
            connection: connection, options: snapshotOptions, checking: options.checksSnapshots)
        let sorted = migrations.sorted { $0.version < $1.version }
        let selected = sorted.filter { migration in
            (options.from.map { migration.version >= $0 } ?? true)
                && (options.to.map { migration.version <= $0 } ?? true)
        }
        var report = VerificationReport()

        // Migrations before --from: applied, not checked.
        if let first = selected.first {
            for migration in sorted where migration.version < first.version {
                if let failure = try await runner.step(.upByOne, migration, sorted, connection, logger) {
                    report.stop = .setupFailed(
                        file: migration.path, failure: failure, verified: [])
                    return report
                }
                observer?(.applied(migration))
            }
        }

        // The snapshot queries are prepared statements: plan them once for the connection, not at every execution,
        // and never compile them (JIT would cost more than running them).
        _ = try await connection.query(StepRunner.snapshotSessionSQL, logger: logger).collect()
        var pendingSeed = options.seed
        var before = try await snapshots.read(logger: logger)
        for (index, migration) in selected.enumerated() {
            observer?(.started(migration, index: index, total: selected.count))
            var verdict = MigrationVerdict(version: migration.version, file: migration.path)
            // Every exit from this iteration records the verdict first.
            func finish() {
                report.migrations.append(verdict)
                observer?(.finished(verdict))
            }
            if migration.kind == .go {
                verdict.outcome = .skipped
                verdict.reason = "a Go migration: Skein cannot run it"
                report.stop = .goMigration(file: migration.path)
                finish()
                return report
            }
            if options.data, !pendingSeed.isEmpty {
                verdict.problems += try await runSeed(&pendingSeed, on: connection, logger: logger)
            }
            var seeded =
                options.data
                ? try await DataProbe.seed(
                    for: migration, on: connection, excluding: versionTable, generate: options.seed.isEmpty,
                    round: index, logger: logger) : nil

            // Up.
            var upFailure = try await runner.step(.upByOne, migration, sorted, connection, logger)
            if let failure = upFailure, let probe = seeded, !probe.generated.isEmpty {
                // It may fail only because of the generated rows: say so, take them out, and try without.
                try await probe.removeGenerated(on: connection, logger: logger)
                verdict.problems.append(
                    VerificationProblem(
                        phase: .data, severity: .warning,
                        message:
                            "Up fails with rows in \(probe.generated.map { "\($0.table)" }.joined(separator: ", ")): \(failure.summary); verified without them"
                    ))
                seeded = nil
                upFailure = try await runner.step(.upByOne, migration, sorted, connection, logger)
            }
            if let failure = upFailure {
                verdict.outcome = .failed
                verdict.problems.append(
                    VerificationProblem(phase: .up, severity: .error, message: "Up fails: \(failure.summary)"))
                report.stop = .upFailed(
                    file: migration.path, failure: failure,
                    verified: report.migrations.filter { $0.outcome == .verified }.map(\.file))
                finish()
                return report
            }
            let afterUp = try await snapshots.read(logger: logger)

            if migration.hasManualRecoveryDown {
                verdict.outcome = .skipped
                verdict.reason =
                    "DESTRUCTIVE, and its Down is the policy's manual-recovery stub: there is nothing to roll back automatically"
                before = afterUp
                finish()
                continue
            }

            // Down: the schema must be S0 again.
            if let failure = try await runner.step(.down, migration, sorted, connection, logger) {
                verdict.outcome = .failed
                verdict.problems.append(
                    VerificationProblem(phase: .down, severity: .error, message: "Down fails: \(failure.summary)"))
                if !(migration.transactionMode ?? .transaction).isTransactional {
                    // Part of a NO TRANSACTION Down ran: what follows would start from an unknown state.
                    report.stop = .downFailed(file: migration.path, failure: failure)
                    finish()
                    return report
                }
                before = afterUp
                finish()
                continue
            }
            let afterDown = try await snapshots.read(logger: logger)
            verdict.problems += SchemaDiff.differences(before: before, after: afterDown).map {
                VerificationProblem(phase: .down, difference: $0)
            }
            if let seeded {
                verdict.problems += try await seeded.losses(on: connection, logger: logger)
                try await seeded.removeGeneratedAfterDown(on: connection, logger: logger)
            }
            verdict.dataNotChecked = seeded?.notChecked ?? []

            // Up again: the schema must be S1 again.
            if let failure = try await runner.step(.upByOne, migration, sorted, connection, logger) {
                verdict.outcome = .failed
                verdict.problems.append(
                    VerificationProblem(
                        phase: .upAgain, severity: .error, message: "Up fails after its Down: \(failure.summary)"))
                report.stop = .upAgainFailed(file: migration.path, failure: failure)
                finish()
                return report
            }
            let afterUpAgain = try await snapshots.read(logger: logger)
            verdict.problems += SchemaDiff.differences(before: afterUp, after: afterUpAgain).map {
                VerificationProblem(phase: .upAgain, difference: $0)
            }
            verdict.outcome = verdict.problems.contains { $0.severity == .error } ? .failed : .verified
            before = afterUpAgain
            finish()
        }
        return report
    }

    /// Runs the seed statements that can run now; those whose table or column does not exist yet wait.
    private func runSeed(_ pending: inout [SeedStatement], on connection: PostgresConnection, logger: Logger)
        async throws -> [VerificationProblem]
    {
        var problems: [VerificationProblem] = []
        var waiting: [SeedStatement] = []
        for statement in pending {
            do {
                _ = try await connection.query(PostgresQuery(unsafeSQL: statement.sql), logger: logger).collect()
            } catch let error as PSQLError {
                let state = error.serverInfo?[.sqlState]
                // undefined table, column, object or function: it may exist after a later migration.
                if ["42P01", "42703", "42704", "42883"].contains(state ?? "") {
                    waiting.append(statement)
                } else {
                    problems.append(
                        VerificationProblem(
                            phase: .data, severity: .warning,
                            message:
                                "seed \(statement.location) failed: \(error.serverInfo?[.message] ?? "\(error)")\(state.map { " (SQLSTATE \($0))" } ?? "")"
                        ))
                }
            }
        }
        pending = waiting
        return problems
    }

}

/// Runs the Verifier's steps. The scratch database holds only what the steps did, so each step is known without
/// planning: after goose's version table is ensured once (as the first run would), an Up applies exactly its
/// migration and a Down undoes it, through ``MigrationExecutor`` — the same statements and version rows as
/// ``Migrator`` sends, without re-reading the version table at every step. A version table that already records
/// applied versions falls back to ``Migrator`` for every step.
private final class StepRunner {
    let migrator: Migrator
    let executor: MigrationExecutor
    /// `nil` until the first step has ensured the version table; then whether steps run directly.
    var direct: Bool?

    init(migrator: Migrator) {
        self.migrator = migrator
        var executor = MigrationExecutor(
            store: VersionStore(table: migrator.configuration.versionTable),
            settings: migrator.configuration.statements)
        executor.metrics = migrator.configuration.metrics
        self.executor = executor
    }

    /// The session the snapshot queries want: planned once (generic plans), never JIT-compiled.
    static let snapshotSessionSQL: PostgresQuery =
        "SELECT set_config('plan_cache_mode', 'force_generic_plan', false), set_config('jit', 'off', false)"

    /// Runs one step; a migration failure is returned, other errors are thrown.
    func step(
        _ command: MigrationCommand, _ migration: Migration, _ all: [Migration], _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> StepFailure? {
        let failure = try await stepResettingSession(command, migration, all, connection, logger)
        // Skein's runner resets the session after each file (as a real run does); the snapshots' settings go back.
        if migrator.configuration.statements.resetsSession {
            _ = try await connection.query(Self.snapshotSessionSQL, logger: logger).collect()
        }
        return failure
    }

    private func stepResettingSession(
        _ command: MigrationCommand, _ migration: Migration, _ all: [Migration], _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> StepFailure? {
        if direct == nil {
            let records = try await executor.store.ensuredRecords(on: connection, logger: logger)
            direct = MigrationPlanner.appliedVersions(of: records).allSatisfy { $0 == 0 }
        }
        do {
            if direct == true {
                let direction: Direction = command == .down ? .down : .up
                // What the planner would refuse: a direction that does not parse.
                if migration.kind == .sql, case .failure(let error) = migration.section(direction) {
                    return StepFailure(message: Diagnostic(parseError: error, path: migration.path).description)
                }
                _ = try await executor.execute(
                    [MigrationStep(migration: migration, direction: direction, recording: .record)], on: connection,
                    logger: logger)
            } else {
                // Only this migration and those before it: `up-by-one` then applies exactly this one, `down` undoes
                // it.
                let upTo = all.filter { $0.version <= migration.version }
                _ = try await migrator.run(command, migrations: upTo, on: connection, logger: logger)
            }
            return nil
        } catch let failure as MigrationFailure {
            return StepFailure(failure)
        } catch let rejected as Migrator.PlanRejected {
            return StepFailure(message: rejected.description)
        }
    }
}

/// One statement of a `--seed` file.
public struct SeedStatement: Sendable, Hashable {
    public var sql: String
    /// `file:line`, for messages.
    public var location: String

    public init(sql: String, location: String) {
        self.sql = sql
        self.location = location
    }

    /// The statements of a seed file (PostgreSQL's quoting and comment rules), each with its line.
    public static func statements(of text: String, path: String) -> [SeedStatement] {
        SQLCommandSplitter.split(text).compactMap { command in
            guard command.sql.contains(where: { !$0.isWhitespace && $0 != ";" }) else { return nil }
            return SeedStatement(sql: command.sql, location: "\(path):\(command.lineOffset + 1)")
        }
    }
}
