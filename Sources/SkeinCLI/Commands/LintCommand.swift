import ArgumentParser
import Foundation
import SkeinConfig
import SkeinCore
import SkeinLint
import SkeinSandbox

/// `skein lint`: the migration policy's rules on PostgreSQL's grammar (libpg_query), all findings at once.
struct LintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check migrations against the migration policy, on PostgreSQL's own grammar.",
        discussion: """
            Lints the given files and directories (default: the migrations directory), reading each directory in
            version order so that earlier files give context (a table created earlier "existed before"). Exit 0
            without errors, 1 with any, 2 for bad usage. `skein lint --list-rules` shows every rule and the policy
            sentence it enforces; skein.yaml's `lint:` section sets severities, excluded paths and a baseline.
            Suppress a finding with `-- skein:ignore <rule-id> <reason>` before the statement, or
            `-- skein:ignore-file <rule-id> <reason>` for the whole file.
            """
    )

    enum Format: String, CaseIterable, ExpressibleByArgument {
        case text, json, sarif, github
    }

    @Argument(help: "Migration files or directories (default: the migrations directory).")
    var paths: [String] = []

    @OptionGroup var options: MigrationsOptions

    @Option(name: .long, help: "text, json, sarif (2.1.0) or github (workflow annotations).")
    var format: Format = .text

    @Option(name: .customLong("rule"), help: "Run only this rule (repeatable).")
    var rules: [String] = []

    @Option(name: .customLong("exclude-rule"), help: "Do not run this rule (repeatable).")
    var excludedRules: [String] = []

    @Option(name: .long, help: "Report only files after this version (earlier files are still read for context).")
    var since: Int64?

    @Flag(
        name: .long,
        help: "Report only files git sees as changed or new (against HEAD); all files are still read for context.")
    var changed = false

    @Option(
        name: .customLong("changed-since"),
        help: ArgumentHelp(
            "Report only files changed since the merge base with this git revision (a pull request's base: origin/main), uncommitted and new ones too; all files are still read for context.",
            valueName: "revision"))
    var changedSince: String?

    @Flag(
        name: .long,
        help:
            "Read the whole directory of each file given (earlier files give context) and report only the files given: what a pre-commit hook passes."
    )
    var inContext = false

    @Flag(name: .long, help: "Exit 0 even with errors: save a report (SARIF) and let a later step fail the job.")
    var exitZero = false

    @Option(
        name: .long,
        help:
            "A lock trace saved by `skein verify --locks --format json`: findings say what each statement really locked and rewrote."
    )
    var trace: String?

    @Flag(name: .long, help: "List the rules with their default severity and the policy sentence they enforce.")
    var listRules = false

    func validate() throws {
        if changed && changedSince != nil {
            throw ValidationError("--changed and --changed-since both choose the files to report; give one")
        }
        let known = Set(Linter.catalog.map(\.id))
        for rule in rules + excludedRules where !known.contains(rule) {
            throw ValidationError("unknown rule \"\(rule)\"; `skein lint --list-rules` lists them")
        }
    }

    func run() async throws {
        if listRules {
            for rule in Linter.catalog {
                Console.out(
                    "\(rule.id) (\(rule.defaultSeverity.rawValue)): \(rule.summary)\n    policy: \(rule.policy)")
            }
            return
        }
        let settings = try ProjectSettings.resolve(options)
        var findings: [Diagnostic] = []
        try await reportingFailures {
            var configuration = try lintConfiguration(settings.configuration)
            var inputs = paths.isEmpty ? [settings.directory] : paths
            // --in-context: each file's whole directory is read, and only the files given are reported.
            var reported: [String: String]? = nil
            if inContext {
                let (directories, given) = try Self.contextDirectories(of: inputs)
                inputs = directories
                reported = given
            }
            var files: [SourceFile] = []
            for path in inputs {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                    throw CLIFailure(.migrations, "\(path) does not exist; pass migration files or directories")
                }
                let directory = isDirectory.boolValue ? path : (path as NSString).deletingLastPathComponent
                configuration.approvals.approvals += try Self.ledger(in: directory.isEmpty ? "." : directory).approvals
                if isDirectory.boolValue {
                    do {
                        files += try DirectorySource(directory: path).sourceFiles()
                    } catch {
                        throw CLIFailure(.migrations, "\(error)")
                    }
                } else {
                    guard let data = FileManager.default.contents(atPath: path) else {
                        throw CLIFailure(.migrations, "\(path) cannot be read; check its permissions")
                    }
                    files.append(SourceFile(path: path, contents: Array(data)))
                }
            }
            if let reported {
                // A given file its directory does not list as a migration is still linted, on its own.
                let read = Set(files.map { Self.absolute($0.path) })
                for (absolute, path) in reported.sorted(by: { $0.key < $1.key }) where !read.contains(absolute) {
                    guard let data = FileManager.default.contents(atPath: path) else {
                        throw CLIFailure(.migrations, "\(path) cannot be read; check its permissions")
                    }
                    files.append(SourceFile(path: path, contents: Array(data)))
                }
            }
            let excluded = settings.configuration.lint.exclude
            files.removeAll { file in excluded.contains { Self.matches(file.path, pattern: $0) } }
            findings = Linter(configuration: configuration).lint(files)
            var keep = reported.map { Set($0.keys) }
            if changed || changedSince != nil {
                let changedFiles = try await Self.gitChangedFiles(since: changedSince)
                keep = keep.map { $0.intersection(changedFiles) } ?? changedFiles
            }
            if let keep {
                findings.removeAll { finding in
                    guard let file = finding.location?.file else { return false }
                    return !keep.contains(Self.absolute(file))
                }
            }
        }
        render(findings)
        if findings.hasErrors && !exitZero { throw ExitCode(1) }
    }

    /// Flags over skein.yaml over the rules' defaults.
    func lintConfiguration(_ project: ProjectConfiguration) throws -> LintConfiguration {
        var configuration = LintConfiguration()
        let known = Set(Linter.catalog.map(\.id))
        for (rule, value) in project.lint.rules {
            guard known.contains(rule) else {
                throw CLIFailure(
                    .configuration,
                    "skein.yaml\(project.lint.ruleLines[rule].map { ":\($0)" } ?? ""): lint.rules names an unknown rule \"\(rule)\"; `skein lint --list-rules` lists them"
                )
            }
            configuration.severities[rule] = .some(value == "off" ? nil : Severity(rawValue: value))
        }
        if !rules.isEmpty { configuration.only = Set(rules) }
        for rule in excludedRules { configuration.severities[rule] = .some(nil) }
        configuration.baseline = since ?? project.lint.baseline
        configuration.now = Date()
        configuration.postgresVersion = project.lint.postgresVersion ?? 15
        // The runner sets lock_timeout for every migration: require-lock-timeout has nothing to ask for.
        configuration.runnerSetsLockTimeout = (project.run.lockTimeout ?? 0) > 0
        if let trace {
            guard let data = FileManager.default.contents(atPath: trace) else {
                throw CLIFailure(.fileSystem, "--trace \(trace) cannot be read; check the path and its permissions")
            }
            do {
                configuration.trace = try JSONDecoder().decode(LockTrace.self, from: data)
            } catch {
                throw CLIFailure(
                    .configuration,
                    "--trace \(trace) is not a lock trace (skein verify --locks --format json > \(trace) writes one): \(error)"
                )
            }
        }
        return configuration
    }

    /// The approvals of a migrations directory (none when the file does not exist).
    /// The directory's `.skein-approvals.json`: empty when there is none; a file that exists but cannot be read
    /// (a directory, unreadable, malformed, a `schemaVersion` this Skein does not know) is an error, never "no
    /// approval" — and never overwritten.
    static func ledger(in directory: String) throws -> ApprovalLedger {
        let path = (directory as NSString).appendingPathComponent(ApprovalLedger.fileName)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return ApprovalLedger() }
        guard !isDirectory.boolValue else {
            throw CLIFailure(
                .migrations,
                "\(path) is a directory, not the approvals file; move it away (the approvals are a JSON file of that name)"
            )
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIFailure(
                .migrations,
                "\(path) cannot be read (check its permissions); no approval was assumed and nothing was run")
        }
        do {
            return try ApprovalLedger.decode(data, path: path)
        } catch {
            throw CLIFailure(.migrations, "\(error)")
        }
    }

    private func render(_ findings: [Diagnostic]) {
        let errors = findings.filter { $0.severity == .error }.count
        let warnings = findings.filter { $0.severity == .warning }.count
        switch format {
        case .json:
            try? Console.json(LintReport(findings: findings))
        case .sarif:
            try? Console.json(SARIFLog(findings: findings, rules: Linter.catalog, version: Skein.version))
        case .github:
            for finding in findings { Console.out(Self.githubAnnotation(finding)) }
        case .text:
            let color = CLIContext.current.output.isTerminal && CLIContext.current.environment["NO_COLOR"] == nil
            for finding in findings { Console.out(color ? Self.colored(finding) : finding.description) }
            Console.out("\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
        }
    }

    static func colored(_ finding: Diagnostic) -> String {
        let code =
            switch finding.severity {
            case .error: "31"
            case .warning: "33"
            case .info: "36"
            }
        let plain = finding.description
        let label = "\(finding.severity.rawValue)[\(finding.code)]"
        return plain.replacingOccurrences(of: label, with: "\u{1B}[1;\(code)m\(label)\u{1B}[0m")
    }

    /// GitHub's workflow command: `::error file=…,line=…,col=…,title=rule::message`.
    static func githubAnnotation(_ finding: Diagnostic) -> String {
        func escapeData(_ text: String) -> String {
            text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
                .replacingOccurrences(of: "\n", with: "%0A")
        }
        func escapeProperty(_ text: String) -> String {
            escapeData(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
        }
        let command =
            switch finding.severity {
            case .error: "error"
            case .warning: "warning"
            case .info: "notice"
            }
        var properties: [String] = []
        if let location = finding.location {
            properties.append("file=\(escapeProperty(location.file))")
            if let line = location.line { properties.append("line=\(line)") }
            if let column = location.column { properties.append("col=\(column)") }
        }
        properties.append("title=\(escapeProperty(finding.code))")
        let message = finding.message + (finding.help.map { "\n\($0)" } ?? "")
        return "::\(command) \(properties.joined(separator: ","))::\(escapeData(message))"
    }
}

/// `--format json`: `{"schemaVersion": 1, "findings": [{"rule", "severity", "file", "line", "column", "message", "hint"}]}`.
struct LintReport: Encodable {
    var schemaVersion = 1
    var findings: [Finding]

    init(findings: [Diagnostic]) {
        self.findings = findings.map {
            Finding(
                rule: $0.code, severity: $0.severity.rawValue, file: $0.location?.file, line: $0.location?.line,
                column: $0.location?.column, message: $0.message, hint: $0.help)
        }
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
}
