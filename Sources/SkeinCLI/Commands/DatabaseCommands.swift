import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import SkeinConfig
import SkeinConnection
import SkeinCore
import SkeinGovernance
import SkeinInvocation
import SkeinPostgres
import SkeinSandbox

#if canImport(Glibc)
    import Glibc
#endif

/// Options of the commands that talk to a database.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "libpq connection string (URL or key=value). Default: GOOSE_DBSTRING, then DATABASE_URL, then PG* variables."
    )
    var databaseURL: String?

    @Option(name: .long, help: "goose's version table (default goose_db_version; schema.table allowed).")
    var table: String?

    @Flag(name: .long, help: "Apply unapplied versions below the current one (goose's -allow-missing).")
    var allowMissing = false

    @Flag(name: .long, help: "Run files in order without the version table (goose's -no-versioning).")
    var noVersioning = false

    @Flag(name: .long, help: "Do not take the advisory lock.")
    var noLock = false

    @Flag(name: .long, help: "Roll back across a Down that is the policy's manual-recovery stub (it restores nothing).")
    var allowManualRecovery = false

    @Flag(name: .long, help: "Print the plan and the SQL that would run; change nothing (not even the version table).")
    var dryRun = false

    @Option(name: .long, help: "Maximum time for the whole run, Go duration syntax (goose's -timeout), e.g. 1h13m.")
    var timeout: String?

    @Option(name: .long, help: "How long to wait for another run's migration lock (default 5m; retried every 5s).")
    var lockWait: String?

    @Option(
        name: .long,
        help: "PostgreSQL lock_timeout for migration statements, e.g. 5s: DDL waiting on a busy table fails fast.")
    var lockTimeout: String?

    @Option(name: .long, help: "PostgreSQL statement_timeout for migration statements, e.g. 10m.")
    var statementTimeout: String?

    @Option(name: .long, help: "Report a statement running longer than this, with who blocks it (default 10s; 0 off).")
    var warnAfter: String?

    @Flag(name: .long, help: "Run against a new throwaway local PostgreSQL, removed afterwards (no database needed).")
    var ephemeral = false

    @Flag(
        name: .long,
        help:
            "Apply even though an applied migration's Up changed since it ran; the new checksums are recorded (audit log)."
    )
    var allowModified = false

    @Flag(
        name: .long,
        help: "Apply -- DESTRUCTIVE: migrations that have no valid approval; recorded in the audit log with who ran it."
    )
    var allowDestructive = false

    @Option(
        name: .long,
        help: "Back up the database (pg_dump -Fc, checked with pg_restore --list) into this directory before migrating."
    )
    var backup: String?

    @Flag(name: .long, help: "Run DESTRUCTIVE migrations without a backup (recorded in the audit log).")
    var noBackup = false

    @Option(name: .long, help: "text, or json: one JSON event per line on stderr (start, finish, failure, waits).")
    var logFormat: LogFormat = .text

    @Option(
        name: .long,
        help:
            "After the run, write the audit log's metrics here in Prometheus' text format (atomically; for node_exporter)."
    )
    var metricsFile: String?

    @Option(
        name: .long,
        help: "Run this shell command when a migration fails, with SKEIN_FAILED_* variables describing the failure.")
    var onFailure: String?

    @OptionGroup var migrations: MigrationsOptions
}

/// One goose database command, run the way goose v3.17 runs it.
struct DatabaseRun {
    var options: DatabaseOptions

    var style: OutputStyle { OutputStyle(goose: options.migrations.goose) }

    /// `--backup DIR`, else skein.yaml's `backup-dir`.
    var backupDirectory: String? {
        options.backup ?? (try? ProjectSettings.resolve(options.migrations))?.configuration.backupDirectory
    }

    func say(_ text: String) {
        switch style {
        case .goose: Console.gooseLog(text)
        case .skein: Console.out(text)
        }
    }

    /// Several lines in one write (in goose mode, each with the log prefix).
    func say(lines: [String]) {
        guard !lines.isEmpty else { return }
        switch style {
        case .goose:
            let prefix = Console.gooseLogPrefix()
            Console.err(lines.map { prefix + $0 }.joined(separator: "\n"))
        case .skein: Console.out(lines.joined(separator: "\n"))
        }
    }

