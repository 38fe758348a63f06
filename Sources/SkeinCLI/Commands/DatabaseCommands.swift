import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import SkeinConfig
import SkeinCore
import SkeinInvocation
import SkeinPostgres

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

    @OptionGroup var migrations: MigrationsOptions
}

/// One goose database command, run the way goose v3.17 runs it.
struct DatabaseRun {
    var options: DatabaseOptions

    var style: OutputStyle { OutputStyle(goose: options.migrations.goose) }

    func say(_ text: String) {
        switch style {
        case .goose: Console.gooseLog(text)
        case .skein: Console.out(text)
        }
    }

    func fail(_ text: String) -> ExitCode {
        switch style {
        case .goose: Console.gooseLog("goose run: \(text)")
        case .skein: Console.err("error: \(text)")
        }
        return ExitCode(1)
    }

    /// Resolves settings, reads the migrations, connects, and hands both to `body`.
    func withDatabase(
        _ body: @escaping @Sendable (PostgresConnection, [Migration], Migrator, Logger) async throws -> Void
    ) async throws {
        let logger = Logger(label: "skein", factory: { _ in SwiftLogNoOpLogHandler() })
        let settings: ProjectSettings
        let connectionSettings: ConnectionSettings
        var configuration = Migrator.Configuration()
        let catalog: MigrationCatalog
        do {
            settings = try ProjectSettings.resolve(options.migrations)
            let environment = ProcessInfo.processInfo.environment
            let text = Self.connectionString(explicit: options.databaseURL, environment: environment)
            connectionSettings = try ConnectionSettings.resolve(
                try ConnectionString.parse(text), environment: environment, operatingSystemUser: Self.userName(),
                homeDirectory: environment["HOME"], passwordFile: Self.readPrivateFile)
            configuration.versionTable = try VersionTableName.parse(
                options.table ?? settings.configuration.versionTable ?? "goose_db_version")
            if options.noLock { configuration.lockID = nil }
            configuration.missingMigrations = options.allowMissing ? .apply : .refuse
            configuration.versioning = options.noVersioning ? .unversioned : .versioned
            configuration.manualRecovery = options.allowManualRecovery ? .allow : .refuse
            catalog = try MigrationCatalog(
                source: DirectorySource(directory: settings.directory),
                parser: GooseParser(environmentSubstitution: .enabled(environment)))
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw fail("\(error)")
        }
        if catalog.diagnostics.hasErrors {
            Console.report(catalog.diagnostics)
            throw fail("the migrations directory has errors (above); nothing was run")
        }
        var timeout: Duration?
        if let text = options.timeout {
            guard let seconds = GoDuration.parse(text), seconds >= 0 else {
                throw fail("invalid --timeout \(text): use Go's duration syntax, e.g. 90s or 1h13m")
            }
            if seconds > 0 { timeout = .milliseconds(Int64(seconds * 1000)) }
        }
        let connector = Connector(settings: connectionSettings)
        let connection: PostgresConnection
        let canceller: BackendCanceller
        do {
            connection = try await connector.connect(logger: logger)
            canceller = try await BackendCanceller(connector: connector, connection: connection, logger: logger)
        } catch {
            throw fail("\(error)")
        }
        let migrator = Migrator(configuration: configuration)
        let migrations = catalog.migrations
        do {
            // goose's -timeout and Ctrl-C: cancel the running statement on the server, then stop.
            try await Self.run(within: timeout, canceller: canceller, logger: logger) {
                try await body(connection, migrations, migrator, logger)
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

    struct TimedOut: Error, CustomStringConvertible {
        var limit: Duration
        var description: String {
            "context deadline exceeded: the run took longer than --timeout (\(limit)); the running statement was cancelled on the server and its migration rolled back"
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
                    if timedOut, let limit { throw TimedOut(limit: limit) }
                    throw error
                }
                if timedOut, let limit { throw TimedOut(limit: limit) }
            }
        } onCancel: {
            Task { await canceller.cancel(logger: logger) }
        }
    }

    /// Runs a changing command and prints goose's lines.
    func migrate(_ command: MigrationCommand) async throws {
        try await withDatabase { connection, migrations, migrator, logger in
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
                outcome = try await migrator.run(command, migrations: migrations, on: connection, logger: logger)
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
            }
            for (step, duration) in outcome.report.completed {
                let section = try? step.migration.section(step.direction)?.get()
                let empty = section?.statements.isEmpty ?? false
                say("\(empty ? "EMPTY" : "OK  ") \(step.migration.fileName) (\(GoDurationFormat.string(duration)))")
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

    /// The connection string to use: the flag, then GOOSE_DBSTRING, then DATABASE_URL; empty means libpq's
    /// PG* variables and defaults.
    static func connectionString(explicit: String?, environment: [String: String]) -> String {
        explicit ?? environment["GOOSE_DBSTRING"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["DATABASE_URL"] ?? ""
    }

    static func userName() -> String {
        #if canImport(Glibc)
            if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        #endif
        return ProcessInfo.processInfo.environment["USER"] ?? "postgres"
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
        try await runner.withDatabase { connection, migrations, migrator, logger in
            var rows: [VersionRecord] = []
            if migrator.configuration.versioning == .versioned {
                rows = try await VersionStore(table: migrator.configuration.versionTable)
                    .ensuredRecords(on: connection, logger: logger)
            }
            if format == .json {
                try Console.json(
                    Report(
                        migrations: Self.rows(migrations, records: rows, versioning: migrator.configuration.versioning))
                )
                return
            }
            runner.say("    Applied At                  Migration")
            runner.say("    =======================================")
            let latest = Self.latestByVersion(rows)
            let ansic = GoDurationFormat.ANSIC()
            for migration in migrations {
                let appliedAt: String
                if migrator.configuration.versioning == .unversioned {
                    appliedAt = "no versioning"
                } else {
                    appliedAt =
                        latest[migration.version].flatMap { $0.isApplied ? $0.appliedAt : nil }.map(ansic.string)
                        ?? "Pending"
                }
                runner.say(
                    "    \(appliedAt.padding(toLength: max(24, appliedAt.count), withPad: " ", startingAt: 0)) -- \(migration.fileName)"
                )
            }
        }
    }

    /// goose's GetMigration for every version at once: the row with the latest tstamp (one pass, so status
    /// stays linear in the number of rows).
    static func latestByVersion(_ rows: [VersionRecord]) -> [Int64: VersionRecord] {
        var latest: [Int64: VersionRecord] = [:]
        for row in rows {
            if let current = latest[row.version],
                (current.appliedAt ?? .distantPast, current.id) >= (row.appliedAt ?? .distantPast, row.id)
            {
                continue
            }
            latest[row.version] = row
        }
        return latest
    }

    static func rows(_ migrations: [Migration], records: [VersionRecord], versioning: VersioningMode) -> [Row] {
        let formatter = ISO8601DateFormatter()
        let latestRows = latestByVersion(records)
        var result: [Row] = migrations.map { migration in
            if migration.kind == .go {
                return Row(
                    version: migration.version, file: migration.path, state: "go-migration", flags: [], appliedAt: nil)
            }
            let latest = latestRows[migration.version]
            let applied = latest?.isApplied == true
            return Row(
                version: migration.version, file: migration.path, state: applied ? "applied" : "pending", flags: [],
                appliedAt: applied ? latest?.appliedAt.map { formatter.string(from: $0) } : nil)
        }
        if versioning == .versioned {
            let known = Set(migrations.map(\.version))
            for version in MigrationPlanner.appliedVersions(of: records).subtracting(known).subtracting([0]).sorted() {
                let latest = latestRows[version]
                result.append(
                    Row(
                        version: version, file: nil, state: "missing-file", flags: [],
                        appliedAt: latest?.appliedAt.map { formatter.string(from: $0) }))
            }
        }
        return result.sorted { $0.version < $1.version }
    }
}

struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the database's current version.")
    @OptionGroup var options: DatabaseOptions

    func run() async throws {
        let runner = DatabaseRun(options: options)
        try await runner.withDatabase { connection, migrations, migrator, logger in
            if migrator.configuration.versioning == .unversioned {
                runner.say("goose: file version \(migrations.last?.version ?? 0)")
                return
            }
            let rows = try await VersionStore(table: migrator.configuration.versionTable)
                .ensuredRecords(on: connection, logger: logger)
            guard let current = MigrationPlanner.currentVersion(of: rows) else {
                throw runner.fail("no next version found")
            }
            runner.say("goose: version \(current)")
        }
    }
}

/// Go's formatting of durations and timestamps, for goose's output lines.
enum GoDurationFormat {
    /// goose's `truncateDuration` then Go's `Duration.String()`: `843.21µs`, `12.34ms`, `1.5s`, `1m2.35s`.
    static func string(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = Double(seconds) * 1e9 + Double(attoseconds) / 1e9
        func trimmed(_ value: Double, _ unit: String) -> String {
            var text = String(format: "%.2f", value)
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
            return text + unit
        }
        if nanoseconds >= 1e9 {
            let rounded = (nanoseconds / 1e7).rounded() / 100
            if rounded < 60 { return trimmed(rounded, "s") }
            let minutes = Int(rounded / 60)
            let rest = rounded - Double(minutes * 60)
            if minutes < 60 { return "\(minutes)m" + trimmed(rest, "s") }
            return "\(minutes / 60)h\(minutes % 60)m" + trimmed(rest, "s")
        }
        if nanoseconds >= 1e6 { return trimmed((nanoseconds / 1e4).rounded() / 100, "ms") }
        if nanoseconds >= 1e3 { return trimmed((nanoseconds / 10).rounded() / 100, "µs") }
        return "\(Int(nanoseconds))ns"
    }

    /// Go's `time.ANSIC`: `Mon Jan _2 15:04:05 2006` (UTC); one formatter for a whole status table.
    struct ANSIC {
        private let formatter: DateFormatter

        init() {
            formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "EEE MMM d HH:mm:ss yyyy"
        }

        func string(_ date: Date) -> String { GoDurationFormat.padDay(formatter.string(from: date)) }
    }

    static func padDay(_ text: String) -> String {
        // Go pads the day with a space.
        var parts = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 5, parts[2].count == 1 { parts[2] = " " + parts[2] }
        return parts.joined(separator: " ")
    }
}
