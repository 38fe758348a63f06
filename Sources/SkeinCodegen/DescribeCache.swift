public import Foundation
public import SkeinCore
import Synchronization

/// What the code generator asks PostgreSQL, and what PostgreSQL answered: the offline describe cache.
///
/// `skein generate` with a database records every answer (each query's parameter and column types, the catalog's
/// tables and enums) into `.skein/describe/<out>.json` next to the configuration; teams commit it, and
/// `skein generate --offline` (and `--check --offline` in CI) replays it with no PostgreSQL at all, as sqlx's
/// `.sqlx/` does. An answer is found by a hash of the exact SQL asked, so a query that is new or edited since the
/// cache was written has none and is reported by name at its file:line; the cache as a whole is tied to the
/// schema's fingerprint (the schema files and the DDL of the query files) and to PostgreSQL's major version.
/// Overrides, renames and the other `gen:` options are not part of it: they are applied to the answers when the
/// Swift is generated, so changing them needs no refresh.
public struct DescribeCache: Codable, Sendable, Equatable {
    /// The file format (a format Skein no longer reads is stale).
    public static let currentFormat = 1

    /// One recorded answer to ``QueryDescribing/describe(_:)`` for one statement.
    public struct Answer: Codable, Sendable, Equatable {
        public var parameters: [DescribedQuery.Parameter]?
        public var columns: [DescribedQuery.Column]?
        /// The OIDs of ``DescribedQuery/types`` (the types themselves are kept once, in ``DescribeCache/types``).
        public var types: [UInt32]?
        /// PostgreSQL's rejection, when it rejected the statement.
        public var rejected: Rejection?
    }

    /// PostgreSQL's words for a statement it rejected.
    public struct Rejection: Codable, Sendable, Equatable {
        public var message: String
        public var sqlState: String?
        public var position: Int?
        public var detail: String?
        public var hint: String?
    }

    public var format = DescribeCache.currentFormat
    /// The PostgreSQL major version that answered, e.g. `15`.
    public var postgresMajor: Int
    /// ``SchemaSource/fingerprint`` of the schema the answers are for.
    public var schema: String
    /// `rows(sql)` answers, by the SQL's hash.
    public var catalog: [String: [[String?]]]
    /// `describe` answers, by the SQL's hash.
    public var statements: [String: Answer]
    /// Every type an answer mentions, once.
    public var types: [PostgresTypeInfo]

    public init(postgresMajor: Int, schema: String) {
        self.postgresMajor = postgresMajor
        self.schema = schema
        self.catalog = [:]
        self.statements = [:]
        self.types = []
    }

    /// The key of a statement: a SHA-256 of its exact text.
    public static func key(_ sql: String) -> String {
        var hasher = SHA256Accumulator()
        hasher.add(sql)
        return hasher.hex
    }

    /// Where a package's cache is kept: `.skein/describe/<out, with / as ->.json` under `base` (the configuration's
    /// directory).
    public static func path(forOut out: String, base: String) -> String {
        let parts: [Substring] = out.split(separator: "/").filter { $0 != "." && !$0.isEmpty }
        var name = ""
        for character in parts.joined(separator: "-") {
            let kept = character.isLetter || character.isNumber || character == "-" || character == "_"
            name.append(kept ? character : "_")
        }
        return base + "/.skein/describe/" + (name.isEmpty ? "generated" : name) + ".json"
    }

    /// The file's bytes: keys sorted, one value per line, so that a refresh changes the lines that changed.
    public func encoded() throws -> Data { try committedJSON(self) }

    /// Reads a cache file.
    /// - Throws: ``DescribeCacheError`` when it is missing, unreadable, or of a format this Skein does not read.
    public static func read(path: String) throws(DescribeCacheError) -> DescribeCache {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DescribeCacheError(
                path: path,
                message:
                    "there is no describe cache; run `skein generate` where PostgreSQL is available (a throwaway cluster or --dev-url) and commit \(path)"
            )
        }
        let cache: DescribeCache
        do {
            cache = try JSONDecoder().decode(DescribeCache.self, from: data)
        } catch {
            throw DescribeCacheError(
                path: path,
                message:
                    "cannot be read as a describe cache (\(error)); it was written by another Skein, or edited: run `skein generate` with PostgreSQL available to write it again"
            )
        }
        guard cache.format == currentFormat else {
            throw DescribeCacheError(
                path: path,
                message:
                    "is in format \(cache.format), this Skein reads \(currentFormat); run `skein generate` with PostgreSQL available to write it again"
            )
        }
        return cache
    }
}

