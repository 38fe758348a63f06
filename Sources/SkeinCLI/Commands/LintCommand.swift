import ArgumentParser
import Foundation
import SkeinCore
import SkeinLint

/// `skein lint`: the migration policy's rules on PostgreSQL's grammar (libpg_query), all findings at once.
struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check migrations against the migration policy, on PostgreSQL's own grammar.",
        discussion: """
            Lints the given files and directories (default: the migrations directory), reading each directory in
            version order so that earlier files give context (a table created earlier "existed before"). Prints
            file:line:column: severity[rule]: message with a help line. Exit 0 without errors, 1 with any, 2 for bad
            usage. `skein lint --list-rules` shows every rule and the policy sentence it enforces.
            """
    )

    @Argument(help: "Migration files or directories (default: the migrations directory).")
    var paths: [String] = []

    @OptionGroup var options: MigrationsOptions

    @Option(name: .long, help: "text or json.")
    var format: OutputFormat = .text

    @Option(name: .customLong("rule"), help: "Run only this rule (repeatable).")
    var rules: [String] = []

    @Option(name: .customLong("exclude-rule"), help: "Do not run this rule (repeatable).")
    var excludedRules: [String] = []

    @Flag(name: .long, help: "List the rules with their default severity and the policy sentence they enforce.")
    var listRules = false

    struct Report: Encodable {
        var schemaVersion = 1
        var findings: [Finding]
    }

    struct Finding: Encodable {
        var rule: String
        var severity: String
        var file: String?
        var line: Int?
        var column: Int?
        var message: String
        var hint: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(rule, forKey: .rule)
            try container.encode(severity, forKey: .severity)
            try container.encode(file, forKey: .file)
            try container.encode(line, forKey: .line)
            try container.encode(column, forKey: .column)
            try container.encode(message, forKey: .message)
            try container.encode(hint, forKey: .hint)
        }

        enum CodingKeys: String, CodingKey { case rule, severity, file, line, column, message, hint }
    }

    func validate() throws {
        let known = Set(Linter.catalog.map(\.id))
        for rule in rules + excludedRules where !known.contains(rule) {
            throw ValidationError("unknown rule \"\(rule)\"; `skein lint --list-rules` lists them")
        }
    }

    func run() throws {
        if listRules {
            for rule in Linter.catalog {
                Console.out(
                    "\(rule.id) (\(rule.defaultSeverity.rawValue)): \(rule.summary)\n    policy: \(rule.policy)")
            }
            return
        }
        let settings = try ProjectSettings.resolve(options)
        var configuration = LintConfiguration()
        if !rules.isEmpty { configuration.only = Set(rules) }
        for rule in excludedRules { configuration.severities[rule] = .some(nil) }
        var findings: [Diagnostic] = []
        try reportingFailures(style: settings.style) {
            var files: [SourceFile] = []
            for path in paths.isEmpty ? [settings.directory] : paths {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                    throw CLIError(.migrations, "\(path) does not exist; pass migration files or directories")
                }
                if isDirectory.boolValue {
                    do {
                        files += try DirectorySource(directory: path).sourceFiles()
                    } catch {
                        throw CLIError(.migrations, "\(error)")
                    }
                } else {
                    guard let data = FileManager.default.contents(atPath: path) else {
                        throw CLIError(.migrations, "\(path) cannot be read; check its permissions")
                    }
                    files.append(SourceFile(path: path, contents: Array(data)))
                }
            }
            findings = Linter(configuration: configuration).lint(files)
        }
        let errors = findings.filter { $0.severity == .error }.count
        let warnings = findings.filter { $0.severity == .warning }.count
        switch format {
        case .json:
            try Console.json(
                Report(
                    findings: findings.map {
                        Finding(
                            rule: $0.code, severity: $0.severity.rawValue, file: $0.location?.file,
                            line: $0.location?.line, column: $0.location?.column, message: $0.message, hint: $0.help)
                    }))
        case .text:
            for finding in findings { Console.out(finding.description) }
            Console.out("\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
        }
        if errors > 0 { throw ExitCode(1) }
    }
}
