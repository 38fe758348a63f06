import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import SkeinConfig
import SkeinConnection
import SkeinCore
import SkeinGovernance
import SkeinPostgres
import SkeinSandbox
import SkeinVerify

/// `skein verify`: every Down proven on a throwaway database.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Prove on a throwaway database that every Down restores the schema its Up changed.",
        discussion: """
            For each migration in order: snapshot the schema, apply Up, snapshot, apply Down — the schema must be
            the first snapshot again —, apply Up again — it must be the second —, then go on from there. Runs on a
            throwaway local PostgreSQL (removed afterwards) unless --dev-url names a development server, on which
            Skein creates a scratch database and drops it at the end. It never reads DATABASE_URL, GOOSE_DBSTRING or
            PG* variables, so it cannot touch a real database. Exit 0 when every migration is verified, 1 otherwise.
            See docs/verify.md.
            """
    )

    @OptionGroup var migrations: MigrationsOptions

    @Option(
        name: .long,
        help: "A development server to create a scratch database on (needs CREATEDB), instead of a throwaway cluster.")
    var devURL: String?

    @Option(name: .long, help: "Verify versions from this one on (earlier ones are applied without checks).")
    var from: Int64?

    @Option(name: .long, help: "Verify versions up to this one.")
    var to: Int64?

    @Flag(
        name: .long,
        help: "Also put generated rows into the tables each migration touches and report data its Down loses.")
    var data = false

    @Option(
        name: .long,
        help:
            "With --data: a SQL file whose rows are used instead of generated ones (each statement runs before the first Up it can)."
    )
    var seed: String?

    @Flag(name: .long, help: "Compare ownership and privileges too.")
    var withPrivileges = false

    @Flag(
        name: .long,
        help:
            "Instead: trace each Up statement's locks (relation, mode), table rewrites and new indexes and constraints (docs/verify.md#lock-trace)."
    )
    var locks = false

    @Option(name: .long, help: "text or json; with --locks also sarif (2.1.0).")
    var format: VerifyFormat = .text

    enum VerifyFormat: String, CaseIterable, Sendable, ExpressibleByArgument {
        case text, json, sarif
    }

    func run() async throws {
        let command = self
        try await DatabaseRun.reportingFailures { try await command.verify() }
    }

    private func verify() async throws {
        let logger = Console.logger()
        let settings = try ProjectSettings.resolve(migrations)
        let environment = CLIContext.current.environment
        var options = Verifier.Options()
        options.from = from
        options.to = to
        options.data = data
        options.snapshot.includesPrivileges = withPrivileges
        if let seed {
            guard data else {
                throw CLIFailure(.configuration, "--seed needs --data (the seed rows are what --data checks)")
            }
            guard let bytes = FileManager.default.contents(atPath: seed),
                let text = String(data: bytes, encoding: .utf8)
            else {
                throw CLIFailure(
                    .fileSystem, "--seed \(seed) cannot be read as UTF-8 text; check the path and its permissions")
            }
            options.seed = SeedStatement.statements(of: text, path: seed)
        }
        let catalog: MigrationCatalog
        do {
            options.versionTable = try VersionTableName.parse(settings.configuration.versionTable ?? "goose_db_version")
            catalog = try MigrationCatalog(
                source: DirectorySource(directory: settings.directory),
                parser: GooseParser(environmentSubstitution: .enabled(environment)))
        } catch {
            throw CLIFailure(.migrations, "\(error)")
        }
        let problems = catalog.diagnostics.filter { $0.severity == .error }
        guard problems.isEmpty else {
            Console.report(problems)
            throw CLIFailure(.migrations, "fix the files above first (skein validate lists every problem)")
        }
        let migrations = catalog.migrations
        guard !migrations.isEmpty else {
            throw CLIFailure(.migrations, "no migrations in \(settings.directory); nothing to verify")
        }
        if locks {
            try await trace(migrations, logger: logger)
            return
        }
        let progress = ProgressPrinter(enabled: format == .text)
        let verifier = Verifier(options: options)
        let started = ContinuousClock.now
        let report = try await onThrowawayDatabase(purpose: "verification", logger: logger) { connection, _ in
            try await verifier.verify(migrations, on: connection, observer: progress.observe, logger: logger)
        }
        let elapsed = ContinuousClock.now - started
        switch format {
        case .json: try Console.json(VerifyJSON(report))
        case .text: Console.out(Self.text(report, elapsed: elapsed))
        case .sarif:
            throw CLIFailure(.usage, "--format sarif is the lock trace's (--locks); verify prints text or json")
        }
        if !report.passed { throw ExitCode(1) }
    }

    /// Runs `body` on a scratch database of `--dev-url`, or on a throwaway cluster, with a connector for more
    /// connections to the same database.
    func onThrowawayDatabase<Value: Sendable>(
        purpose: String, logger: Logger,
        _ body: @escaping @Sendable (PostgresConnection, Connector) async throws -> Value
    ) async throws -> Value {
        if let devURL {
            return try await onScratchDatabase(devURL, logger: logger, body)
        }
        return try await ThrowawayCluster.run(
            command: "verify", need: "a throwaway PostgreSQL", purpose: format == .text ? purpose : nil,
            logger: logger
        ) { cluster in
            let connector = Connector(
                settings: try DatabaseConnection.settings(
                    try ConnectionString.parse(cluster.url), environment: [:], homeDirectory: nil))
            let connection = try await connector.connect(logger: logger)
            do {
                let value = try await body(connection, connector)
                try? await connection.close()
                return value
            } catch {
                try? await connection.close()
                throw error
            }
        }
    }

    /// Creates a scratch database on the `--dev-url` server, runs `body` on it, and drops it.
    private func onScratchDatabase<Value: Sendable>(
        _ url: String, logger: Logger, _ body: @Sendable (PostgresConnection, Connector) async throws -> Value
    ) async throws -> Value {
        let parsed: ConnectionString
        do {
            parsed = try ConnectionString.parse(url)
            try parsed.validate()
        } catch {
            throw CLIFailure(.database, "--dev-url: \(error)")
        }
        // Only what --dev-url says (and a password file): never PG* variables, DATABASE_URL or GOOSE_DBSTRING.
        let home = CLIContext.current.environment["HOME"]
        func connector(_ string: ConnectionString) throws -> Connector {
            Connector(settings: try DatabaseConnection.settings(string, environment: [:], homeDirectory: home))
        }
        let admin: PostgresConnection
        do {
            admin = try await connector(parsed).connect(logger: logger)
        } catch {
            throw CLIFailure(.database, "--dev-url: \(error)")
        }
        let scratch = ScratchDatabase(purpose: .verify)
        let name = scratch.name
        do {
            let canCreate = try await admin.query(
                "SELECT rolcreatedb OR rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user", logger: logger
            ).collect().first?.decode(Bool.self)
            guard canCreate == true else {
                try? await admin.close()
                throw CLIFailure(
                    .database,
                    "--dev-url: the role has no CREATEDB privilege, and verify needs a scratch database; run ALTER ROLE … CREATEDB as a superuser, or leave --dev-url out to use a throwaway cluster"
                )
            }
            _ = try await admin.query(
                PostgresQuery(unsafeSQL: scratch.createSQL), logger: logger
            ).collect()
        } catch let error as CLIFailure {
            throw error
        } catch {
            try? await admin.close()
            throw CLIFailure(.database, "--dev-url: could not create the scratch database \(name): \(error)")
        }
        var outcome: Result<Value, any Error>
        do {
            let scratchConnector = try connector(ConnectionString(parameters: scratch.parameters(on: parsed)))
            let connection = try await scratchConnector.connect(logger: logger)
            do {
                outcome = .success(try await body(connection, scratchConnector))
            } catch {
                outcome = .failure(error)
            }
            try? await connection.close()
        } catch {
            outcome = .failure(error)
        }
        do {
            _ = try await admin.query(
                PostgresQuery(unsafeSQL: scratch.dropSQL),
                logger: logger
            ).collect()
        } catch {
            Console.err("warning: could not drop the scratch database \(name): \(error); drop it by hand")
        }
        try? await admin.close()
        return try outcome.get()
    }

    /// The human report: one line per migration, its problems under it, a summary.
    static func text(_ report: VerificationReport, elapsed: Duration) -> String {
        var lines: [String] = []
        for verdict in report.migrations {
            switch verdict.outcome {
            case .verified:
                lines.append("ok      \(verdict.file)")
            case .failed:
                lines.append("FAILED  \(verdict.file)")
            case .skipped:
                lines.append("skipped \(verdict.file): \(verdict.reason ?? "")")
            }
            for problem in verdict.problems {
                lines.append("\(verdict.file): \(problem.severity.rawValue): \(problem.message)")
            }
            for table in verdict.dataNotChecked {
                lines.append("\(verdict.file): info: data not checked in \(table)")
            }
        }
        if let stop = report.stop { lines.append("error: \(stop)") }
        let verified = report.migrations.filter { $0.outcome == .verified }.count
        let failed = report.migrations.filter { $0.outcome == .failed }.count
        let skipped = report.migrations.filter { $0.outcome == .skipped }.count
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        lines.append(
            "\(report.passed ? "verified" : "verification failed"): \(verified) verified, \(failed) failed, \(skipped) skipped"
                + " (\(String(format: "%.1f", seconds)) s)")
        return lines.joined(separator: "\n")
    }
}

