public import Foundation
public import SkeinCore

/// Which rules run and how seriously their findings count.
public struct LintConfiguration: Sendable, Hashable {
    /// Per-rule severity overrides; `nil` turns a rule off.
    public var severities: [String: Severity?] = [:]
    /// When set, only these rules run (`--rule`).
    public var only: Set<String>?
    /// Recorded approvals (`.skein-approvals.json`), for `destructive-requires-approval`.
    public var approvals = ApprovalLedger()
    /// Report only files with a higher version (earlier ones are still read for context).
    public var baseline: Int64?
    /// The PostgreSQL major version the rules assume (default 15).
    public var postgresVersion = 15
    /// The runner sets `lock_timeout` itself (skein.yaml's `lock-timeout`): `require-lock-timeout` is satisfied.
    public var runnerSetsLockTimeout = false
    /// The current time, for `future-timestamp` (the CLI sets it; rules read no clock). `nil` turns that check off.
    public var now: Date?
    /// A saved lock trace (`skein lint --trace FILE`): `traced-table-rewrite`, and what each lock-safety finding's
    /// statement really took.
    public var trace: LockTrace?

    public init() {}

    func severity(of rule: LintRuleInfo) -> Severity? {
        if let only, !only.contains(rule.id) { return nil }
        if let override = severities[rule.id] { return override }
        return rule.defaultSeverity
    }
}

/// `skein lint`: every rule over every file, in version order, all findings at once.
public struct Linter: Sendable {
    public var configuration: LintConfiguration
    public var rules: [any LintRule]

    public init(configuration: LintConfiguration = LintConfiguration(), rules: [any LintRule] = Linter.allRules) {
        self.configuration = configuration
        self.rules = rules
    }

    /// Every rule Skein has, in the order they are documented.
    public static let allRules: [any LintRule] =
        [MigrationNamingRule(), GooseStructureRule(), SyntaxErrorRule(), TransactionIncompatibleStatementRule()]
        + ReversibilityRules.all + [DestructiveRequiresHeaderRule()] + LockSafetyRules.all

    /// Every rule's description.
    public static var catalog: [LintRuleInfo] { catalogRules + allRules.flatMap(\.rules) }

    /// What reading the directory itself finds (``MigrationCatalog``): names goose refuses, duplicate versions.
    static let catalogRules = [invalidMigrationName, cannotAnalyze, duplicateVersion]
    static let invalidMigrationName = LintRuleInfo(
        id: "invalid-migration-name", defaultSeverity: .error,
        summary: "a .sql file whose name has no version goose accepts (goose refuses the whole directory)",
        policy: "Migration files MUST follow this exact pattern: YYYYMMDDHHMMSS_description.sql")
    static let cannotAnalyze = LintRuleInfo(
        id: "cannot-analyze", defaultSeverity: .warning,
        summary: "a file too large to parse with PostgreSQL's grammar (only its name and structure are checked)",
        policy: "Migration file syntax validation")
    static let duplicateVersion = LintRuleInfo(
        id: "duplicate-version", defaultSeverity: .error,
        summary: "two files share a version (goose panics on them)",
        policy: "Migration files MUST follow this exact pattern: YYYYMMDDHHMMSS_description.sql")

