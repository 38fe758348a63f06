import ArgumentParser
import Foundation
import SkeinCore

/// `skein validate`: every file parsed in both directions, names checked against the policy, duplicate
/// versions; all findings at once.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract:
            "Check every migration file without a database: both directions parse, names follow the policy, versions are unique.",
        discussion: """
            Prints every finding as file:line: severity[code]: message, with a help line. Exit 1 when any
            finding is an error. In goose mode (and with `policy: warn`) naming rules are warnings.
            """
    )

    @OptionGroup var options: MigrationsOptions

    @Option(name: .long, help: "text or json.")
    var format: OutputFormat = .text

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

    func run() throws {
        let settings = try ProjectSettings.resolve(options)
        var findings: [Diagnostic] = []
        var count = 0
        try reportingFailures(style: settings.style) {
            let catalog: MigrationCatalog
            do {
                catalog = try MigrationCatalog(source: DirectorySource(directory: settings.directory))
            } catch {
                throw CLIError(.migrations, "\(error)")
            }
            count = catalog.migrations.count
            findings = MigrationValidation.validate(catalog, policy: settings.policy)
            if options.verbose, format == .text { printTable(catalog) }
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

extension OutputFormat: ExpressibleByArgument {}