    func warn(_ text: String) {
        switch style {
        case .goose: Console.gooseLog("skein: " + text)
        case .skein: Console.err("warning: " + text)
        }
    }

    func fail(_ text: String) -> ExitCode {
        switch style {
        case .goose: Console.gooseLog("goose run: \(text)")
        case .skein: Console.err("error: \(text)")
        }
        return ExitCode(1)
    }

    /// What a command gets to work with.
    struct Context: Sendable {
        var connection: PostgresConnection
        var migrations: [Migration]
        var migrator: Migrator
        var sideChannel: SideChannel
        var logger: Logger
    }

    /// A duration flag in Go's syntax (`90s`, `1h13m`); `0` means none.
    /// `configured` is skein.yaml's value in seconds, used when the flag is absent.
    func duration(_ text: String?, flag: String, configured: Double? = nil) throws -> Duration?? {
        guard let text else {
            guard let configured else { return .none }
            return .some(configured == 0 ? nil : .milliseconds(Int64((configured * 1000).rounded())))
        }
        guard let seconds = GoDuration.parse(text), seconds >= 0 else {
            throw fail("invalid --\(flag) \(text): use Go's duration syntax, e.g. 90s or 1h13m")
        }
        return .some(seconds == 0 ? nil : .milliseconds(Int64((seconds * 1000).rounded())))
    }

