import ArgumentParser
import Foundation
import SkeinCodegen
import SkeinCore
import SkeinSandbox

/// `skein check-queries`: which migration breaks which query, before it ships.
struct CheckQueriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-queries",
        abstract: "Find the migration that breaks (or changes the types of) each annotated query.",
        discussion: """
            Reads the same configuration as `skein generate`, applies each package's schema one file at a time on a \
            throwaway PostgreSQL (or a scratch database on --dev-url), and after each file asks PostgreSQL to \
            describe every annotated query again: `20240918150000_drop_legacy_column.sql breaks ListUsers: column \
            "legacy" does not exist`. Exit 1 when a migration breaks a query, a query fails on the whole schema, or \
            a migration does not apply; type changes are warnings (regenerate). --since VERSION applies the \
            migrations up to VERSION at once (what is deployed) and checks the ones after it. It never reads \
            DATABASE_URL, GOOSE_DBSTRING or PG* variables. See docs/codegen.md.
            """)

    enum Format: String, CaseIterable, ExpressibleByArgument {
        case text, json, sarif
    }

    @Option(
        name: [.customShort("f"), .long], help: "The configuration (default: skein.yaml with `sql:`, else sqlc.yaml).")
    var file: String?

    @Option(
        name: .long,
        help: "A development server (needs CREATEDB) for a scratch database, instead of a throwaway cluster.")
    var devURL: String?

    @Option(name: .long, help: "Apply the migrations up to this version at once and check only the ones after it.")
    var since: Int64?

    @Option(name: .long, help: "text, json or sarif (2.1.0).")
    var format: Format = .text

    struct Report: Encodable {
        var schemaVersion = 1
        var packages: [Package]

        struct Package: Encodable {
            var queries: Int
            var steps: Int
            var findings: [Finding]
        }

        struct Finding: Encodable {
            var severity: String
            var code: String
            var message: String
            var file: String
            var line: Int?
        }
    }

    func run() async throws {
        let command = self
        try await DatabaseRun.reportingFailures { try await command.check() }
    }

    private func check() async throws {
        let logger = Console.logger()
        // It writes no Swift, so an unchanged sqlc.yaml (no Swift output named) is read as it is.
        let (path, configuration) = try GenerateCommand.loadConfiguration(file: file, plainOut: "Generated")
        let base =
            (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        var inputs: [(schema: SchemaSource, queries: [AnnotatedQuery], baseline: Int)] = []
        for package in configuration.packages {
            guard !package.describesOnOwnDatabase else {
                throw CLIFailure(
                    .configuration,
                    "\(path): an sql entry without `schema:` is described on its database.uri as that database is; check-queries applies the migrations one at a time, so it needs the entry's `schema:`"
                )
            }
            do {
                let schema = try CodeGenerator.schema(for: package, base: base)
                var queries: [AnnotatedQuery] = []
                for (file, text) in try CodeGenerator.readQueryFiles(package.queries, base: base) {
                    queries += QueryFileParser.read(text, file: file).queries
                }
                inputs.append((schema, queries, Self.baseline(schema, since: since)))
            } catch {
                throw CLIFailure(.configuration, "\(error)")
            }
        }
        GenerateCommand.forgetLibpqEnvironment()
        let results: [QueryImpact]
        if let devURL {
            var impacts: [QueryImpact] = []
            for input in inputs {
                let database = try await SchemaDatabase.createScratch(serverConnectionString: devURL)
                do {
                    let describer = try QueryDescriber(connectionString: devURL, database: database)
                    impacts.append(
                        try await QueryImpact.analyze(
                            schema: input.schema, queries: input.queries, describer: describer,
                            baseline: input.baseline))
                    try? await SchemaDatabase.drop(database, serverConnectionString: devURL)
                } catch {
                    try? await SchemaDatabase.drop(database, serverConnectionString: devURL)
                    throw error
                }
            }
            results = impacts
        } else {
            results = try await ThrowawayCluster.run(
                command: "check-queries", need: "a PostgreSQL to describe the queries",
                purpose: format == .text ? "the migrations" : nil, logger: logger
            ) { cluster in
                var impacts: [QueryImpact] = []
                for (index, input) in inputs.enumerated() {
                    let database = "skein_check_\(index)"
                    try await QueryDescriber(connectionString: cluster.url).run("CREATE DATABASE \(database)")
                    let describer = try QueryDescriber(connectionString: cluster.url, database: database)
                    impacts.append(
                        try await QueryImpact.analyze(
                            schema: input.schema, queries: input.queries, describer: describer,
                            baseline: input.baseline))
                }
                return impacts
            }
        }
        let findings = results.flatMap(\.findings)
        switch format {
        case .json:
            try Console.json(
                Report(
                    packages: results.map { impact in
                        Report.Package(
                            queries: impact.queries, steps: impact.steps,
                            findings: impact.findings.map {
                                Report.Finding(
                                    severity: $0.severity.rawValue, code: $0.code, message: $0.message,
                                    file: $0.location?.file ?? "", line: $0.location?.line)
                            })
                    }))
        case .sarif:
            try Console.json(
                SARIFLog(
                    findings: findings,
                    rules: QueryImpact.rules.map {
                        SARIFLog.Rule(
                            id: $0.id, shortDescription: .init(text: $0.summary),
                            fullDescription: .init(text: $0.summary),
                            defaultConfiguration: .init(level: $0.id == "query-changed" ? "warning" : "error"))
                    }, version: Skein.version))
        case .text:
            for finding in findings { Console.out(finding.description) }
            let broken = findings.filter { $0.severity == .error }.count
            let changed = findings.filter { $0.code == "query-changed" }.count
            let queries = results.map(\.queries).reduce(0, +)
            let steps = results.map(\.steps).reduce(0, +)
            Console.out(
                "checked \(queries) quer\(queries == 1 ? "y" : "ies") after each of \(steps) migration\(steps == 1 ? "" : "s"): \(broken) broken, \(changed) changed"
            )
        }
        if findings.contains(where: { $0.severity == .error }) { throw ExitCode(1) }
    }

    /// How many leading steps `--since` puts in the baseline: the files whose version is at most `since`.
    static func baseline(_ schema: SchemaSource, since: Int64?) -> Int {
        guard let since else { return 0 }
        return schema.units.prefix { unit in
            guard let file = unit.scripts.first?.file,
                let version = try? MigrationName.parse((file as NSString).lastPathComponent).get().version
            else { return false }
            return version <= since
        }.count
    }
}
