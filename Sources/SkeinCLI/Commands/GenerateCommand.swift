import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOPosix
import SkeinCodegen
import SkeinCore
import SkeinSandbox

/// `skein generate`: sqlc for Swift.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate PostgresNIO code from sqlc-annotated queries, typed by PostgreSQL itself.",
        discussion: """
            Reads sqlc's version-2 configuration (skein.yaml's `sql:` with `gen: swift:`, or sqlc.yaml's plugin
            form), applies each package's schema to a database nobody else uses — a throwaway local PostgreSQL, or
            with --dev-url a database on a development server (kept as skein_schema_<hash> and reused while the
            schema is unchanged) —, asks PostgreSQL for every query's parameter and column types, and writes Swift.
            Only files whose contents change are written. PostgreSQL's answers are kept in .skein/describe/ next
            to the configuration: commit it, and --offline (with --check in CI) generates from it with no database.
            It never reads DATABASE_URL, GOOSE_DBSTRING or PG* variables. See docs/codegen.md.
            """
    )

    @Option(
        name: [.customShort("f"), .long], help: "The configuration (default: skein.yaml with `sql:`, else sqlc.yaml).")
    var file: String?

    @Option(
        name: .long,
        help: "A development server (needs CREATEDB) to put the schema database on, instead of a throwaway cluster.")
    var devURL: String?

    @Flag(name: .long, help: "With --dev-url: a scratch database for this run only (dropped), not the cached one.")
    var noCache = false

    @Flag(name: .long, help: "Write nothing; exit 1 when a generated file is missing, differs or is stale (for CI).")
    var check = false

    @Flag(name: .long, help: "Write nothing; print the analysed queries (with --format json: the model).")
    var dryRun = false

    @Flag(
        name: .long,
        help:
            "No PostgreSQL: replay the describe cache (.skein/describe/) an earlier generate wrote; a query not in it is an error."
    )
    var offline = false

    @Option(
        name: .long,
        help:
            "Where sql entries that name no Swift output generate: an unchanged sqlc.yaml works as it is (its gen: go: is ignored); several such entries get a directory each, named by their gen.go package."
    )
    var out: String?

    @Option(name: .long, help: "text or json.")
    var format: OutputFormat = .text

    func run() async throws {
        let command = self
        try await DatabaseRun.reportingFailures(describe: { command.relocated($0) }) { try await command.generate() }
    }

    /// Files in messages as paths from the current directory (the generated code names them from the
    /// configuration's directory, so that it does not depend on where generate ran).
    func relocated(_ error: any Error) -> String {
        let base = ((file ?? "skein.yaml") as NSString).deletingLastPathComponent
        guard !base.isEmpty, base != "." else { return "\(error)" }
        func here(_ path: String) -> String { path.hasPrefix("/") ? path : Self.normalized(base + "/" + path) }
        // Queries and schema files are named from the configuration's directory; the others' paths are whole.
        guard error is CodegenErrors || error is SchemaSourceError, let failure = error as? any DiagnosticsConvertible
        else { return "\(error)" }
        return failure.diagnostics.map { diagnostic in
            var relocated = diagnostic
            relocated.location?.file = here(diagnostic.location?.file ?? "")
            return relocated.description
        }
        .joined(separator: "\n")
    }

    /// libpq reads these when a connection string leaves something out; generate must only ever use what it is
    /// told (a throwaway cluster or --dev-url).
    static func forgetLibpqEnvironment() {
        for key in CLIContext.current.environment.keys
        where key.hasPrefix("PG") && !key.hasPrefix("PG_") && key != "PGDATA" {
            unsetenv(key)
        }
    }

    private func generate() async throws {
        let started = ContinuousClock.now
        let logger = Console.logger()
        let (path, configuration) = try loadConfiguration()
        let base =
            (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        guard !configuration.packages.isEmpty else {
            throw CLIFailure(
                .configuration,
                "\(path) has no package that generates Swift: add `gen: swift: {out: …}` to an `sql:` entry (or a `codegen: [{plugin: swift, out: …}]` with a `plugins:` entry named swift)"
            )
        }
        let configurationText = String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        if offline && check && !dryRun,
            let (queries, files) = Self.unchangedSinceGenerated(
                configuration, base: base, configurationText: configurationText)
        {
            // Nothing the code is made from changed, and the files are the ones generated from it: no need to
            // generate again to know.
            Console.out(
                "up to date: \(queries) queries, \(files) files (\(String(format: "%.2f", Self.seconds(since: started))) s)"
            )
            return
        }
        // Before any other thread starts: unsetenv races with getenv on another thread (libpq's loading reads the
        // environment).
        Self.forgetLibpqEnvironment()
        // The committed caches are decoded on a pool thread. `--offline` needs them first thing, and a throwaway
        // cluster's run replays them while the cluster starts; a `--dev-url` run needs them only at the end, so their
        // decoding waits until the query files are read (on both cores) and overlaps PostgreSQL's describing.
        let early = devURL == nil ? Self.readingCaches(configuration, base: base) : nil
        if !offline { NIOThreadPool.singleton.submit { _ in QueryDescriber.loadLibrary() } }
        var schemas: [SchemaSource] = []
        for package in configuration.packages {
            do {
                schemas.append(try CodeGenerator.schema(for: package, base: base))
            } catch {
                throw CLIFailure(.configuration, "\(error)")
            }
        }
        let caches = early ?? Self.readingCaches(configuration, base: base)
        let ownDatabases = try Self.ownDatabases(configuration, path: path)
        let command = self
        let generated: [(result: CodeGenerator.Result, recorded: DescribeCache?)]
        // With a throwaway cluster: each package's committed cache, replayed while PostgreSQL works.
        var replays: [Task<[GeneratedFile]?, Never>?] = []
        if offline {
            if devURL != nil {
                throw CLIFailure(.configuration, "--offline uses no database; leave out --dev-url")
            }
            generated = try await Self.offline(
                schemas: schemas, configuration: configuration, base: base, caches: try await caches.get())
        } else if devURL == nil, ownDatabases.allSatisfy({ $0 != nil }) {
            // sqlc's database-backed analysis for every entry: no server of Skein's own is needed.
            generated = try await Self.onDevelopmentServer(
                "", schemas: schemas, cache: false, configuration: configuration, base: base,
                ownDatabases: ownDatabases)
        } else if let devURL {
            // A committed cache another server wrote (CI's, a teammate's: other OIDs) is kept when it makes the same
            // code. Its answers are this run's up to the OIDs in the usual case, which shows it with no replay: none is
            // started here, where it would take a core from the analysis (the server's part is small).
            generated = try await Self.onDevelopmentServer(
                devURL, schemas: schemas, cache: !noCache, configuration: configuration, base: base,
                ownDatabases: ownDatabases)
        } else {
            let dryRun = dryRun
            (generated, replays) = try await ThrowawayCluster.run(
                command: "generate", need: "a PostgreSQL to describe the queries",
                purpose: format == .text && !dryRun ? "the schema" : nil, logger: logger
            ) { cluster in
                var generated: [(result: CodeGenerator.Result, recorded: DescribeCache?)] = []
                var replays: [Task<[GeneratedFile]?, Never>?] = []
                for (index, package) in configuration.packages.enumerated() {
                    if let url = ownDatabases[index] {
                        replays.append(nil)
                        generated.append(
                            try await Self.onOwnDatabase(url, package: package, schema: schemas[index], base: base))
                        continue
                    }
                    replays.append(dryRun ? nil : Self.replaying(caches, at: index, package: package, base: base))
                    let database = index == 0 ? nil : "skein_package_\(index)"
                    if let database {
                        let admin = try QueryDescriber(connectionString: cluster.url)
                        try await admin.run("CREATE DATABASE \(database)")
                    }
                    let describer = try QueryDescriber(connectionString: cluster.url, database: database)
                    Self.warn(try await CodeGenerator.apply(schemas[index], on: describer))
                    generated.append(
                        try await Self.recording(package, schema: schemas[index], base: base, describer: describer))
                }
                return (generated, replays)
            }
        }
        let results = generated.map(\.result)
        for result in results { Self.warn(result.analysis.warnings) }
        if dryRun {
            let queries = results.flatMap { $0.analysis.queries }
            switch format {
            case .json: try Console.json(DryRunJSON(queries: queries))
            case .text:
                for query in queries {
                    let parameters = query.parameters.map { "\($0.name): \(SwiftEmitter.type($0))" }
                    let columns = query.columns.map { "\($0.name): \(SwiftEmitter.type($0))" }
                    Console.out(
                        "\(query.file):\(query.line): \(query.name) :\(query.command) (\(parameters.joined(separator: ", "))) -> (\(columns.joined(separator: ", ")))"
                    )
                }
            }
            return
        }
        var stale: [String] = []
        var written: [String] = []
        var cacheWritten: [String] = []
        var unchanged = 0
        let existingCaches = try await caches.get()
        for (index, (package, (result, recorded))) in zip(configuration.packages, generated).enumerated() {
            let out = Self.outPath(package, base: base)
            let directory = OutputDirectory(path: out)
            let display = Self.normalized(out)
            if let recorded {
                let cachePath = DescribeCache.path(forOut: package.options.out, base: base)
                let cacheDisplay = Self.normalized(cachePath)
                let current = try? existingCaches[index].get()
                var reproduces = false
                if let current {
                    reproduces = await Self.cache(
                        current, reproduces: result, recorded: recorded, package: package, base: base,
                        replayed: index < replays.count ? replays[index] : nil)
                }
                if !reproduces {
                    if command.check {
                        stale.append(
                            "\(cacheDisplay) \(current == nil ? "is missing or unreadable" : "does not reproduce this code") (the describe cache --offline reads)"
                        )
                    } else {
                        let verb = FileManager.default.fileExists(atPath: cachePath) ? "updated" : "created"
                        try Self.write(recorded.encoded(), to: cachePath)
                        cacheWritten.append("\(verb) \(cacheDisplay)")
                    }
                }
            }
            if command.check {
                let changes = directory.changes(result.files)
                stale += changes.map { change in
                    switch change {
                    case .created(let name): "\(display)/\(name) is missing"
                    case .updated(let name): "\(display)/\(name) differs from what the queries generate"
                    case .removed(let name): "\(display)/\(name) is no longer generated"
                    }
                }
                unchanged += result.files.count - changes.filter { if case .removed = $0 { false } else { true } }.count
            } else {
                let changes: [OutputDirectory.Change]
                do {
                    changes = try directory.write(result.files)
                } catch {
                    throw CLIFailure(
                        .fileSystem, "cannot write \(display): \(error); check that the directory is writable")
                }
                written += changes.map { change in
                    switch change {
                    case .created(let name): "created \(display)/\(name)"
                    case .updated(let name): "updated \(display)/\(name)"
                    case .removed(let name): "removed \(display)/\(name)"
                    }
                }
                unchanged += result.files.count - changes.filter { if case .removed = $0 { false } else { true } }.count
            }
        }
        if !command.check {
            try Self.writeFingerprints(
                configuration, results: results, base: base, configurationText: configurationText)
        }
        let seconds = Self.seconds(since: started)
        let queryCount = results.reduce(0) { $0 + $1.analysis.queries.count }
        if check {
            for line in stale { Console.err("stale: \(line)") }
            if !stale.isEmpty {
                Console.err("error: the generated code is out of date; run `skein generate` and commit the result")
                throw ExitCode(1)
            }
            Console.out("up to date: \(queryCount) queries, \(unchanged) files (\(String(format: "%.2f", seconds)) s)")
            return
        }
        for line in written + cacheWritten { Console.out(line) }
        Console.out(
            "generated \(queryCount) queries: \(written.count) files written, \(unchanged) unchanged (\(String(format: "%.2f", seconds)) s)"
        )
    }

    /// `a/b/../c` → `a/c`, `./x` → `x`: paths as the user would type them from here.
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            if part == "." || (part.isEmpty && !parts.isEmpty) { continue }
            if part == "..", let last = parts.last, last != "..", !last.isEmpty {
                parts.removeLast()
                continue
            }
            parts.append(part)
        }
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    /// Prints each of `warnings` on standard error.
    static func warn(_ warnings: [String]) {
        for warning in warnings { Console.err("warning: \(warning)") }
    }

    private func loadConfiguration() throws -> (String, CodegenConfiguration) {
        try Self.loadConfiguration(file: file, plainOut: out)
    }

    /// The configuration `-f` names, else skein.yaml with `sql:`, else sqlc.yaml: its path and contents.
    static func loadConfiguration(file: String?, plainOut: String? = nil) throws -> (String, CodegenConfiguration) {
        var candidates = [String]()
        if let file {
            candidates = [file]
        } else {
            candidates = ["skein.yaml", "sqlc.yaml", "sqlc.yml", "sqlc.json"].filter {
                FileManager.default.fileExists(atPath: $0)
            }
        }
        guard !candidates.isEmpty else {
            throw CLIFailure(
                .configuration,
                "no skein.yaml or sqlc.yaml here; run in the project's directory or give -f (docs/codegen.md shows the configuration)"
            )
        }
        var lastError: (any Error)?
        for path in candidates {
            guard FileManager.default.fileExists(atPath: path) else {
                throw CLIFailure(
                    .configuration, "\(path) does not exist; check -f (skein.yaml or sqlc.yaml with `sql:`)")
            }
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
            else {
                throw CLIFailure(
                    .configuration, "cannot read \(path) as UTF-8 text; check the path and its permissions")
            }
            // skein.yaml without `sql:` is the runner's configuration only: try sqlc.yaml next.
            if file == nil && path == "skein.yaml" && !text.contains("sql:") { continue }
            do {
                return (path, try CodegenConfiguration.parse(text, path: path, plainOut: plainOut))
            } catch {
                lastError = error
                if file != nil || path != "skein.yaml" { break }
            }
        }
        if let lastError { throw CLIFailure.diagnostics(.configuration, "\(lastError)") }
        throw CLIFailure(
            .configuration,
            "skein.yaml has no `sql:` list and there is no sqlc.yaml; add the packages to generate (docs/codegen.md)")
    }

}

/// `skein generate --dry-run --format json`.
struct DryRunJSON: Encodable {
    var schemaVersion = 1
    var queries: [AnalyzedQuery]
}
