import SkeinConfig
import SkeinConnection
import SkeinCore
import SkeinGovernance
import SkeinLint
import SkeinPostgres

/// The settings of one database command, resolved once with one precedence — flags > environment > skein.yaml >
/// defaults — into what the library takes (``Migrator/Configuration``) and what the CLI itself does (the
/// connection string, `-timeout`, the backup directory). Pure: files, the clock and the connection are elsewhere,
/// so the precedence is unit-tested.
struct RunSettings: Sendable {
    /// The migrations directory.
    var directory: String
    var style: OutputStyle
    var configuration: Migrator.Configuration
    /// goose's `-timeout` for the whole run; `nil`: none.
    var timeout: Duration?
    /// `--backup`, else skein.yaml's `backup-dir`.
    var backupDirectory: String?
    /// The connection string: `--database-url`, then GOOSE_DBSTRING, then DATABASE_URL; empty means libpq's `PG*`
    /// variables and defaults.
    var connectionString: String

    /// Resolves `options` against `environment` and `project` (skein.yaml as read), with the directory's
    /// approvals.
    /// - Throws: ``CLIFailure`` naming the flag or key whose value is unusable.
    static func resolve(
        _ options: DatabaseOptions, environment: [String: String], project: ProjectSettings,
        approvals: ApprovalLedger = ApprovalLedger(), skeinVersion: String = Skein.version
    ) throws(CLIFailure) -> RunSettings {
        var configuration = Migrator.Configuration()
        configuration.skeinVersion = skeinVersion
        do {
            configuration.versionTable = try VersionTableName.parse(
                options.table ?? project.configuration.versionTable ?? "goose_db_version")
        } catch {
            throw CLIFailure(.usage, "\(error)")
        }
        configuration.lock = try lockMode(options, environment: environment, run: project.configuration.run)
        // goose creates its version table wherever a command reads it; Skein's grammar creates nothing until a step
        // runs.
        configuration.freshDatabase = project.style == .goose ? .createVersionTableOnRead : .createOnlyToRun
        configuration.missingMigrations = options.allowMissing ? .apply : .refuse
        configuration.versioning = options.noVersioning ? .unversioned : .versioned
        configuration.manualRecovery = options.allowManualRecovery ? .allow : .refuse
        // The gates: on in Skein's grammar, warnings in goose's (as the policy's other rules), skein.yaml's
        // `gates:` over both, the --allow flags and --no-backup over everything.
        let defaults: GatePolicies = project.style == .goose ? .warning : .enforcing
        let gates = project.configuration.gates
        configuration.modified = options.allowModified ? .allow : gates.modified ?? defaults.modified
        configuration.destructive = options.allowDestructive ? .allow : gates.destructive ?? defaults.destructive
        configuration.backupPolicy = options.noBackup ? .waived : gates.backup ?? defaults.backup
        configuration.approvals = approvals
        // Both grammars: every statement of the plan is parsed before the first step (goose would stop half-way).
        configuration.statementChecker = GrammarStatementChecker.checker
        // Lock discipline: Skein's defaults in Skein's grammar, goose's behaviour in goose's unless skein.yaml opts in.
        configuration.statements = project.style == .goose ? .goose : StatementSettings()
        configuration.lockTargets = StatementLocks.targets
        // One pipeline per transactional file; SKEIN_PIPELINE=0 sends statement by statement (to compare, or for a
        // proxy that mishandles pipelined messages).
        configuration.pipelines = environment["SKEIN_PIPELINE"] != "0"
        // A flag wins over skein.yaml's key of the same name.
        let run = project.configuration.run
        if case .some(let wait) = try duration(options.lockWait, flag: "lock-wait", configured: run.lockWait) {
            configuration.lockWait = wait ?? .zero
        }
        if case .some(let value) = try duration(options.lockTimeout, flag: "lock-timeout", configured: run.lockTimeout)
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
        if case .some(let value) = try duration(
            options.concurrentLockTimeout, flag: "concurrent-lock-timeout", configured: run.concurrentLockTimeout)
        {
            configuration.statements.concurrentLockTimeout = value
        }
        try resolveRetries(options, run: run, into: &configuration.statements)
        if let reset = run.resetSession { configuration.statements.resetsSession = reset }
        if let rebuild = run.rebuildInvalidIndexes { configuration.statements.rebuildsInvalidIndexes = rebuild }
        var timeout: Duration?
        if case .some(let value) = try duration(options.timeout, flag: "timeout") { timeout = value }
        return RunSettings(
            directory: project.directory, style: project.style, configuration: configuration, timeout: timeout,
            backupDirectory: options.backup ?? project.configuration.backupDirectory,
            connectionString: DatabaseConnection.connectionString(
                explicit: options.databaseURL, environment: environment))
    }