    /// Resolves settings, reads the migrations, connects (to a throwaway cluster with `--ephemeral`), and
    /// hands everything to `body`.
    func withDatabase(_ body: @escaping @Sendable (Context) async throws -> Void) async throws {
        let logger = Console.logger(json: options.logFormat == .json)
        let settings: ProjectSettings
        var configuration = Migrator.Configuration()
        configuration.skeinVersion = Skein.version
        let catalog: MigrationCatalog
        let environment = ProcessInfo.processInfo.environment
        do {
            settings = try ProjectSettings.resolve(options.migrations)
            configuration.versionTable = try VersionTableName.parse(
                options.table ?? settings.configuration.versionTable ?? "goose_db_version")
            if options.noLock { configuration.lockID = nil }
            configuration.missingMigrations = options.allowMissing ? .apply : .refuse
            configuration.versioning = options.noVersioning ? .unversioned : .versioned
            configuration.manualRecovery = options.allowManualRecovery ? .allow : .refuse
            // The gates: on in Skein mode, warnings in goose mode (as the policy's other rules), skein.yaml's
            // `gates:` over both, the --allow flags over everything.
            let gates = settings.configuration.gates
            let gooseDefault: ModifiedPolicy = settings.style == .goose ? .warn : .refuse
            configuration.modified = options.allowModified ? .allow : gates.modified ?? gooseDefault
            configuration.destructive =
                options.allowDestructive ? .allow : gates.destructive ?? (settings.style == .goose ? .warn : .refuse)
            configuration.approvals = try LintCommand.ledger(in: settings.directory)
            configuration.backupPolicy =
                options.noBackup
                ? .waived
                : gates.backup ?? (settings.style == .goose ? .warn : .requiredForDestructive)
            // A flag wins over skein.yaml's key of the same name.
            let run = settings.configuration.run
            if case .some(let wait) = try duration(options.lockWait, flag: "lock-wait", configured: run.lockWait) {
                configuration.lockWait = wait ?? .zero
            }
            if case .some(let value) = try duration(
                options.lockTimeout, flag: "lock-timeout", configured: run.lockTimeout)
            {
                configuration.statements.lockTimeout = value
            }
            if case .some(let value) = try duration(
                options.statementTimeout, flag: "statement-timeout", configured: run.statementTimeout)
            {
                configuration.statements.statementTimeout = value
            }
            if case .some(let value) = try duration(options.warnAfter, flag: "warn-after", configured: run.warnAfter) {
                configuration.statements.warnAfter = value
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw fail("\(error)")
        }
        // Connect while the files are read and parsed (not with --ephemeral, whose cluster starts after). A
        // problem with the files still wins: the connection is then dropped unused, and connection errors are
        // reported only after the files are known good.
        var connecting: Task<Connected, any Error>?
        if !options.ephemeral,
            let parsed = try? ConnectionString.parse(
                Self.connectionString(explicit: options.databaseURL, environment: environment))
        {
            connecting = Task { try await Self.connect(parsed, environment: environment, logger: logger) }
        }
        do {
            catalog = try MigrationCatalog(
                source: DirectorySource(directory: settings.directory),
                parser: GooseParser(environmentSubstitution: .enabled(environment)))
        } catch {
            connecting?.cancel()
            throw fail("\(error)")
        }
        if catalog.diagnostics.hasErrors {
            connecting?.cancel()
            Console.report(catalog.diagnostics)
            throw fail("the migrations directory has errors (above); nothing was run")
        }
        var timeout: Duration?
        do {
            if case .some(let value) = try duration(options.timeout, flag: "timeout") { timeout = value }
        } catch {
            connecting?.cancel()
            throw error
        }
        let migrator = Migrator(configuration: configuration)
        let migrations = catalog.migrations
        if options.ephemeral {
            let installation: PostgresInstallation
            do {
                installation = try await PostgresInstallation.locate(environment: environment, logger: logger)
            } catch {
                throw fail("--ephemeral needs PostgreSQL's server programs: \(error)")
            }
            say("skein: a throwaway PostgreSQL for this run (removed afterwards)")
            try await withEphemeralCluster(
                options: SandboxOptions(
                    installation: installation,
                    parentDirectory: SandboxOptions.scratchParentDirectory(environment: environment)),
                logger: logger
            ) { cluster in
                try await connectAndRun(
                    ConnectionString.parse(cluster.url), environment: [:], migrations: migrations,
                    migrator: migrator, timeout: timeout, logger: logger, body)
            }
            return
        }
        let parsed: ConnectionString
        do {
            parsed = try ConnectionString.parse(
                Self.connectionString(explicit: options.databaseURL, environment: environment))
        } catch {
            throw fail("\(error)")
        }
        try await connectAndRun(
            parsed, environment: environment, migrations: migrations, migrator: migrator, timeout: timeout,
            logger: logger, connecting: connecting, body)
    }

    /// An open connection with what cancels its statements.
    struct Connected: Sendable {
        var connector: Connector
        var connection: PostgresConnection
        var canceller: BackendCanceller
    }

    private static func connect(_ string: ConnectionString, environment: [String: String], logger: Logger)
        async throws -> Connected
    {
        let connector = Connector(
            settings: try Self.settings(string, environment: environment, homeDirectory: environment["HOME"]))
        let connection = try await connector.connect(logger: logger)
        do {
            let canceller = try await BackendCanceller(connector: connector, connection: connection, logger: logger)
            return Connected(connector: connector, connection: connection, canceller: canceller)
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// - Parameter connecting: a connection already under way to `string` (see ``withDatabase(_:)``).
    private func connectAndRun(
        _ string: ConnectionString, environment: [String: String], migrations: [Migration], migrator: Migrator,
        timeout: Duration?, logger: Logger, connecting: Task<Connected, any Error>? = nil,
        _ body: @escaping @Sendable (Context) async throws -> Void
    ) async throws {
        let connector: Connector
        let connection: PostgresConnection
        let canceller: BackendCanceller
        do {
            let connected =
                if let connecting {
                    try await connecting.value
                } else {
                    try await Self.connect(string, environment: environment, logger: logger)
                }
            (connector, connection, canceller) = (connected.connector, connected.connection, connected.canceller)
        } catch {
            throw fail("\(error)")
        }
        var migrator = migrator
        if let directory = backupDirectory {
            migrator.configuration.backup =
                PgDumpBackup(
                    directory: directory, settings: connector.settings, logger: logger
                ).hook
        }
        let context = Context(
            connection: connection, migrations: migrations, migrator: migrator,
            sideChannel: .connector(connector), logger: logger)
        do {
            // goose's -timeout and Ctrl-C: cancel the running statement on the server, then stop.
            try await Self.run(within: timeout, canceller: canceller, logger: logger) {
                try await body(context)
            }
            try? await connection.close()
        } catch let timedOut as TimedOut {
            try? await connection.close()
            throw fail("\(timedOut)")
        } catch {
            try? await connection.close()
            if let exit = error as? ExitCode { throw exit }
            if error is CancellationError || error is SignalCancellation.Interrupted {
                throw fail(
                    "interrupted: the running statement was cancelled on the server; see the lines above for what was applied"
                )
            }
            throw fail("\(error)")
        }
    }

    /// Runs a command so that Ctrl-C / SIGTERM cancel it (and its statement on the server); exits 130 / 143.
    static func interruptible(_ body: @escaping @Sendable () async throws -> Void) async throws {
        do {
            try await SignalCancellation.run(body)
        } catch let interrupted as SignalCancellation.Interrupted {
            throw ExitCode(interrupted.exitCode)
        }
    }

    /// ``interruptible(_:)`` for a command whose failures are one `error: …` line and exit status 1 (exit codes,
    /// cancellation and Ctrl-C pass through).
    static func reportingFailures(
        describe: @escaping @Sendable (any Error) -> String = { "\($0)" },
        _ body: @escaping @Sendable () async throws -> Void
    ) async throws {
        try await interruptible {
            do {
                try await body()
            } catch let exit as ExitCode {
                throw exit
            } catch  where error is CancellationError || error is SignalCancellation.Interrupted {
                throw error
            } catch {
                Console.err("error: \(describe(error))")
                throw ExitCode(1)
            }
        }
    }

    struct TimedOut: Error, CustomStringConvertible {
        var limit: Duration
        /// What the cancelled run reported (which migration, what ran, whether it is dirty).
        var cause: (any Error)?
        var description: String {
            "context deadline exceeded: the run took longer than --timeout (\(GoDurationFormat.string(limit))); the running statement was cancelled on the server"
                + (cause.map { ".\n\($0)" } ?? "")
        }
    }

    /// Runs `body`; when `limit` passes or the task is cancelled (Ctrl-C), cancels the backend's statement.
    static func run(
        within limit: Duration?, canceller: BackendCanceller, logger: Logger,
        _ body: @escaping @Sendable () async throws -> Void
    ) async throws {
        try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await body()
                    return true
                }
                if let limit {
                    group.addTask {
                        try await Task.sleep(for: limit)
                        return false
                    }
                }
                var timedOut = false
                do {
                    for try await finished in group {
                        if finished {
                            group.cancelAll()
                            break
                        }
                        timedOut = true
                        await canceller.cancel(logger: logger)
                    }
                } catch {
                    if timedOut, let limit { throw TimedOut(limit: limit, cause: error) }
                    throw error
                }
                if timedOut, let limit { throw TimedOut(limit: limit, cause: nil) }
            }
        } onCancel: {
            Task { await canceller.cancel(logger: logger) }
        }
    }

