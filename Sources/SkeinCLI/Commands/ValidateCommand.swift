import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import SkeinConfig
import SkeinConnection
import SkeinCore
import SkeinGovernance
import SkeinPostgres

/// `skein validate`: every file parsed in both directions, names checked against the policy, duplicate
/// versions; all findings at once.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract:
            "Check every migration file without a database: both directions parse (with goose's rules and PostgreSQL's grammar), names follow the policy, versions are unique.",
        discussion: """
            Prints every finding as file:line: severity[code]: message, with a help line. Exit 1 when any
            finding is an error. Every statement of both directions is parsed with PostgreSQL 15's grammar
            (syntax-error, at file:line:col); with skein.yaml's lint.postgres-version above 15, a statement that
            grammar rejects is a warning (syntax-not-checked) instead. In goose mode (and with `policy: warn`)
            naming rules are warnings. With --database-url, also compares the applied files with the checksums
            recorded when they ran (nothing is changed in the database): a changed Up is an error, a changed Down
            or comment a warning.
            """
    )

    @OptionGroup var options: MigrationsOptions

    @Option(name: .long, help: "text or json.")
    var format: OutputFormat = .text

    @Option(
        name: .long,
        help: "Also check applied files against their recorded checksums in this database (read only).")
    var databaseURL: String?

    struct Report: Encodable {
        var schemaVersion = 1
        var directory: String
        var migrations: Int
        var errors: Int
        var warnings: Int
        var findings: [Finding]
    }

    struct Finding: Encodable {
        var severity: String
        var code: String
        var message: String
        var help: String?
        var file: String?
        var line: Int?
        var column: Int?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(severity, forKey: .severity)
            try container.encode(code, forKey: .code)
            try container.encode(message, forKey: .message)
            try container.encode(help, forKey: .help)
            try container.encode(file, forKey: .file)
            try container.encode(line, forKey: .line)
            try container.encode(column, forKey: .column)
        }

        enum CodingKeys: String, CodingKey { case severity, code, message, help, file, line, column }
    }

    func run() async throws {
        let settings = try ProjectSettings.resolve(options)
        // goose's grammar checks what goose checks, unless skein.yaml asks for the policy (`policy: enforce`).
        if settings.style == .goose, settings.configuration.policy != .enforce, databaseURL == nil, format == .text {
            return try GooseValidation.run(directory: settings.directory, verbose: options.verbose)
        }
        var findings: [Diagnostic] = []
        var count = 0
        var migrations: [Migration] = []
        try reportingFailures {
            let catalog: MigrationCatalog
            do {
                catalog = try MigrationCatalog(source: DirectorySource(directory: settings.directory))
            } catch {
                throw CLIFailure(.migrations, "\(error)")
            }
            count = catalog.migrations.count
            migrations = catalog.migrations
            // PostgreSQL 15's grammar, for the server skein.yaml's lint.postgres-version names.
            findings = MigrationValidation.validate(
                catalog, policy: settings.policy, statementChecker: GrammarStatementChecker.checker,
                serverMajorVersion: settings.configuration.lint.postgresVersion)
            if options.verbose, format == .text { printTable(catalog) }
        }
        if let databaseURL {
            do {
                findings += try await driftFindings(migrations, url: databaseURL, settings: settings)
            } catch {
                Console.err("error: \(error)")
                throw ExitCode(1)
            }
        }
        let errors = findings.filter { $0.severity == .error }.count
        let warnings = findings.filter { $0.severity == .warning }.count
        switch format {
        case .json:
            try Console.json(
                Report(
                    directory: settings.directory, migrations: count, errors: errors, warnings: warnings,
                    findings: findings.map {
                        Finding(
                            severity: $0.severity.rawValue, code: $0.code, message: $0.message, help: $0.help,
                            file: $0.location?.file, line: $0.location?.line, column: $0.location?.column)
                    }))
        case .text:
            for finding in findings { Console.out(finding.description) }
            Console.out(
                "\(settings.directory): \(count) migration\(count == 1 ? "" : "s"), \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
            )
        }
        if errors > 0 { throw ExitCode(1) }
    }

    /// Drift as findings: `modified` an error, `down-modified` a warning, `unrecorded` info.
    private func driftFindings(_ migrations: [Migration], url: String, settings: ProjectSettings) async throws
        -> [Diagnostic]
    {
        let logger = Console.logger()
        let environment = CLIContext.current.environment
        let connector = Connector(
            settings: try DatabaseConnection.settings(
                try ConnectionString.parse(url), environment: environment, homeDirectory: environment["HOME"]))
        let connection = try await connector.connect(logger: logger)
        var configuration = Migrator.Configuration()
        configuration.versionTable = try VersionTableName.parse(
            settings.configuration.versionTable ?? "goose_db_version")
        let drift: [Drift]
        do {
            drift = try await Migrator(configuration: configuration).drift(
                migrations: migrations, on: connection, logger: logger)
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
        let paths = Dictionary(migrations.map { ($0.version, $0.path) }, uniquingKeysWith: { first, _ in first })
        return drift.map { item in
            let location = SourceLocation(file: paths[item.version] ?? item.file, line: nil, column: nil)
            switch item.kind {
            case .modified:
                return Diagnostic(
                    severity: .error, code: "modified", message: item.description,
                    help: "restore the file and put the change in a new migration", location: location)
            case .downModified:
                return Diagnostic(
                    severity: .warning, code: "down-modified", message: item.description, help: nil,
                    location: location)
            case .unrecorded:
                return Diagnostic(
                    severity: .info, code: "unrecorded", message: item.description,
                    help: "Skein records its checksum on its next run against this database", location: location)
            }
        }
    }

    /// goose's `validate -v` table.
    private func printTable(_ catalog: MigrationCatalog) {
        func count(_ result: Result<GooseSection, GooseParseError>?) -> String {
            guard let result else { return "-" }
            switch result {
            case .success(let section): return String(section.statements.count)
            case .failure: return "error"
            }
        }
        Console.out("Type  Txn  Up     Down   Name")
        for migration in catalog.migrations {
            let txn = migration.transactionMode.map { $0.isTransactional ? "✔" : "✘" } ?? "?"
            let row = [
                migration.kind.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0),
                txn.padding(toLength: 5, withPad: " ", startingAt: 0),
                count(migration.up).padding(toLength: 7, withPad: " ", startingAt: 0),
                count(migration.down).padding(toLength: 7, withPad: " ", startingAt: 0), migration.fileName,
            ]
            Console.out(row.joined())
        }
    }
}

extension OutputFormat: ExpressibleByArgument {
    /// Spelled out, as ``LogFormat/allValueStrings`` (a test keeps it equal to `allCases`).
    static let allValueStrings = ["text", "json"]
}