    /// `--lock` (else `--no-lock`, GOOSE_LOCK, skein.yaml `lock`; default session), with skein.yaml's `lock-lease`
    /// and `lock-heartbeat` for the table lock.
    static func lockMode(
        _ options: DatabaseOptions, environment: [String: String], run: ProjectConfiguration.RunSettings
    )
        throws(CLIFailure) -> MigrationLock
    {
        if options.noLock, let flag = options.lock, flag != "none" {
            throw CLIFailure(.usage, "--no-lock and --lock \(flag) contradict each other; give one")
        }
        let (text, source): (String, String) =
            if let flag = options.lock { (flag, "--lock") } else if options.noLock {
                ("none", "--no-lock")
            } else if let
                variable = environment["GOOSE_LOCK"], !variable.isEmpty
            { (variable, "GOOSE_LOCK") } else if let configured = run.lock { (configured, "skein.yaml lock") } else {
                ("session", "default")
            }
        switch text.lowercased() {
        case "session": return .session
        case "none", "off": return .none
        case "table":
            var lock = TableLock()
            if let lease = run.lockLease { lock.lease = .milliseconds(Int64(lease * 1000)) }
            if let heartbeat = run.lockHeartbeat { lock.heartbeat = .milliseconds(Int64(heartbeat * 1000)) }
            guard lock.heartbeat < lock.lease else {
                throw CLIFailure(
                    .usage,
                    "skein.yaml lock-heartbeat must be shorter than lock-lease (goose: 5s and 30s), or the lease lapses between heartbeats"
                )
            }
            return .table(lock)
        default:
            throw CLIFailure(.usage, "invalid \(source) \(text): use session, table or none")
        }
    }

    /// `--lock-retries`, `--lock-retry-deadline` and `--preflight` (and their skein.yaml keys).
    static func resolveRetries(
        _ options: DatabaseOptions, run: ProjectConfiguration.RunSettings, into statements: inout StatementSettings
    ) throws(CLIFailure) {
        var retries: Int?
        if let text = options.lockRetries {
            guard let count = text == "off" ? 0 : Int(text), count >= 0 else {
                throw CLIFailure(.usage, "invalid --lock-retries \(text): a whole number of retries, 0 or off for none")
            }
            retries = count
        } else {
            retries = run.lockRetries
        }
        if let retries {
            if retries == 0 {
                statements.lockRetry = nil
            } else {
                var retry = statements.lockRetry ?? LockRetry()
                retry.attempts = retries + 1
                statements.lockRetry = retry
            }
        }
        if case .some(let value) = try duration(
            options.lockRetryDeadline, flag: "lock-retry-deadline", configured: run.lockRetryDeadline)
        {
            // A deadline in goose's grammar (or after --lock-retries 0) bounds the pre-flight wait alone.
            var retry = statements.lockRetry ?? LockRetry(attempts: 1)
            retry.deadline = value ?? .seconds(365 * 24 * 3600)
            statements.lockRetry = retry
        }
        if let text = options.preflight ?? run.preflight {
            guard let preflight = StatementSettings.Preflight(rawValue: text) else {
                throw CLIFailure(.usage, "invalid --preflight \(text): wait, refuse or off")
            }
            statements.preflight = preflight
        }
    }

    /// A duration flag in Go's syntax (`90s`, `1h13m`); `0` means none. `configured` is skein.yaml's value in
    /// seconds, used when the flag is absent. `.none`: neither says anything (keep the library's default).
    static func duration(_ text: String?, flag: String, configured: Double? = nil) throws(CLIFailure) -> Duration?? {
        guard let text, text != "off" else {
            if text == "off" { return .some(nil) }
            guard let configured else { return .none }
            return .some(configured == 0 ? nil : .milliseconds(Int64((configured * 1000).rounded())))
        }
        guard let seconds = GoDuration.parse(text), seconds >= 0 else {
            throw CLIFailure(.usage, "invalid --\(flag) \(text): use Go's duration syntax, e.g. 90s or 1h13m")
        }
        return .some(seconds == 0 ? nil : .milliseconds(Int64((seconds * 1000).rounded())))
    }
}

/// How the CLI finds the database, as libpq would.
enum DatabaseConnection {
    /// The connection string to use: the flag, then GOOSE_DBSTRING, then DATABASE_URL; empty means libpq's
    /// PG* variables and defaults.
    static func connectionString(explicit: String?, environment: [String: String]) -> String {
        resolve(explicit: explicit, environment: environment).string
    }

    /// Where ``connectionString(explicit:environment:)`` found the string, for messages.
    static func source(explicit: String?, environment: [String: String]) -> String {
        resolve(explicit: explicit, environment: environment).source
    }

    /// The one precedence both answer from.
    private static func resolve(explicit: String?, environment: [String: String]) -> (string: String, source: String) {
        if let explicit { return (explicit, "--database-url") }
        if let goose = environment["GOOSE_DBSTRING"], !goose.isEmpty { return (goose, "GOOSE_DBSTRING") }
        if let url = environment["DATABASE_URL"] { return (url, "DATABASE_URL") }
        return ("", "PG* variables and libpq's defaults (no --database-url, GOOSE_DBSTRING or DATABASE_URL)")
    }

    /// What libpq would connect with for `string`: `PG*` from `environment`, `~/.pgpass` under `homeDirectory`
    /// (read only when private), this OS user by default. The one place the CLI resolves connection settings.
    static func settings(_ string: ConnectionString, environment: [String: String], homeDirectory: String?) throws
        -> ConnectionSettings
    {
        var environment = environment
        environment["HOME"] = homeDirectory
        return try ConnectionSettings.resolve(string, environment: environment)
    }
}
