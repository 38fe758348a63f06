import ArgumentParser

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

/// `--log-format`.
enum LogFormat: String, CaseIterable, ExpressibleByArgument, Sendable {
    case text, json
}