    /// Prints goose's `OK` line as each step finishes, and who blocks a statement that waits.
    func observe(_ event: MigrationEvent) {
        switch event {
        case .finished(let step, let duration):
            let section = try? step.migration.section(step.direction)?.get()
            let empty = section?.statements.isEmpty ?? false
            say("\(empty ? "EMPTY" : "OK  ") \(step.migration.fileName) (\(GoDurationFormat.string(duration)))")
        case .waiting(let step, let line, let waited, let blockers) where options.logFormat == .json:
            Console.logger(json: true).warning(
                "statement waiting",
                metadata: [
                    "migration.file": "\(step.migration.path)", "migration.line": "\(line)",
                    "wait.seconds":
                        "\(Double(waited.components.seconds) + Double(waited.components.attoseconds) / 1e18)",
                    "wait.blockers": "\(blockers.map(\.description).joined(separator: "; "))",
                ])
        case .waiting(let step, let line, let waited, let blockers):
            let place = "\(step.migration.path):\(line)"
            let text =
                blockers.isEmpty
                ? "still running after \(GoDurationFormat.string(waited)): \(place) (not waiting for a lock)"
                : "waiting \(GoDurationFormat.string(waited)) for a lock at \(place), blocked by "
                    + blockers.map(\.description).joined(separator: "; ")
            warn(text)
        case .notice(let text):
            warn(text)
        }
    }