    /// Lints source files (read as goose reads them) and returns the findings, sorted by file and line.
    public func lint(_ files: [SourceFile], parser: GooseParser = GooseParser()) -> [Diagnostic] {
        let catalog = MigrationCatalog(files: files, parser: parser)
        let texts = Dictionary(files.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        var findings: [Diagnostic] = []
        let infos = Dictionary(
            (rules.flatMap(\.rules) + Self.catalogRules).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        // Files goose would not accept as migrations, and duplicate versions: the catalog finds them.
        for diagnostic in catalog.diagnostics {
            guard let info = infos[diagnostic.code] else {
                findings.append(diagnostic)
                continue
            }
            guard let severity = configuration.severity(of: info) else { continue }
            var finding = diagnostic
            finding.severity = severity
            findings.append(finding)
        }
        var context = LintContext()
        context.approvals = configuration.approvals
        context.postgresVersion = configuration.postgresVersion
        context.runnerSetsLockTimeout = configuration.runnerSetsLockTimeout
        context.now = configuration.now
        for migration in configuration.trace?.migrations ?? [] { context.trace[migration.version] = migration }
        // Rules whose every id is off do not run.
        let activeRules = rules.filter { rule in rule.rules.contains { configuration.severity(of: $0) != nil } }
        // Each file's findings come sorted, so the final (stable) sort mostly finds them in order.
        let sqlMigrations = catalog.migrations.filter { $0.kind == .sql }
        @Sendable func read(_ migration: Migration) -> LintFile {
            LintFile(migration: migration, text: (try? texts[migration.path]?.decodedText().get()) ?? "")
        }
        @Sendable func check(_ file: LintFile, _ context: LintContext) -> [Diagnostic] {
            Self.findings(in: file, context: context, rules: activeRules, infos: infos, configuration: configuration)
                .sorted(by: Self.precedes)
        }
        if activeRules.contains(where: \.readsEarlierFiles) {
            // Every file is parsed (on all cores) before the rules run, for the context of the files before each
            // in version order; with it a file's findings depend on nothing else, and the rules run on all cores.
            let files = ParallelMap.map(sqlMigrations, read)
            let contexts = files.map { file in
                defer { context.tablesCreatedEarlier.formUnion(file.createdTables) }
                return context
            }
            findings += ParallelMap.map(Array(files.indices)) { check(files[$0], contexts[$0]) }.joined()
        } else {
            // A file's findings depend on it alone: parsed, checked and let go on one core, so that parse trees do
            // not pile up.
            let context = context
            findings += ParallelMap.map(sqlMigrations) { check(read($0), context) }.joined()
        }
        return findings.sorted(by: Self.precedes)
    }

    /// The order of findings: by file, line, column and rule id.
    private static func precedes(_ lhs: Diagnostic, _ rhs: Diagnostic) -> Bool {
        (lhs.location?.file ?? "", lhs.location?.line ?? 0, lhs.location?.column ?? 0, lhs.code)
            < (rhs.location?.file ?? "", rhs.location?.line ?? 0, rhs.location?.column ?? 0, rhs.code)
    }

    /// One file's findings: a file too large to analyze, malformed suppressions, and what the rules find that
    /// is on and not suppressed, in that order.
    private static func findings(
        in file: LintFile, context: LintContext, rules: [any LintRule], infos: [String: LintRuleInfo],
        configuration: LintConfiguration
    ) -> [Diagnostic] {
        var findings: [Diagnostic] = []
        let migration = file.migration
        if let size = file.tooLargeToAnalyze, let info = infos[Self.cannotAnalyze.id],
            let severity = configuration.severity(of: info)
        {
            findings.append(
                Diagnostic(
                    severity: severity, code: Self.cannotAnalyze.id,
                    message:
                        "\(migration.fileName) holds \(size >> 20) MiB of statements, more than the \(LintFile.analysisLimit >> 20) MiB Skein parses with PostgreSQL's grammar; only its name and goose structure were checked",
                    help: "load large data with COPY from a file, outside the migration, or split the file",
                    location: SourceLocation(file: migration.path)))
        }
        let suppressions = Suppressions(file)
        findings += suppressions.problems
        guard configuration.baseline.map({ migration.version > $0 }) ?? true else { return findings }
        for rule in rules {
            for finding in rule.check(file, context: context) {
                guard let info = infos[finding.rule], let severity = configuration.severity(of: info),
                    !suppressions.suppresses(finding)
                else {
                    continue
                }
                findings.append(
                    Diagnostic(
                        severity: severity, code: finding.rule, message: finding.message, help: finding.hint,
                        location: finding.location))
            }
        }
        return TracedLocksRule.annotate(findings, file: file, context: context)
    }
}