/// `n/N file` lines on standard error while verification runs.
struct ProgressPrinter: Sendable {
    var enabled: Bool

    var observe: @Sendable (Verifier.Event) -> Void {
        let enabled = enabled
        return { event in
            guard enabled, case .started(let migration, let index, let total) = event else { return }
            Console.err("verify [\(index + 1)/\(total)] \(migration.fileName)")
        }
    }
}

/// `skein verify --format json` (docs/schemas/verify.schema.json).
struct VerifyJSON: Encodable {
    var schemaVersion = 1
    var passed: Bool
    var migrations: [Entry]
    var stop: String?

    struct Entry: Encodable {
        var version: Int64
        var file: String
        var outcome: String
        var reason: String?
        var problems: [Problem]
        var dataNotChecked: [String]

        enum CodingKeys: String, CodingKey { case version, file, fileName, outcome, reason, problems, dataNotChecked }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(version, forKey: .version)
            try container.encode(file, forKey: .file)
            try container.encode((file as NSString).lastPathComponent, forKey: .fileName)
            try container.encode(outcome, forKey: .outcome)
            try container.encode(reason, forKey: .reason)
            try container.encode(problems, forKey: .problems)
            try container.encode(dataNotChecked, forKey: .dataNotChecked)
        }
    }

    struct Problem: Encodable {
        var phase: String
        var severity: String
        var message: String
        var kind: String?
        var object: String?
    }

    init(_ report: VerificationReport) {
        passed = report.passed
        stop = report.stop?.description
        migrations = report.migrations.map { verdict in
            Entry(
                version: verdict.version, file: verdict.file, outcome: verdict.outcome.rawValue, reason: verdict.reason,
                problems: verdict.problems.map {
                    Problem(
                        phase: $0.phase.rawValue, severity: $0.severity.rawValue, message: $0.message,
                        kind: $0.difference?.kind.rawValue, object: $0.difference?.object)
                }, dataNotChecked: verdict.dataNotChecked)
        }
    }
}
