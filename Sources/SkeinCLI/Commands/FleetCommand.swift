import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import SkeinConnection
import SkeinCore
import SkeinFleet
import SkeinPostgres

/// `skein fleet`: the runner at many databases, in parallel, canary first, with a result per target.
struct FleetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract:
            "Migrate many databases (tenants, shards, regions) in parallel, canary first, with a report per target.",
        discussion: """
            Targets come from --targets FILE (one connection string per line, or YAML with name, url, group, \
            schema) or from --control-url URL --targets-sql "SELECT name, url FROM tenants". Each target runs the \
            ordinary runner (lock, gates, checksums, audit). Exit 0 when every target is where it was asked to be, 1 \
            otherwise, 2 on a usage error. See docs/fleet.md.
            """,
        subcommands: [FleetUp.self, FleetUpTo.self, FleetDownTo.self, FleetStatus.self])
}

/// What every `skein fleet` subcommand takes.
struct FleetOptions: ParsableArguments {
    @Option(name: .long, help: "The targets: one connection string per line, or YAML (- name:, url:, group:, schema:).")
    var targets: String?

    @Option(name: .long, help: "A control database to read the targets from (with --targets-sql).")
    var controlURL: String?

    @Option(name: .long, help: "The query on --control-url that lists the targets: name, url[, group[, schema]].")
    var targetsSQL: String?

    @Option(name: .long, help: "Directory with the migration files (env GOOSE_MIGRATION_DIR; default: migrations).")
    var dir: String?

    @Option(name: .long, help: "The skein.yaml to read (default: ./skein.yaml).")
    var config: String?

    @Option(name: .long, help: "Databases migrated at once (default 4); schemas of one database run one by one.")
    var parallel: Int = 4

    @Option(name: .long, help: "Run the first N targets first; the rest start only if all of them succeed.")
    var canary: Int?

    @Option(name: .long, help: "Run this group's targets first; the rest start only if all of them succeed.")
    var canaryGroup: String?

    @Option(name: .long, help: "fail (default: start no new target after a failure) or continue.")
    var onError: String = "fail"

    @Option(name: .long, help: "Start no target after this long (Go duration, e.g. 30m).")
    var deadline: String?

    @Option(name: .long, help: "text or json.")
    var format: OutputFormat = .text

    @Option(name: .long, help: "The migration lock at each target: session (default), table, none.")
    var lock: String?

    @Option(name: .long, help: "How long each target waits for another run's migration lock (default 5m).")
    var lockWait: String?

    @Option(name: .long, help: "PostgreSQL lock_timeout for migration statements (default 1s; 0 or off: none).")
    var lockTimeout: String?

    @Option(name: .long, help: "PostgreSQL statement_timeout for migration statements, e.g. 10m.")
    var statementTimeout: String?

    @Flag(name: .long, help: "Apply at targets where an applied migration's Up changed (recorded in each audit log).")
    var allowModified = false

    @Flag(name: .long, help: "Apply -- DESTRUCTIVE: migrations without a valid approval (recorded in each audit log).")
    var allowDestructive = false

    /// The database options the runner's settings resolve from.
    func database() throws -> DatabaseOptions {
        var options = DatabaseOptions(try ServerOptions.parse([]))
        options.dir = dir
        options.config = config
        options.lock = lock
        options.lockWait = lockWait
        options.lockTimeout = lockTimeout
        options.statementTimeout = statementTimeout
        options.allowModified = allowModified
        options.allowDestructive = allowDestructive
        return options
    }