/// A describe cache that cannot be used.
public struct DescribeCacheError: DiagnosticsConvertible, Sendable {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var diagnostics: [Diagnostic] { [.codegen("describe-cache", file: path, line: nil, message: message)] }
}

/// Where the code generator's questions to PostgreSQL go: a live ``QueryDescriber``, a ``RecordingDescriber``
/// around one, or a ``CachedDescriber`` that replays a ``DescribeCache``.
public protocol QueryDescribing: Sendable {
    /// The rows of a catalog query, as text (`nil` for NULL).
    func rows(_ sql: String) async throws -> [[String?]]
    /// One result per statement: its description, or PostgreSQL's rejection.
    func describe(_ statements: [String]) async throws -> [Result<DescribedQuery, QueryDescriberError>]
}

extension QueryDescriber: QueryDescribing {}

/// Asks a live describer and keeps every answer, for ``cache``.
public final class RecordingDescriber: QueryDescribing {
    private let base: any QueryDescribing
    private let recorded: Mutex<DescribeCache>

    /// - Parameters:
    ///   - postgresMajor: the server's major version (``QueryDescriber/postgresMajorVersion()``).
    ///   - schema: the fingerprint of the schema applied on `base`'s database.
    public init(_ base: any QueryDescribing, postgresMajor: Int, schema: String) {
        self.base = base
        self.recorded = Mutex(DescribeCache(postgresMajor: postgresMajor, schema: schema))
    }

    /// Everything asked so far, with its answers.
    public var cache: DescribeCache { recorded.withLock { $0 } }

    public func rows(_ sql: String) async throws -> [[String?]] {
        let rows = try await base.rows(sql)
        recorded.withLock { $0.catalog[DescribeCache.key(sql)] = rows }
        return rows
    }

    public func describe(_ statements: [String]) async throws -> [Result<DescribedQuery, QueryDescriberError>] {
        let results = try await base.describe(statements)
        recorded.withLock { cache in
            var known = Dictionary(cache.types.map { ($0.oid, $0) }, uniquingKeysWith: { first, _ in first })
            for (sql, result) in zip(statements, results) {
                switch result {
                case .success(let described):
                    for (oid, type) in described.types { known[oid] = type }
                    cache.statements[DescribeCache.key(sql)] = DescribeCache.Answer(
                        parameters: described.parameters, columns: described.columns,
                        types: described.types.keys.sorted())
                case .failure(let error):
                    cache.statements[DescribeCache.key(sql)] = DescribeCache.Answer(
                        rejected: DescribeCache.Rejection(
                            message: error.message, sqlState: error.sqlState, position: error.position,
                            detail: error.detail, hint: error.hint))
                }
            }
            cache.types = known.values.sorted { $0.oid < $1.oid }
        }
        return results
    }
}

/// Replays a ``DescribeCache``: no PostgreSQL. A statement the cache has no answer for is a rejection whose
/// message says so (the analysis reports it at the query's file:line); a catalog query it has no answer for is a
/// ``DescribeCacheError``.
public struct CachedDescriber: QueryDescribing {
    public let cache: DescribeCache
    /// The cache file, for messages.
    public let path: String
    private let types: [UInt32: PostgresTypeInfo]

