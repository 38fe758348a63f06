import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import SkeinCodegen
import SkeinConfig
import SkeinConnection
import SkeinCore
import SkeinGovernance
import SkeinPostgres
import SkeinSandbox

#if canImport(Glibc)
    import Glibc
#endif

/// One goose database command, run the way goose v3.17 runs it: settings resolved (``RunSettings``), the files
/// read, a connection (or a throwaway cluster with `--ephemeral`), goose's `-timeout` and Ctrl-C wired to a
/// server-side cancel, and the command's body given a ``Context``.
struct DatabaseRun {
    var options: DatabaseOptions

    var style: OutputStyle { OutputStyle(goose: options.goose) }

    /// A failure, rendered once by the entry point in this command's grammar.
    func fail(_ text: String) -> CLIFailure {
        CLIFailure(.run, text)
    }

    /// What a command gets to work with.
    struct Context: Sendable {
        var connection: PostgresConnection
        var migrations: [Migration]
        var migrator: Migrator
        var sideChannel: SideChannel
        /// What the connection's two probe statements told (asked once, when it was made).
        var probe: SessionProbe
        var logger: Logger
    }

    /// What a command reads of the migrations directory.
    enum Reading: Sendable {
        /// Every file, parsed (`repair`).
        case migrations
        /// Every file's name, checksum and header; the planner parses the files the plan runs, and the gates the
        /// applied files whose checksum changed (the runner's commands: `down` parses one file, as goose does).
        case migrationsToPlan
        /// Every file's name, for a command that only rolls back (`down`, `down-to`, `reset`): the planner reads
        /// and parses the files its steps run, and nothing else is read (the gates compare checksums only before
        /// an Up), as goose reads only the file it runs.
        case migrationsToRollBack
        /// Every file's name, for `status`, which reads an applied file only to compare it with the checksums
        /// recorded when it ran (and parses it only when it changed since): goose fails on an empty directory before
        /// it touches the database, and says so with `failed to collect migrations: `.
        case migrationsForStatus
        /// None (`version`, `history`, `metrics`, `report`: they read the database only; `version` with
        /// `-no-versioning` reads the names, unparsed).
        case nothing

        /// How much of each file the catalog reads.
        var parsing: MigrationCatalog.Parsing {
            switch self {
            case .migrations: .everything
            case .migrationsToPlan: .deferred
            case .migrationsToRollBack, .migrationsForStatus, .nothing: .listed
            }
        }
    }