    /// Runs a changing command and prints goose's lines.
    func migrate(_ command: MigrationCommand) async throws {
        try await withDatabase { context in
            let (connection, migrations, migrator, logger) = (
                context.connection, context.migrations, context.migrator, context.logger
            )
            if options.dryRun {
                let plan = try await migrator.preview(command, migrations: migrations, on: connection, logger: logger)
                Console.report(plan.problems)
                if plan.hasErrors { throw fail("the plan has errors (above); nothing would run") }
                say(
                    "dry run of \(command): \(plan.steps.count) step\(plan.steps.count == 1 ? "" : "s"), current version \(plan.currentVersion ?? 0); nothing was changed"
                )
                for step in plan.steps {
                    say("-- \(step.direction == .up ? "apply" : "roll back") \(step.migration.path)")
                    if case .success(let section)? = step.migration.section(step.direction) {
                        if !section.transactionMode.isTransactional { say("-- (NO TRANSACTION)") }
                        for statement in section.statements { say("-- line \(statement.line)\n\(statement.sql)") }
                    }
                }
                return
            }
            let outcome: Migrator.Outcome
            do {
                outcome = try await migrator.run(
                    command, migrations: migrations, on: connection, sideChannel: context.sideChannel,
                    observer: { observe($0) }, logger: logger)
                await afterRun(command, failure: nil, context: context)
            } catch let rejected as Migrator.PlanRejected {
                let onlyNoNext = rejected.problems.filter { $0.severity == .error }.allSatisfy {
                    $0.code == "no-next-version"
                }
                if onlyNoNext {
                    say("goose: no migrations to run. current version: \(rejected.plan.currentVersion ?? 0)")
                    throw fail("no next version found")
                }
                Console.report(rejected.problems)
                throw fail("nothing was run: fix the problems above")
            } catch {
                await afterRun(command, failure: error, context: context)
                throw error
            }
            let plan = outcome.plan
            if migrator.configuration.versioning == .unversioned {
                switch command {
                case .up, .upByOne, .upTo: say("goose: up to current file version: \(plan.versionAfter ?? 0)")
                case .down, .downTo, .reset: say("goose: down to current file version: \(plan.versionAfter ?? 0)")
                case .redo: break
                }
                return
            }
            switch command {
            case .up, .upTo:
                say(
                    plan.steps.isEmpty
                        ? "goose: no migrations to run. current version: \(plan.currentVersion ?? 0)"
                        : "goose: successfully migrated database to version: \(plan.versionAfter ?? 0)")
            case .downTo:
                say("goose: no migrations to run. current version: \(plan.versionAfter ?? 0)")
            default:
                break
            }
        }
    }

    /// `--metrics-file` and `--on-failure`, after a run (each best effort: a problem is a warning, the run's own
    /// result stands).
    func afterRun(_ command: MigrationCommand, failure: (any Error)?, context: Context) async {
        if let path = options.metricsFile {
            do {
                // Not on a connection the server closed (PostgresNIO would wait forever).
                guard !context.connection.isClosed else { throw ConnectionLost() }
                let entries = try await context.migrator.history(on: context.connection, logger: context.logger)
                try MigrationMetrics(entries: entries, now: Date()).writeAtomically(to: path)
            } catch {
                warn("could not write --metrics-file \(path): \(error)")
            }
        }
        if let failure, let commandLine = options.onFailure {
            var environment = ProcessInfo.processInfo.environment
            environment["SKEIN_COMMAND"] = "\(command)"
            environment["SKEIN_ERROR"] = "\(failure)"
            if let migrationFailure = failure as? MigrationFailure {
                environment["SKEIN_FAILED_VERSION"] = "\(migrationFailure.failed.migration.version)"
                environment["SKEIN_FAILED_FILE"] = migrationFailure.failed.migration.path
                environment["SKEIN_FAILED_DIRECTION"] = migrationFailure.failed.direction.rawValue
                environment["SKEIN_FAILED_LINE"] = migrationFailure.line.map(String.init) ?? ""
                environment["SKEIN_SQLSTATE"] = migrationFailure.sqlState ?? ""
                environment["SKEIN_MESSAGE"] = migrationFailure.message
                environment["SKEIN_APPLIED"] = migrationFailure.completed.map(\.migration.fileName).joined(
                    separator: " ")
            } else if let runnerError = failure as? RunnerError {
                environment["SKEIN_MESSAGE"] = runnerError.message
            }
            // The failure's details, never the connection string: no secret reaches the hook.
            for key in ["DATABASE_URL", "GOOSE_DBSTRING", "PGPASSWORD"] { environment[key] = nil }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", commandLine]
            process.environment = environment
            do {
                try process.run()
                process.waitUntilExit()
                if process.terminationStatus != 0 {
                    warn("--on-failure command exited \(process.terminationStatus)")
                }
            } catch {
                warn("could not run --on-failure command: \(error)")
            }
        }
    }