    public init(_ cache: DescribeCache, path: String) {
        self.cache = cache
        self.path = path
        self.types = Dictionary(cache.types.map { ($0.oid, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func rows(_ sql: String) async throws -> [[String?]] {
        guard let rows = cache.catalog[DescribeCache.key(sql)] else {
            throw DescribeCacheError(
                path: path,
                message:
                    "holds no answer to one of this Skein's catalog queries (it was written by another version); run `skein generate` with PostgreSQL available to write it again"
            )
        }
        return rows
    }

    public func describe(_ statements: [String]) async throws -> [Result<DescribedQuery, QueryDescriberError>] {
        statements.map { sql in
            guard let answer = cache.statements[DescribeCache.key(sql)] else {
                return .failure(
                    QueryDescriberError(
                        code: .notCached, endpoint: path,
                        message:
                            "not in the describe cache \(path): the query is new or changed since it was written; run `skein generate` where PostgreSQL is available to refresh it, and commit it"
                    ))
            }
            if let rejected = answer.rejected {
                return .failure(
                    QueryDescriberError(
                        code: .queryRejected, endpoint: path, message: rejected.message, sqlState: rejected.sqlState,
                        position: rejected.position, detail: rejected.detail, hint: rejected.hint))
            }
            var described = DescribedQuery(
                sql: sql, parameters: answer.parameters ?? [], columns: answer.columns ?? [], types: [:])
            for oid in answer.types ?? [] { described.types[oid] = types[oid] }
            return .success(described)
        }
    }
}

/// What a package's generated files were made from, and what they are: kept beside the describe cache
/// (`.skein/describe/<out>.inputs.json`), so that `generate --check --offline` can say "up to date" from hashes
/// alone when nothing changed: the configuration, every schema and query file byte for byte, Skein's version and
/// ``SwiftEmitter/formatVersion`` hash to ``inputs``, and each generated file's SHA-256 is in ``files``. Anything
/// else falls back to generating from the cache.
public struct GeneratedFingerprint: Codable, Sendable, Equatable {
    /// The hash of everything the generated files are made from.
    public var inputs: String
    /// Each generated file's name (in the package's `out`) and SHA-256.
    public var files: [String: String]
    /// How many queries the package has (for the "up to date" line).
    public var queries: Int

    public init(inputs: String, files: [String: String], queries: Int) {
        self.inputs = inputs
        self.files = files
        self.queries = queries
    }

    /// The fingerprint of generated `files`.
    public init(inputs: String, generated files: [GeneratedFile], queries: Int) {
        self.init(
            inputs: inputs,
            files: Dictionary(
                files.map { ($0.path, Self.hash(Data($0.contents.utf8))) }, uniquingKeysWith: { first, _ in first }),
            queries: queries)
    }

    /// The inputs hash of a package: `configuration` (the file's text), its schema and query files as they are on
    /// disk, `version` (Skein's) and the emitter's format.
    public static func inputs(
        of package: CodegenConfiguration.Package, base: String, configuration: String, version: String
    ) throws(SchemaSourceError) -> String {
        var hasher = SHA256Accumulator()
        hasher.add("skein \(version) emitter \(SwiftEmitter.formatVersion)")
        hasher.add(configuration)
        hasher.add(package.options.out)
        for file in try SchemaSource.files(package.schema, base: base) {
            let full = file.hasPrefix("/") ? file : base + "/" + file
            hasher.add(file)
            hasher.add(String(decoding: FileManager.default.contents(atPath: full) ?? Data(), as: UTF8.self))
        }
        for (path, text) in try CodeGenerator.readQueryFiles(package.queries, base: base) {
            hasher.add(path)
            hasher.add(text)
        }
        return hasher.hex
    }

    /// Where a package's fingerprint is kept: beside ``DescribeCache/path(forOut:base:)``.
    public static func path(forOut out: String, base: String) -> String {
        let cache = DescribeCache.path(forOut: out, base: base)
        return String(cache.dropLast(".json".count)) + ".inputs.json"
    }

    /// Whether `directory` holds exactly these files (bytes hashed), and no other generated file.
    public func matches(_ directory: OutputDirectory) -> Bool {
        for (name, sum) in files {
            guard let data = FileManager.default.contents(atPath: directory.path + "/" + name), Self.hash(data) == sum
            else { return false }
        }
        return directory.generatedFileNames().allSatisfy { files[$0] != nil }
    }

    public func encoded() throws -> Data { try committedJSON(self) }

    public static func read(path: String) -> GeneratedFingerprint? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(GeneratedFingerprint.self, from: data)
    }

    static func hash(_ data: Data) -> String {
        MigrationChecksum.fileChecksum(ofBytes: Array(data))
    }
}

/// JSON for a file that is committed: keys sorted, one value per line, a final newline.
func committedJSON(_ value: some Encodable) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    var data = try encoder.encode(value)
    data.append(0x0A)
    return data
}