    /// Resolves settings, reads the migrations, connects (to a throwaway cluster with `--ephemeral`), and
    /// hands everything to `body`.
    func withDatabase(reading: Reading = .migrations, _ body: @escaping @Sendable (Context) async throws -> Void)
        async throws
    {
        let logger = Console.logger(json: options.logFormat == .json)
        let environment = CLIContext.current.environment
        let project = try ProjectSettings.resolve(
            directory: options.dir, config: options.config, goose: options.goose, environment: environment)
        let settings = try RunSettings.resolve(
            options, environment: environment, project: project,
            approvals: try LintCommand.ledger(in: project.directory))
        // Connect while the files are read and parsed (not with --ephemeral, whose cluster starts after). A
        // problem with the files still wins: the connection is then dropped unused, and connection errors are
        // reported only after the files are known good.
        var connecting: Task<Connected, any Error>?
        if !options.ephemeral, let parsed = try? ConnectionString.parse(settings.connectionString) {
            connecting = Task { try await Self.connect(parsed, environment: environment, logger: logger) }
        }
        let catalog: MigrationCatalog
        let gooseCollect = reading == .migrationsForStatus ? "failed to collect migrations: " : ""
        do {
            catalog =
                reading == .nothing && !options.noVersioning
                ? MigrationCatalog(migrations: [], diagnostics: [])
                : try await Self.readCatalog(
                    directory: settings.directory, environment: environment, parsing: reading.parsing)
        } catch {
            Self.abandon(connecting)
            throw CLIFailure(.migrations, "\(error)", gooseLine: error.gooseMessage.map { gooseCollect + $0 })
        }
        // Duplicate versions matter where a command collects them: the planner checks those (goose's up-to below a
        // duplicate works); every other problem of the directory stops the run here.
        let blocking =
            reading == .migrations || reading == .migrationsToPlan || reading == .migrationsToRollBack
            ? catalog.diagnostics.filter { $0.code != "duplicate-version" } : catalog.diagnostics
        if blocking.hasErrors {
            Self.abandon(connecting)
            Console.report(catalog.diagnostics)
            throw fail("the migrations directory has errors (above); nothing was run")
        }
        if reading == .migrationsForStatus, settings.style == .goose, catalog.migrations.isEmpty {
            Self.abandon(connecting)
            throw CLIFailure(
                .migrations, "no migration files found", gooseLine: gooseCollect + "no migration files found")
        }
        let migrator = Migrator(configuration: settings.configuration)
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
                    migrator: migrator, settings: settings, reading: reading, logger: logger, body)
            }
            return
        }
        let parsed: ConnectionString
        do {
            parsed = try ConnectionString.parse(settings.connectionString)
            try parsed.validate()
        } catch {
            Self.abandon(connecting)
            throw CLIFailure(
                .database, "\(error)",
                gooseLine: "cannot parse `\(ConnectionString.masked(settings.connectionString))`: \(error)")
        }
        try await connectAndRun(
            parsed, environment: environment, migrations: migrations, migrator: migrator, settings: settings,
            reading: reading, logger: logger, connecting: connecting, body)
    }

    /// An open connection with what cancels its statements.
    struct Connected: Sendable {
        var connector: Connector
        var connection: PostgresConnection
        var canceller: BackendCanceller
    }

    /// Drops a connection made while the files were read, when the run stops before it: the attempt is cancelled,
    /// and a connection it already made is closed (PostgresNIO requires a connection closed before it goes; a debug
    /// build stops with "PostgresConnection deinitialized before being closed"). Not awaited: the error is reported
    /// at once.
    /// - Returns: the closing, for a test to await.
    @discardableResult
    static func abandon(_ connecting: Task<Connected, any Error>?) -> Task<Void, Never>? {
        guard let connecting else { return nil }
        connecting.cancel()
        return Task {
            guard let connected = try? await connecting.value else { return }
            await connected.connection.close(within: .seconds(5))
        }
    }

    static func connect(_ string: ConnectionString, environment: [String: String], logger: Logger)
        async throws -> Connected
    {
        let connector = Connector(
            settings: try DatabaseConnection.settings(
                string, environment: environment, homeDirectory: environment["HOME"]))
        let connection = try await connector.connect(logger: logger)
        do {
            let canceller = try await BackendCanceller(connector: connector, connection: connection, logger: logger)
            return Connected(connector: connector, connection: connection, canceller: canceller)
        } catch {
            await connection.close(within: .seconds(5))
            throw error
        }
    }

    /// - Parameter connecting: a connection already under way to `string` (see ``withDatabase(_:)``).
    private func connectAndRun(
        _ string: ConnectionString, environment: [String: String], migrations: [Migration], migrator: Migrator,
        settings: RunSettings, reading: Reading, logger: Logger, connecting: Task<Connected, any Error>? = nil,
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
            throw Self.connectionFailure(
                error, string, environment: environment, reading: reading,
                source: options.ephemeral
                    ? "the throwaway cluster"
                    : DatabaseConnection.source(explicit: options.databaseURL, environment: environment))
        }
        var migrator = migrator
        if let directory = settings.backupDirectory {
            migrator.configuration.backup =
                PgDumpBackup(
                    directory: directory, settings: connector.settings, logger: logger
                ).hook
        }
        let context = Context(
            connection: connection, migrations: migrations, migrator: migrator,
            sideChannel: .connector(connector), probe: canceller.probe, logger: logger)
        do {
            // goose's -timeout and Ctrl-C: cancel the running statement on the server, then stop.
            try await Self.run(within: settings.timeout, canceller: canceller, logger: logger) {
                try await body(context)
            }
            await connection.close(within: .seconds(5))
        } catch let timedOut as TimedOut {
            await connection.close(within: .seconds(5))
            throw fail("\(timedOut)")
        } catch let rejected as Migrator.PlanRejected {
            await connection.close(within: .seconds(5))
            Console.report(rejected.problems)
            throw FailureText.cliFailure(rejected)
        } catch {
            await connection.close(within: .seconds(5))
            if error is ExitCode || error is CLIFailure { throw error }
            if error is CancellationError || error is SignalCancellation.Interrupted {
                throw fail(
                    "interrupted: the running statement was cancelled on the server; see the lines above for what was applied"
                )
            }
            if let runner = error as? RunnerError, [.standby, .transactionPooling].contains(runner.code) {
                throw CLIFailure(.run, "\(runner.message)\n  help: \(runner.help)", gooseLine: "\(runner)")
            }
            throw CLIFailure(
                .run, PostgresErrorText.describe(error), gooseLine: ServerError(postgres: error)?.gooseText)
        }
    }

    /// Why no connection could be made: psql's words (``ConnectionError``) and where the connection string came
    /// from; in goose's grammar, goose's own wrapping of pgx's words (`failed to connect to `host=… user=…
    /// database=…`: dial error (…)`, after `failed to ensure DB version: ` for `status`).
    static func connectionFailure(
        _ error: any Error, _ string: ConnectionString, environment: [String: String], reading: Reading,
        source: String
    ) -> CLIFailure {
        let settings = try? DatabaseConnection.settings(
            string, environment: environment, homeDirectory: environment["HOME"])
        let reason = (error as? ConnectionError)?.gooseReason ?? PostgresErrorText.oneLine(error)
        let host = settings?.endpoints.first.map { endpoint -> String in
            switch endpoint.host {
            case .tcp(let host): host
            case .unixSocket(let directory): directory
            }
        }
        let target = "host=\(host ?? "?") user=\(settings?.user ?? "?") database=\(settings?.database ?? "?")"
        let goose = "failed to connect to `\(target)`: \(reason)"
        return CLIFailure(
            .database, PostgresErrorText.describe(error) + "\n  help: the connection string came from \(source)",
            gooseLine: reading == .migrationsForStatus ? "failed to ensure DB version: " + goose : goose)
    }

    /// Runs a command so that Ctrl-C / SIGTERM cancel it (and its statement on the server); exits 130 / 143.
    static func interruptible(_ body: @escaping @Sendable () async throws -> Void) async throws {
        guard CLIContext.current.signals == .install else { return try await body() }
        do {
            try await SignalCancellation.run(body)
        } catch let interrupted as SignalCancellation.Interrupted {
            // Say which migration was cancelled and what ran, then exit as the shell expects (130 after Ctrl-C).
            if var failure = interrupted.cause as? CLIFailure {
                let who = interrupted.signal == SIGINT ? "Ctrl-C" : "signal \(interrupted.signal)"
                failure.message = "cancelled by the operator (\(who)): \(failure.message)"
                failure.gooseContext.insert("cancelled by the operator (\(who))", at: 0)
                failure.exitCode = interrupted.exitCode
                throw failure
            }
            throw CLIFailure(
                .run,
                "\(interrupted.signal == SIGINT ? "interrupted (Ctrl-C)" : "terminated (signal \(interrupted.signal))"): nothing was running on the server, or it was cancelled there",
                exitCode: interrupted.exitCode)
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
            } catch let failure as CLIFailure {
                throw failure
            } catch {
                throw error is any DiagnosticsConvertible
                    ? CLIFailure.diagnostics(.run, describe(error)) : CLIFailure(.run, describe(error))
            }
        }
    }

    struct TimedOut: Error, CustomStringConvertible {
        var limit: Duration
        /// What the cancelled run reported (which migration, what ran, whether it is dirty).
        var cause: (any Error)?
        /// A transaction pooler is in between: the connection was closed instead of a cancel by pid.
        var pooled = false
        var description: String {
            "context deadline exceeded: the run took longer than --timeout (\(GoDurationFormat.string(limit))); "
                + (pooled
                    ? "behind a transaction pooler a cancel by pid could reach another client's query, so the connection was closed instead (the pooler drops its server connection; PostgreSQL rolls the migration's transaction back when it notices)"
                    : "the running statement was cancelled on the server")
                // PostgresNIO's own text for a closed connection is a generic placeholder: say what happened.
                + (cause.map { ".\n\(PostgresErrorText.describe($0))" } ?? "")
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
                        guard !timedOut else { continue }
                        timedOut = true
                        // Cancel the running statement, and keep cancelling until the run ends: the deadline can
                        // pass between two statements, when a single cancel would hit nothing.
                        group.addTask {
                            while !Task.isCancelled {
                                await canceller.cancel(logger: logger)
                                try? await Task.sleep(for: .milliseconds(100))
                            }
                            return false
                        }
                    }
                } catch {
                    if timedOut, let limit {
                        throw TimedOut(limit: limit, cause: error, pooled: canceller.changesServerConnection)
                    }
                    throw error
                }
                if timedOut, let limit {
                    throw TimedOut(limit: limit, cause: nil, pooled: canceller.changesServerConnection)
                }
            }
        } onCancel: {
            Task { await canceller.cancel(logger: logger) }
        }
    }
}
