import ArgumentParser

/// Every setting a database command can be given, as one value for ``DatabaseRun`` and ``RunSettings``. Each
/// command parses only the option groups that mean something to it (``ServerOptions`` for all; the directory,
/// versioning and ``RunOptions`` for the commands that read files or migrate), so `skein version --backup x` is a
/// usage error and `skein history --help` lists what `history` takes; what a command does not take keeps its
/// default here.
struct DatabaseOptions: Sendable {
    // ServerOptions
    var databaseURL: String?
    var table: String?
    var config: String?
    var timeout: String?
    var goose = false
    // DirectoryOptions
    var dir: String?
    var verbose = false
    // VersioningOptions
    var noVersioning = false
    // RunOptions
    var allowMissing = false
    var noLock = false
    var lock: String?
    var allowManualRecovery = false
    var dryRun = false
    var lockWait: String?
    var lockTimeout: String?
    var statementTimeout: String?
    var warnAfter: String?
    var concurrentLockTimeout: String?
    var lockRetries: String?
    var lockRetryDeadline: String?
    var preflight: String?
    var ephemeral = false
    var allowModified = false
    var allowDestructive = false
    var backup: String?
    var noBackup = false
    var logFormat: LogFormat = .text
    var metricsFile: String?
    var onFailure: String?

    init(
        _ server: ServerOptions, directory: DirectoryOptions? = nil, versioning: VersioningOptions? = nil,
        run: RunOptions? = nil
    ) {
        databaseURL = server.databaseURL
        table = server.table
        config = server.config
        timeout = server.timeout
        goose = server.goose
        if let directory {
            dir = directory.dir
            verbose = directory.verbose
        }
        if let versioning { noVersioning = versioning.noVersioning }
        if let run {
            allowMissing = run.allowMissing
            noLock = run.noLock
            lock = run.lock
            allowManualRecovery = run.allowManualRecovery
            dryRun = run.dryRun
            lockWait = run.lockWait
            lockTimeout = run.lockTimeout
            statementTimeout = run.statementTimeout
            warnAfter = run.warnAfter
            concurrentLockTimeout = run.concurrentLockTimeout
            lockRetries = run.lockRetries
            lockRetryDeadline = run.lockRetryDeadline
            preflight = run.preflight
            ephemeral = run.ephemeral
            allowModified = run.allowModified
            allowDestructive = run.allowDestructive
            backup = run.backup
            noBackup = run.noBackup
            logFormat = run.logFormat
            metricsFile = run.metricsFile
            onFailure = run.onFailure
        }
    }
}

/// Where the database is: the options of every database command.
struct ServerOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "libpq connection string (URL or key=value). Default: GOOSE_DBSTRING, then DATABASE_URL, then PG* variables."
    )
    var databaseURL: String?

    @Option(name: .long, help: "goose's version table (default goose_db_version; schema.table allowed).")
    var table: String?

    @Option(name: .long, help: "Project configuration file (default: ./skein.yaml when present).")
    var config: String?

    @Option(name: .long, help: "Maximum time for the whole command, Go duration syntax (goose's -timeout), e.g. 1h13m.")
    var timeout: String?

    @Flag(name: .long, help: .hidden)
    var goose = false
}

/// The migrations directory: the options of the commands that read it.
struct DirectoryOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "Directory with the migration files (env GOOSE_MIGRATION_DIR; skein.yaml migrations-dir; default: migrations)."
    )
    var dir: String?

    @Flag(name: [.short, .long], help: "Print more detail.")
    var verbose = false
}

/// goose's `-no-versioning`: `status`, `version` and the commands that migrate.
struct VersioningOptions: ParsableArguments {
    @Flag(name: .long, help: "Run files in order without the version table (goose's -no-versioning).")
    var noVersioning = false
}

/// What only the commands that migrate take.
struct RunOptions: ParsableArguments {
    @Flag(name: .long, help: "Apply unapplied versions below the current one (goose's -allow-missing).")
    var allowMissing = false

    @Flag(name: .long, help: "Do not take the migration lock (--lock none).")
    var noLock = false

    @Option(
        name: .long,
        help:
            "How concurrent runs exclude each other: session (an advisory lock; default), table (goose's lock table with a lease: through PgBouncer's transaction pooling), none (env GOOSE_LOCK; skein.yaml lock)."
    )
    var lock: String?

    @Flag(name: .long, help: "Roll back across a Down that is the policy's manual-recovery stub (it restores nothing).")
    var allowManualRecovery = false

    @Flag(name: .long, help: "Print the plan and the SQL that would run; change nothing (not even the version table).")
    var dryRun = false

    @Option(name: .long, help: "How long to wait for another run's migration lock (default 5m).")
    var lockWait: String?

    @Option(
        name: .long,
        help:
            "PostgreSQL lock_timeout for migration statements (default 1s; 0 or off: none): DDL waiting on a busy table gives up fast instead of queueing every query behind it, and retries."
    )
    var lockTimeout: String?

    @Option(
        name: .long,
        help: "lock_timeout for CONCURRENTLY statements, which wait for older transactions by design (default: none).")
    var concurrentLockTimeout: String?

    @Option(
        name: .long,
        help:
            "Retries when a lock is not granted within the lock timeout: the migration again (the statement, without a transaction), backing off from 1s to 30s (default 9; 0: none)."
    )
    var lockRetries: String?

    @Option(name: .long, help: "No retry or pre-flight wait starts after this long per migration (default 5m).")
    var lockRetryDeadline: String?

    @Option(
        name: .long,
        help:
            "Before a migration that takes a strong lock, find sessions that would block it: wait for them, refuse naming them, or off (default wait)."
    )
    var preflight: String?

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
}

/// Every option of a command that migrates (`up`, `down`, `redo`, …).
struct MigrateArguments: ParsableArguments {
    @OptionGroup var server: ServerOptions
    @OptionGroup var directory: DirectoryOptions
    @OptionGroup var versioning: VersioningOptions
    @OptionGroup var run: RunOptions

    var database: DatabaseOptions { DatabaseOptions(server, directory: directory, versioning: versioning, run: run) }
}

/// `--log-format`.
enum LogFormat: String, CaseIterable, ExpressibleByArgument, Sendable {
    case text, json

    /// Spelled out: ArgumentParser's default (from `allCases`) costs every parse of a command that has the option
    /// about a million instructions of generic look-ups (a test keeps the two equal).
    static let allValueStrings = ["text", "json"]
}