    /// The fleet: targets read, the runner configured as `skein up` would be, the rollout's policies checked.
    func fleet(logger: Logger) async throws -> (Fleet, [Migration]) {
        guard parallel >= 1 else { throw CLIFailure.fleetUsage("--parallel must be at least 1") }
        guard canary == nil || canaryGroup == nil else {
            throw CLIFailure.fleetUsage("--canary and --canary-group contradict each other; give one")
        }
        guard let policy = Fleet.ErrorPolicy(rawValue: onError) else {
            throw CLIFailure.fleetUsage("invalid --on-error \(onError): use fail or continue")
        }
        let environment = CLIContext.current.environment
        let targets = try await readTargets(environment: environment, logger: logger)
        let options = try database()
        let project = try ProjectSettings.resolve(
            directory: options.dir, config: options.config, goose: false, environment: environment)
        let settings = try RunSettings.resolve(
            options, environment: environment, project: project,
            approvals: try LintCommand.ledger(in: project.directory))
        let catalog: MigrationCatalog
        do {
            catalog = try MigrationCatalog(
                source: DirectorySource(directory: settings.directory),
                parser: GooseParser(environmentSubstitution: .enabled(environment)))
        } catch {
            throw CLIFailure(.migrations, "\(error)")
        }
        if catalog.diagnostics.hasErrors {
            Console.report(catalog.diagnostics)
            throw CLIFailure(.migrations, "the migrations directory has errors (above); no target was touched")
        }
        var fleet = Fleet(targets: targets, migrator: Migrator(configuration: settings.configuration))
        fleet.environment = environment
        fleet.parallel = parallel
        fleet.onError = policy
        if let canary {
            guard canary >= 1 else { throw CLIFailure.fleetUsage("--canary must be at least 1") }
            fleet.canary = .first(canary)
        }
        if let canaryGroup {
            guard targets.contains(where: { $0.group == canaryGroup }) else {
                throw CLIFailure.fleetUsage("--canary-group \(canaryGroup): no target is in that group")
            }
            fleet.canary = .group(canaryGroup)
        }
        if let deadline {
            guard let seconds = GoDuration.parse(deadline), seconds > 0 else {
                throw CLIFailure.fleetUsage("invalid --deadline \(deadline): use Go's duration syntax, e.g. 30m")
            }
            fleet.deadline = .milliseconds(Int64(seconds * 1000))
        }
        return (fleet, catalog.migrations)
    }

    private func readTargets(environment: [String: String], logger: Logger) async throws -> [FleetTarget] {
        switch (targets, controlURL, targetsSQL) {
        case (let path?, nil, nil):
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
            else {
                throw CLIFailure(.fileSystem, "cannot read the targets file \(path)")
            }
            do {
                return try FleetTargets.parse(text, path: path)
            } catch {
                throw CLIFailure(.configuration, error.description)
            }
        case (nil, let url?, let sql?):
            return try await controlTargets(url: url, sql: sql, environment: environment, logger: logger)
        case (nil, nil, nil):
            // skein.yaml's fleet: section.
            let path = config ?? "skein.yaml"
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8),
                text.contains("fleet:")
            else {
                throw CLIFailure.fleetUsage(
                    "give the targets: --targets FILE, --control-url URL with --targets-sql \"SELECT name, url …\", or a fleet: section in skein.yaml"
                )
            }
            do {
                return try FleetTargets.parse(configuration: text, path: path)
            } catch {
                throw CLIFailure(.configuration, error.description)
            }
        default:
            throw CLIFailure.fleetUsage(
                "give the targets one way: --targets FILE, or --control-url URL with --targets-sql \"SELECT name, url …\""
            )
        }
    }

    /// The targets a query on the control database lists: name, url, and optionally group and schema.
    private func controlTargets(url: String, sql: String, environment: [String: String], logger: Logger) async throws
        -> [FleetTarget]
    {
        let connector = Connector(
            settings: try ConnectionSettings.resolve(ConnectionString.parse(url), environment: environment))
        let connection = try await connector.connect(logger: logger)
        defer { Task { await connection.close(within: .seconds(5)) } }
        var targets: [FleetTarget] = []
        do {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            for try await row in rows {
                let cells = try row.map { try $0.decode(String?.self) }
                guard cells.count >= 2, let name = cells[0], let connection = cells[1] else {
                    throw CLIFailure.fleetUsage(
                        "--targets-sql must return name and url (text, not NULL), then optionally group and schema")
                }
                targets.append(
                    FleetTarget(
                        name: name, connectionString: connection, group: cells.count > 2 ? cells[2] : nil,
                        schema: cells.count > 3 ? cells[3] : nil))
            }
        } catch let failure as CLIFailure {
            throw failure
        } catch {
            throw CLIFailure(
                .database, "--targets-sql failed on the control database: \(PostgresErrorText.describe(error))")
        }
        guard !targets.isEmpty else { throw CLIFailure.fleetUsage("--targets-sql returned no targets") }
        return targets
    }
}

extension CLIFailure {
    /// A fleet command's usage error: exit 2.
    static func fleetUsage(_ message: String) -> CLIFailure {
        CLIFailure(.usage, message, exitCode: 2)
    }
}
