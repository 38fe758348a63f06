import ArgumentParser
import Foundation
import SkeinConfig
import SkeinCore
import SkeinGovernance
import SkeinPostgres
import Testing

@testable import SkeinCLI

/// The database commands' settings, resolved with one precedence (flags > environment > skein.yaml >
/// defaults), without a database or a file.
@Suite("run settings: flags > environment > skein.yaml > defaults")
struct RunSettingsTests {
    static func project(_ yaml: String = "", style: OutputStyle = .skein) throws -> ProjectSettings {
        let configuration = try ProjectConfiguration.parse(yaml, path: "skein.yaml")
        return ProjectSettings(
            directory: configuration.migrationsDirectory ?? "migrations", policy: .enforce, style: style,
            configuration: configuration)
    }

    static func resolve(
        _ arguments: [String], environment: [String: String] = [:], yaml: String = "", style: OutputStyle = .skein
    ) throws -> RunSettings {
        try RunSettings.resolve(
            MigrateArguments.parse(arguments).database, environment: environment, project: project(yaml, style: style))
    }

    @Test("the connection string: the flag, then GOOSE_DBSTRING, then DATABASE_URL, then nothing (PG* variables)")
    func connectionString() throws {
        let environment = ["GOOSE_DBSTRING": "dbname=goose", "DATABASE_URL": "postgres:///url"]
        #expect(
            try Self.resolve(["--database-url", "dbname=flag"], environment: environment).connectionString
                == "dbname=flag")
        #expect(try Self.resolve([], environment: environment).connectionString == "dbname=goose")
        #expect(
            try Self.resolve([], environment: ["GOOSE_DBSTRING": "", "DATABASE_URL": "postgres:///url"])
                .connectionString == "postgres:///url")
        #expect(try Self.resolve([]).connectionString == "")
    }

    @Test("the migration lock: --lock > --no-lock > GOOSE_LOCK > skein.yaml lock > session; the table lock's lease")
    func lockMode() throws {
        #expect(try Self.resolve([]).configuration.lock == .session)
        #expect(try Self.resolve(["--no-lock"]).configuration.lock == .none)
        #expect(try Self.resolve([], environment: ["GOOSE_LOCK": "table"]).configuration.lock == .table(TableLock()))
        #expect(
            try Self.resolve(["--lock", "session"], environment: ["GOOSE_LOCK": "table"]).configuration.lock == .session
        )
        #expect(
            try Self.resolve([], environment: ["GOOSE_LOCK": "none"], yaml: "lock: table\n").configuration.lock == .none
        )
        var short = TableLock()
        short.lease = .seconds(2)
        short.heartbeat = .seconds(1)
        #expect(
            try Self.resolve([], yaml: "lock: table\nlock-lease: 2s\nlock-heartbeat: 1s\n").configuration.lock
                == .table(short))
        // goose's constants: the table, the row, the lease and the heartbeat.
        #expect(TableLock().table.quoted == "\"goose_lock\"" && TableLock().lockID == 4_097_083_626)
        #expect(TableLock().lease == .seconds(30) && TableLock().heartbeat == .seconds(5))
        #expect(throws: CLIFailure.self) { try Self.resolve(["--lock", "advisory"]) }
        #expect(throws: CLIFailure.self) { try Self.resolve(["--lock", "table", "--no-lock"]) }
        #expect(throws: CLIFailure.self) {
            try Self.resolve([], yaml: "lock: table\nlock-lease: 5s\nlock-heartbeat: 5s\n")
        }
        #expect(throws: ConfigurationError.self) {
            try ProjectConfiguration.parse("lock: advisory\n", path: "skein.yaml")
        }
        #expect(throws: ConfigurationError.self) {
            try ProjectConfiguration.parse("lock-lease: 500ms\n", path: "skein.yaml")
        }
    }

    @Test("durations: a flag wins over skein.yaml, 0 turns a setting off, the library's default stays otherwise")
    func durations() throws {
        let yaml = "lock-timeout: 3s\nstatement-timeout: 10m\nwarn-after: 0\n"
        let fromFile = try Self.resolve([], yaml: yaml).configuration.statements
        #expect(fromFile.lockTimeout == .seconds(3))
        #expect(fromFile.statementTimeout == .seconds(600))
        #expect(fromFile.warnAfter == nil)
        let flagged = try Self.resolve(["--lock-timeout", "750ms", "--warn-after", "2s"], yaml: yaml)
        #expect(flagged.configuration.statements.lockTimeout == .milliseconds(750))
        #expect(flagged.configuration.statements.warnAfter == .seconds(2))
        let defaults = try Self.resolve([])
        #expect(defaults.configuration.statements.lockTimeout == .seconds(1))
        #expect(defaults.configuration.statements.warnAfter == Migrator.Configuration().statements.warnAfter)
        #expect(defaults.timeout == nil)
        #expect(try Self.resolve(["--timeout", "1h13m"]).timeout == .seconds(4380))
    }

    @Test(
        "lock discipline: Skein's defaults in Skein's grammar, goose's behaviour in goose's unless skein.yaml opts in")
    func lockDiscipline() throws {
        let skein = try Self.resolve([]).configuration
        #expect(skein.statements.lockTimeout == .seconds(1))
        #expect(skein.statements.concurrentLockTimeout == nil)
        #expect(skein.statements.lockRetry == LockRetry())
        #expect(skein.statements.lockRetry?.attempts == 10)
        #expect(skein.statements.preflight == .wait)
        #expect(skein.statements.resetsSession)
        #expect(skein.lockTargets != nil)
        let goose = try Self.resolve([], style: .goose).configuration.statements
        #expect(goose.lockTimeout == nil)
        #expect(goose.lockRetry == nil)
        #expect(goose.preflight == .off)
        #expect(!goose.resetsSession)
        // skein.yaml opts goose's grammar in, key by key.
        let yaml =
            "lock-timeout: 2s\nlock-retries: 3\nlock-retry-deadline: 1m\npreflight: refuse\nreset-session: true\n"
            + "concurrent-lock-timeout: 10m\nrebuild-invalid-indexes: true\n"
        let optedIn = try Self.resolve([], yaml: yaml, style: .goose).configuration.statements
        #expect(optedIn.lockTimeout == .seconds(2))
        #expect(optedIn.lockRetry?.attempts == 4)
        #expect(optedIn.lockRetry?.deadline == .seconds(60))
        #expect(optedIn.preflight == .refuse)
        #expect(optedIn.resetsSession)
        #expect(optedIn.concurrentLockTimeout == .seconds(600))
        #expect(optedIn.rebuildsInvalidIndexes)
        #expect(throws: (any Error).self) { try Self.resolve([], yaml: "reset-session: sometimes\n") }
        // Flags win; 0 and off turn things off.
        let flagged = try Self.resolve(
            ["--lock-timeout", "off", "--lock-retries", "0", "--preflight", "off"], yaml: yaml
        ).configuration.statements
        #expect(flagged.lockTimeout == nil)
        #expect((flagged.lockRetry?.attempts ?? 1) == 1)  // the deadline stays, for the pre-flight
        #expect(flagged.preflight == .off)
        #expect(try Self.resolve(["--lock-retries", "off"]).configuration.statements.lockRetry == nil)
        #expect(throws: CLIFailure.self) { try Self.resolve(["--preflight", "sometimes"]) }
        #expect(throws: CLIFailure.self) { try Self.resolve(["--lock-retries", "many"]) }
    }

    @Test("the retry schedule: from 1 s doubling to 30 s, each wait uniformly random below its bound")
    func retrySchedule() {
        let retry = LockRetry()
        #expect((1...7).map { retry.bound(afterAttempt: $0) } == [1, 2, 4, 8, 16, 30, 30].map { Duration.seconds($0) })
        var generator = SystemRandomNumberGenerator()
        for attempt in 1...9 {
            let delay = retry.delay(afterAttempt: attempt, using: &generator)
            #expect(delay >= .zero && delay <= retry.bound(afterAttempt: attempt))
        }
    }

    @Test("a bad duration names the flag and Go's syntax")
    func badDuration() throws {
        #expect(throws: CLIFailure.self) { try Self.resolve(["--lock-timeout", "soon"]) }
        do {
            _ = try Self.resolve(["--timeout", "5 minutes"])
        } catch let failure as CLIFailure {
            #expect(failure.message.contains("--timeout") && failure.message.contains("Go's duration syntax"))
        }
    }

    @Test("gates: Skein's grammar refuses, goose's warns, skein.yaml overrides both, --allow and --no-backup win")
    func gates() throws {
        let skein = try Self.resolve([]).configuration
        #expect(
            skein.modified == .refuse && skein.destructive == .refuse && skein.backupPolicy == .requiredForDestructive)
        let goose = try Self.resolve([], style: .goose).configuration
        #expect(goose.modified == .warn && goose.destructive == .warn && goose.backupPolicy == .warn)
        let configured = try Self.resolve(
            [], yaml: "gates:\n  modified: warn\n  destructive: warn\n  backup: refuse\n", style: .goose
        ).configuration
        #expect(configured.modified == .warn && configured.destructive == .warn)
        #expect(configured.backupPolicy == .requiredForDestructive)
        let allowed = try Self.resolve(
            ["--allow-modified", "--allow-destructive", "--no-backup"], yaml: "gates:\n  modified: refuse\n"
        ).configuration
        #expect(allowed.modified == .allow && allowed.destructive == .allow && allowed.backupPolicy == .waived)
    }

    @Test("the version table: the flag, then skein.yaml, then goose's default; a bad name is a usage failure")
    func versionTable() throws {
        #expect(try Self.resolve([]).configuration.versionTable == VersionTableName.gooseDefault)
        #expect(try Self.resolve([], yaml: "version-table: app.versions\n").configuration.versionTable.schema == "app")
        #expect(
            try Self.resolve(["--table", "other"], yaml: "version-table: app.versions\n").configuration.versionTable
                .table == "other")
        #expect(throws: CLIFailure.self) { try Self.resolve(["--table", "a;b"]) }
    }

    @Test("switches: lock, missing migrations, versioning, manual recovery, backup directory")
    func switches() throws {
        let settings = try Self.resolve(
            ["--no-lock", "--allow-missing", "--no-versioning", "--allow-manual-recovery", "--backup", "/b"],
            yaml: "backup-dir: /from-yaml\n")
        #expect(settings.configuration.lock == .none)
        #expect(settings.configuration.missingMigrations == .apply)
        #expect(settings.configuration.versioning == .unversioned)
        #expect(settings.configuration.manualRecovery == .allow)
        #expect(settings.backupDirectory == "/b")
        #expect(try Self.resolve([], yaml: "backup-dir: /from-yaml\n").backupDirectory == "/from-yaml")
        #expect(try Self.resolve([]).configuration.lockID == Migrator.Configuration().lockID)
    }

    @Test(
        "both grammars check every statement with PostgreSQL's grammar before a run; the library's default checks none")
    func statementChecker() throws {
        #expect(Migrator.Configuration().statementChecker == nil)
        for style in [OutputStyle.skein, .goose] {
            let checker = try #require(try Self.resolve([], style: style).configuration.statementChecker)
            #expect(checker.check("SELEC 1;", 15) != .valid)
            #expect(checker.check("SELECT 1;", 15) == .valid)
        }
    }
}