    struct ConnectionLost: Error, CustomStringConvertible {
        var description: String { "the connection to PostgreSQL is closed" }
    }

    /// The connection string to use: the flag, then GOOSE_DBSTRING, then DATABASE_URL; empty means libpq's
    /// PG* variables and defaults.
    static func connectionString(explicit: String?, environment: [String: String]) -> String {
        explicit ?? environment["GOOSE_DBSTRING"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["DATABASE_URL"] ?? ""
    }

    /// The operating-system user, libpq's default database user.
    static func userName() -> String {
        let user = Migrator.Operator.current.osUser
        return user.isEmpty ? "postgres" : user
    }

    /// What libpq would connect with for `string`: `PG*` from `environment`, `~/.pgpass` under `homeDirectory`
    /// (read only when private), this OS user by default. The one place the CLI resolves connection settings.
    static func settings(_ string: ConnectionString, environment: [String: String], homeDirectory: String?) throws
        -> ConnectionSettings
    {
        try ConnectionSettings.resolve(
            string, environment: environment, operatingSystemUser: userName(), homeDirectory: homeDirectory,
            passwordFile: readPrivateFile)
    }

    /// libpq reads a password file only when nobody else can read it.
    static func readPrivateFile(_ path: String) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let permissions = attributes[.posixPermissions] as? Int, permissions & 0o077 == 0,
            let data = FileManager.default.contents(atPath: path)
        else { return nil }
        return String(data: data, encoding: .utf8)
    }
}

struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "up", abstract: "Migrate to the most recent version.")
    @OptionGroup var options: DatabaseOptions
    func run() async throws {
        let options = options
        try await DatabaseRun.interruptible { try await DatabaseRun(options: options).migrate(.up) }
    }
}

struct UpByOneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "up-by-one", abstract: "Migrate up by one version.")
    @OptionGroup var options: DatabaseOptions
    func run() async throws {
        let options = options
        try await DatabaseRun.interruptible { try await DatabaseRun(options: options).migrate(.upByOne) }
    }
}

struct UpToCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up-to", abstract: "Migrate up to VERSION (a cut-off).")
    @Argument var version: Int64
    @OptionGroup var options: DatabaseOptions
    func run() async throws {
        let options = options
        try await DatabaseRun.interruptible { try await DatabaseRun(options: options).migrate(.upTo(version)) }
    }
}

struct DownCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "down", abstract: "Roll back the current version.")
    @OptionGroup var options: DatabaseOptions
    func run() async throws {
        let options = options
        try await DatabaseRun.interruptible { try await DatabaseRun(options: options).migrate(.down) }
    }
}

struct DownToCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "down-to", abstract: "Roll back down to VERSION.")
    @Argument var version: Int64
    @OptionGroup var options: DatabaseOptions
    func run() async throws {
        let options = options
        try await DatabaseRun.interruptible { try await DatabaseRun(options: options).migrate(.downTo(version)) }
    }
}

struct RedoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redo", abstract: "Roll back the current version and apply it again.")
    @OptionGroup var options: DatabaseOptions
    func run() async throws {
        let options = options
        try await DatabaseRun.interruptible { try await DatabaseRun(options: options).migrate(.redo) }
    }
}

