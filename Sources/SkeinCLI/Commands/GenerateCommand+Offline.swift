import Foundation
import NIOCore
import NIOPosix
import SkeinCodegen

/// The describe cache's side of `skein generate`: recording PostgreSQL's answers, replaying them (`--offline`),
/// and the inputs fingerprint that lets `--check --offline` answer from hashes (docs/codegen.md).
extension GenerateCommand {
    /// Generates one package with PostgreSQL, keeping every answer for the describe cache.
    static func recording(
        _ package: CodegenConfiguration.Package, schema: SchemaSource, base: String, describer: QueryDescriber
    ) async throws -> (result: CodeGenerator.Result, recorded: DescribeCache?) {
        let recorder = RecordingDescriber(
            describer, postgresMajor: try await describer.postgresMajorVersion(), schema: schema.fingerprint)
        let result = try await CodeGenerator.generate(package, base: base, describer: recorder)
        return (result, recorder.cache)
    }

    /// The fast path of `--check --offline`: every package's inputs hash to its fingerprint and its `out` holds
    /// exactly the files recorded there. Returns the query and file counts, or `nil` to generate and compare.
    static func unchangedSinceGenerated(
        _ configuration: CodegenConfiguration, base: String, configurationText: String
    ) -> (queries: Int, files: Int)? {
        var queries = 0
        var files = 0
        for package in configuration.packages {
            guard
                let fingerprint = GeneratedFingerprint.read(
                    path: GeneratedFingerprint.path(forOut: package.options.out, base: base)),
                let inputs = try? GeneratedFingerprint.inputs(
                    of: package, base: base, configuration: configurationText, version: Skein.version),
                inputs == fingerprint.inputs,
                fingerprint.matches(OutputDirectory(path: outPath(package, base: base)))
            else { return nil }
            queries += fingerprint.queries
            files += fingerprint.files.count
        }
        return (queries, files)
    }

    /// Records what each package's files were generated from (``GeneratedFingerprint``), when that changed.
    static func writeFingerprints(
        _ configuration: CodegenConfiguration, results: [CodeGenerator.Result], base: String,
        configurationText: String
    ) throws {
        for (package, result) in zip(configuration.packages, results) {
            let path = GeneratedFingerprint.path(forOut: package.options.out, base: base)
            guard
                let inputs = try? GeneratedFingerprint.inputs(
                    of: package, base: base, configuration: configurationText, version: Skein.version)
            else { continue }
            let fingerprint = GeneratedFingerprint(
                inputs: inputs, generated: result.files, queries: result.analysis.queries.count)
            guard GeneratedFingerprint.read(path: path) != fingerprint else { continue }
            try write(fingerprint.encoded(), to: path)
        }
    }