struct ResetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset", abstract: "Roll back every applied migration.")
    @OptionGroup var options: DatabaseOptions
    func run() async throws {
        let options = options
        try await DatabaseRun.interruptible { try await DatabaseRun(options: options).migrate(.reset) }
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show each migration's status, as goose does (or --format json).")
    @OptionGroup var options: DatabaseOptions

    @Option(name: .long, help: "text (goose's table) or json.")
    var format: OutputFormat = .text

    struct Row: Encodable {
        var version: Int64
        var file: String?
        var state: String
        var flags: [String]
        var appliedAt: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(version, forKey: .version)
            try container.encode(file, forKey: .file)
            try container.encode(state, forKey: .state)
            try container.encode(flags, forKey: .flags)
            try container.encode(appliedAt, forKey: .appliedAt)
        }

        enum CodingKeys: String, CodingKey { case version, file, state, flags, appliedAt }
    }

    struct Report: Encodable {
        var schemaVersion = 1
        var migrations: [Row]
    }

    func run() async throws {
        let runner = DatabaseRun(options: options)
        let format = format
        try await runner.withDatabase { context in
            let report = try await context.migrator.status(
                migrations: context.migrations, on: context.connection, logger: context.logger)
            if format == .json {
                try Console.json(Report(migrations: Self.rows(report)))
                return
            }
            // One write for the whole table (10,000 rows are 10,000 writes otherwise).
            var lines = ["    Applied At                  Migration", "    ======================================="]
            lines.reserveCapacity(report.entries.count + 2)
            let ansic = GoDurationFormat.ANSIC()
            for entry in report.entries {
                guard let migration = entry.migration else { continue }
                let appliedAt: String
                if !report.isVersioned {
                    appliedAt = "no versioning"
                } else if entry.state == .dirty {
                    appliedAt = "DIRTY"
                } else {
                    appliedAt = entry.appliedAt.map(ansic.string) ?? "Pending"
                }
                // appliedAt is ASCII: pad it to 24 columns.
                let padding = String(repeating: " ", count: max(0, 24 - appliedAt.utf8.count))
                lines.append("    \(appliedAt)\(padding) -- \(migration.fileName)")
            }
            runner.say(lines: lines)
            for entry in report.entries {
                if let dirty = entry.dirty {
                    runner.warn("\(dirty); settle it with `skein repair \(dirty.version) --applied|--rolled-back`")
                }
                if let drift = entry.drift, drift.kind != .unrecorded { runner.warn(drift.description) }
            }
        }
    }

    static func rows(_ report: MigrationStatusReport) -> [Row] {
        let formatter = ISO8601DateFormatter()
        return report.entries.map { entry in
            Row(
                version: entry.version, file: entry.migration?.path, state: entry.state.rawValue,
                flags: (entry.dirty.map { _ in ["dirty"] } ?? [])
                    + (entry.drift.flatMap { $0.kind == .unrecorded ? nil : [$0.kind.rawValue] } ?? []),
                appliedAt: entry.appliedAt.map { formatter.string(from: $0) })
        }
    }
}

struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the database's current version.")
    @OptionGroup var options: DatabaseOptions

    func run() async throws {
        let runner = DatabaseRun(options: options)
        try await runner.withDatabase { context in
            if context.migrator.configuration.versioning == .unversioned {
                runner.say("goose: file version \(context.migrations.last?.version ?? 0)")
                return
            }
            let rows = try await VersionStore(table: context.migrator.configuration.versionTable)
                .ensuredRecords(on: context.connection, logger: context.logger)
            guard let current = MigrationPlanner.currentVersion(of: rows) else {
                throw runner.fail("no next version found")
            }
            runner.say("goose: version \(current)")
        }
    }
}

struct RepairCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Settle a dirty NO TRANSACTION migration after checking the database by hand (recorded).",
        discussion: """
            A NO TRANSACTION migration that failed or was killed part-way leaves the database dirty, and every run \
            refuses until it is settled. Look at which statements ran (skein status shows it), then either finish \
            the rest by hand and record it as applied, or undo what ran and record it as rolled back.
            """)
    @Argument(help: "The dirty migration's version.") var version: Int64
    @Flag(help: "The migration's direction is complete (Up: the version is applied; Down: it is not).")
    var applied = false
    @Flag(name: .customLong("rolled-back"), help: "The migration's direction is undone.")
    var rolledBack = false
    @OptionGroup var options: DatabaseOptions

    func validate() throws {
        guard applied != rolledBack else { throw ValidationError("give exactly one of --applied and --rolled-back") }
    }

    func run() async throws {
        let runner = DatabaseRun(options: options)
        let resolution: Migrator.RepairResolution = applied ? .applied : .rolledBack
        let version = version
        try await DatabaseRun.interruptible {
            try await runner.withDatabase { context in
                let actor = Migrator.Operator(
                    osUser: DatabaseRun.userName(), host: ProcessInfo.processInfo.hostName)
                let dirty = try await context.migrator.repair(
                    version: version, as: resolution, migrations: context.migrations, by: actor,
                    on: context.connection, logger: context.logger)
                runner.say(
                    "repaired \(dirty.file): recorded as \(resolution.rawValue) (\(dirty.direction)); the database is clean"
                )
            }
        }
    }
}

/// `--log-format`.
enum LogFormat: String, CaseIterable, ExpressibleByArgument, Sendable {
    case text, json
}