    /// Writes one of `.skein/describe/`'s files (atomically; its directory made if needed).
    static func write(_ data: Data, to path: String) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CLIFailure(
                .fileSystem, "cannot write \(normalized(path)): \(error); check that the directory is writable")
        }
    }

    /// Seconds since `start`, for the summary line.
    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func outPath(_ package: CodegenConfiguration.Package, base: String) -> String {
        package.options.out.hasPrefix("/") ? package.options.out : base + "/" + package.options.out
    }

    /// Whether a committed cache still serves: it answers exactly the questions this run asked, for the same schema
    /// and PostgreSQL major version, and replaying it generates the same files. A cache written against another
    /// server (other OIDs) that generates the same code is kept as it is, so that generate does not churn it: shown
    /// without a replay when one renaming of the schema's OIDs makes its answers this run's
    /// (``DescribeCache/answersTheSame(as:)``), else by replaying it.
    /// - Parameter replayed: the files the cache generates, when a replay was started earlier (``replaying(_:at:package:base:)``).
    static func cache(
        _ existing: DescribeCache, reproduces result: CodeGenerator.Result, recorded: DescribeCache,
        package: CodegenConfiguration.Package, base: String, replayed: Task<[GeneratedFile]?, Never>? = nil
    ) async -> Bool {
        if existing == recorded { return true }
        guard existing.schema == recorded.schema, existing.postgresMajor == recorded.postgresMajor,
            Set(existing.catalog.keys) == Set(recorded.catalog.keys),
            Set(existing.statements.keys) == Set(recorded.statements.keys)
        else { return false }
        if existing.answersTheSame(as: recorded) { return true }
        let files: [GeneratedFile]?
        if let replayed {
            files = await replayed.value
        } else {
            files = try? await CodeGenerator.generate(
                package, base: base, describer: CachedDescriber(existing, path: "")
            ).files
        }
        return files == result.files
    }

    /// Starts replaying a package's committed cache on a pool thread (``ThreadPoolTaskExecutor``): with a
    /// throwaway cluster, the answers carry the cluster's own OIDs, so keeping the cache needs the code it
    /// generates, and replaying it (a whole generation) overlaps PostgreSQL applying the schema and describing the
    /// queries. `nil` when there is no readable cache (nothing to compare).
    static func replaying(
        _ caches: EventLoopFuture<[Result<DescribeCache, DescribeCacheError>]>, at index: Int,
        package: CodegenConfiguration.Package, base: String
    ) -> Task<[GeneratedFile]?, Never> {
        Task(executorPreference: ThreadPoolTaskExecutor.shared) {
            guard let all = try? await caches.get(), index < all.count, let existing = try? all[index].get() else {
                return nil
            }
            return try? await CodeGenerator.generate(
                package, base: base, describer: CachedDescriber(existing, path: "")
            ).files
        }
    }

    /// Each package's committed describe cache, as read and decoded on a thread of NIO's blocking pool, started
    /// at once: the command's tasks all run on one event-loop thread, and decoding a large cache (a quarter of an
    /// `--offline` run on 1000 queries) overlaps reading the query files and, with a server, describing them.
    static func readingCaches(
        _ configuration: CodegenConfiguration, base: String
    ) -> EventLoopFuture<[Result<DescribeCache, DescribeCacheError>]> {
        let paths = configuration.packages.map { DescribeCache.path(forOut: $0.options.out, base: base) }
        return NIOThreadPool.singleton.runIfActive(eventLoop: MultiThreadedEventLoopGroup.singleton.any()) {
            paths.map { path in Result { () throws(DescribeCacheError) in try DescribeCache.read(path: path) } }
        }
    }

    /// `--offline`: each package from its describe cache (`caches`, in the packages' order), which must be for the
    /// schema as it is now.
    static func offline(
        schemas: [SchemaSource], configuration: CodegenConfiguration, base: String,
        caches: [Result<DescribeCache, DescribeCacheError>]
    ) async throws -> [(result: CodeGenerator.Result, recorded: DescribeCache?)] {
        var generated: [(result: CodeGenerator.Result, recorded: DescribeCache?)] = []
        for ((package, schema), read) in zip(zip(configuration.packages, schemas), caches) {
            let path = DescribeCache.path(forOut: package.options.out, base: base)
            let display = normalized(path)
            let cache: DescribeCache
            do {
                cache = try read.get()
            } catch {
                throw CLIFailure.diagnostics(
                    .configuration, "\(DescribeCacheError(path: display, message: error.message))")
            }
            guard cache.schema == schema.fingerprint else {
                let files = Array(Set(schema.scripts.map(\.file))).sorted()
                throw CLIFailure(
                    .configuration,
                    "\(display) was written for another schema: the schema (\(files.prefix(3).joined(separator: ", "))\(files.count > 3 ? ", …" : "")) changed since; run `skein generate` where PostgreSQL is available and commit \(display)"
                )
            }
            let describer = CachedDescriber(cache, path: display)
            generated.append((try await CodeGenerator.generate(package, base: base, describer: describer), nil))
        }
        return generated
    }
}
