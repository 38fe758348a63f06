import Foundation
import SkeinConnection
import SkeinCore

/// `skein generate` as a library: schema in, analysis and Swift files out.
///
/// ```swift
/// let configuration = try CodegenConfiguration.parse(text, path: "skein.yaml")
/// for package in configuration.packages {
///     let schema = try CodeGenerator.schema(for: package, base: projectDirectory)
///     let describer = try QueryDescriber(connectionString: scratchDatabaseURL)
///     try await CodeGenerator.apply(schema, on: describer)
///     let result = try await CodeGenerator.generate(package, base: projectDirectory, describer: describer)
///     let changes = try OutputDirectory(path: projectDirectory + "/" + package.options.out).changes(result.files)
/// }
/// ```
public enum CodeGenerator {
    /// What one package generates.
    public struct Result: Sendable {
        public var analysis: PackageAnalysis
        public var files: [GeneratedFile]
    }

    /// Applies the schema on the describer's database the way each part can run (``SchemaSource/Unit``): a goose
    /// file's Up in a transaction, a `NO TRANSACTION` file statement by statement, a plain file whole and, when that
    /// fails, statement by statement. What fails is tried again after everything else, until a round applies
    /// nothing more (sqlc accepts files in an order where a later one defines what an earlier one uses); only what
    /// never applies is an error.
    ///
    /// A statement whose object already exists (`CREATE ROLE` of a role an earlier package or run made on the same
    /// server: roles are the server's, not the database's; a sqlc-only file restating a column a `DO` block added)
    /// counts as applied, with a warning: what it wanted is there. A file or transaction holding one is then applied
    /// statement by statement, so the rest of it still applies.
    ///
    /// - Returns: the warnings, one per statement that found its object already there.
    /// - Throws: ``SchemaSourceError`` naming the file and line of the first statement PostgreSQL kept rejecting.
    @discardableResult
    public static func apply(_ schema: SchemaSource, on describer: QueryDescriber) async throws -> [String] {
        var pending: [(unit: SchemaSource.Unit, error: SchemaSourceError?)] = []
        var warnings: [String] = []
        func existing(_ error: SchemaSourceError) -> Bool {
            guard error.alreadyExists else { return false }
            warnings.append("\(error.file)\(error.line.map { ":\($0)" } ?? ""): kept what exists: \(error.message)")
            return true
        }
        for unit in schema.units {
            if let error = try await apply(unit, on: describer) {
                let statements: [SchemaSource.Script]
                if unit.mode == .file, let split = SchemaSource.statements(of: unit.scripts[0]), !split.isEmpty {
                    statements = split
                } else if error.alreadyExists,
                    // A goose StatementBegin/End block is one script of several commands: split those too.
                    case let split = unit.scripts.flatMap({ SchemaSource.statements(of: $0) ?? [$0] }), split.count > 1
                {
                    statements = split
                } else {
                    if !existing(error) { pending.append((unit, error)) }
                    continue
                }
                for statement in statements {
                    let single = SchemaSource.Unit(mode: .statements, scripts: [statement])
                    if let error = try await apply(single, on: describer), !existing(error) {
                        pending.append((single, error))
                    }
                }
            }
        }
        while !pending.isEmpty {
            var left: [(unit: SchemaSource.Unit, error: SchemaSourceError?)] = []
            for (unit, _) in pending {
                if let error = try await apply(unit, on: describer), !existing(error) { left.append((unit, error)) }
            }
            if left.count == pending.count {
                pending = left
                break
            }
            pending = left
        }
        if let (_, error) = pending.first, let error {
            throw SchemaSourceError(
                file: error.file, line: error.line,
                message: error.message + "; fix the schema file (it must run on an empty database)"
                    + (pending.count > 1 ? " (and \(pending.count - 1) more that never applied)" : ""),
                sqlState: error.sqlState)
        }
        return warnings
    }

    /// Runs one unit; returns PostgreSQL's rejection (after rolling back what it started), `nil` when it applied. The
    /// advice to fix the file is added where a rejection becomes the error.
    static func apply(_ unit: SchemaSource.Unit, on describer: QueryDescriber) async throws -> SchemaSourceError? {
        if unit.mode == .transaction { try await describer.run("BEGIN") }
        for script in unit.scripts {
            do {
                try await describer.run(script.sql)
            } catch let error as QueryDescriberError where error.code == .queryRejected {
                // Outside a transaction block ROLLBACK only warns; inside one (ours, or the file's own BEGIN)
                // it ends it, so the next unit starts clean.
                try await describer.run("ROLLBACK")
                let line = error.line(in: script.sql, startingAt: script.line)
                var message = "the schema does not apply: \(error.message)"
                if let sqlState = error.sqlState { message += " (SQLSTATE \(sqlState))" }
                return SchemaSourceError(file: script.file, line: line, message: message, sqlState: error.sqlState)
            }
        }
        if unit.mode == .transaction { try await describer.run("COMMIT") }
        return nil
    }

    /// The package's schema as sqlc reads it: its `schema:` files, then the statements of its query files that
    /// change the schema and carry no name annotation (a `CREATE TABLE` in a query file), in query-file order. A
    /// file listed as both is a query file: its DDL is applied once, and its queries are never run as schema.
    public static func schema(
        for package: CodegenConfiguration.Package, base: String
    ) throws(SchemaSourceError) -> SchemaSource {
        let queryFiles = try readQueryFiles(package.queries, base: base)
        var schema = try SchemaSource.load(
            package.schema, base: base, excluding: Set(queryFiles.map { SchemaSource.fullPath($0.path, base: base) }))
        // Each file is read whole here (its queries too: ``QueryFileParser/read(_:file:)`` keeps what it made for the
        // analysis), one file per core at a time: this is on the way to the first question to PostgreSQL.
        let contents = ParallelMap.map(queryFiles, minimumPerWorker: 2) { QueryFileParser.read($0.text, file: $0.path) }
        for contents in contents {
            for statement in contents.schema {
                schema.units.append(SchemaSource.Unit(mode: .statements, scripts: [statement]))
            }
        }
        return schema
    }

    /// Reads the package's query files and generates its Swift files.
    public static func generate(
        _ package: CodegenConfiguration.Package, base: String, describer: any QueryDescribing
    ) async throws -> Result {
        let queryFiles = try readQueryFiles(package.queries, base: base)
        let analysis = try await PackageAnalysis.analyze(
            queryFiles: queryFiles, options: package.options, describer: describer)
        return Result(analysis: analysis, files: SwiftEmitter(options: package.options).files(for: analysis))
    }

    /// The `.sql` files of `paths` (files or directories, a directory's files in name order).
    public static func readQueryFiles(
        _ paths: [String], base: String
    ) throws(SchemaSourceError) -> [(path: String, text: String)] {
        var result: [(path: String, text: String)] = []
        for path in try SchemaSource.expandingGlobs(paths, base: base, key: "queries") {
            let full = path.hasPrefix("/") ? path : base + "/" + path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory) else {
                throw SchemaSourceError(
                    file: path, line: nil, message: "does not exist; `queries:` must name .sql files or directories")
            }
            var files = [path]
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: full)) ?? []
                files = names.filter { $0.hasSuffix(".sql") }.sorted().map { path + "/" + $0 }
            }
            for file in files {
                let location = file.hasPrefix("/") ? file : base + "/" + file
                guard let data = FileManager.default.contents(atPath: location),
                    let text = String(data: data, encoding: .utf8)
                else {
                    throw SchemaSourceError(file: file, line: nil, message: "cannot be read as UTF-8 text")
                }
                result.append((file, text))
            }
        }
        return result
    }
}

/// A database holding a schema, kept on a development server between runs: `skein_schema_<hash>` is created,
/// filled and renamed into place only when the whole schema applied, so a later run with the same schema reuses
/// it and a failed run leaves nothing behind.
public enum SchemaDatabase {
    /// The cached database's name for a schema.
    public static func name(for schema: SchemaSource) -> String {
        "skein_schema_" + schema.fingerprint.prefix(16)
    }

    /// Makes sure `name(for: schema)` exists on the server `connectionString` points at and holds the schema.
    ///
    /// - Returns: the database's name, and whether it was reused.
    /// - Returns: the database, whether it was there already, and ``CodeGenerator/apply(_:on:)``'s warnings when
    ///   the schema was applied now.
    public static func prepare(
        _ schema: SchemaSource, serverConnectionString: String
    ) async throws -> (name: String, reused: Bool, warnings: [String]) {
        let final = name(for: schema)
        let admin = try QueryDescriber(connectionString: serverConnectionString)
        if try await !admin.rows("SELECT 1 FROM pg_catalog.pg_database WHERE datname = '\(final)'").isEmpty {
            return (final, true, [])
        }
        let temporary = ScratchDatabase.temporary(for: final)
        try await create(temporary, admin: admin)
        let warnings: [String]
        do {
            let scratch = try QueryDescriber(connectionString: serverConnectionString, database: temporary.name)
            warnings = try await CodeGenerator.apply(schema, on: scratch)
        } catch {
            try? await admin.run(temporary.dropSQL)
            throw error
        }
        do {
            try await admin.run(
                "ALTER DATABASE \(SQLIdentifier.quote(temporary.name)) RENAME TO \(SQLIdentifier.quote(final))")
        } catch {
            // Another run made it first: use theirs.
            try? await admin.run(temporary.dropSQL)
        }
        return (final, false, warnings)
    }

    /// Creates a database for one run (dropped by ``drop(_:serverConnectionString:)``).
    public static func createScratch(serverConnectionString: String) async throws -> String {
        let scratch = ScratchDatabase(purpose: .generate)
        try await create(scratch, admin: try QueryDescriber(connectionString: serverConnectionString))
        return scratch.name
    }

    public static func drop(_ name: String, serverConnectionString: String) async throws {
        let admin = try QueryDescriber(connectionString: serverConnectionString)
        try await admin.run(ScratchDatabase(name: name).dropSQL)
    }

    private static func create(_ database: ScratchDatabase, admin: QueryDescriber) async throws {
        do {
            try await admin.run(database.createSQL)
        } catch let error as QueryDescriberError where error.sqlState == ScratchDatabase.insufficientPrivilege {
            throw QueryDescriberError(
                code: .queryRejected, endpoint: admin.endpoint,
                message:
                    "the role may not create databases, and generate needs one to apply the schema to; grant CREATEDB (ALTER ROLE … CREATEDB) or leave --dev-url out to use a throwaway cluster",
                sqlState: error.sqlState)
        }
    }
}

/// The generated files of one package on disk: what would change, and writing only what did.
public struct OutputDirectory: Sendable {
    public enum Change: Sendable, Hashable {
        case created(String)
        case updated(String)
        /// A file with Skein's header that the package no longer generates.
        case removed(String)

        public var path: String {
            switch self {
            case .created(let path), .updated(let path), .removed(let path): path
            }
        }
    }

    public var path: String

    public init(path: String) {
        self.path = path
    }

    /// What writing `files` would change; unchanged files are not listed.
    public func changes(_ files: [GeneratedFile]) -> [Change] {
        var changes: [Change] = []
        let names = Set(files.map(\.path))
        for file in files {
            let target = path + "/" + file.path
            if let existing = FileManager.default.contents(atPath: target) {
                if existing != Data(file.contents.utf8) { changes.append(.updated(file.path)) }
            } else {
                changes.append(.created(file.path))
            }
        }
        for name in generatedFileNames() where !names.contains(name) { changes.append(.removed(name)) }
        return changes
    }

    /// The `.swift` files here that start with Skein's header, in name order.
    public func generatedFileNames() -> [String] {
        let present = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return present.sorted().filter { name in
            guard name.hasSuffix(".swift"), let handle = FileHandle(forReadingAtPath: path + "/" + name) else {
                return false
            }
            let head = (try? handle.read(upToCount: SwiftEmitter.header.utf8.count)) ?? Data()
            try? handle.close()
            return head == Data(SwiftEmitter.header.utf8)
        }
    }

    /// Writes the changed files (atomically each) and removes stale generated ones.
    @discardableResult
    public func write(_ files: [GeneratedFile]) throws -> [Change] {
        let changes = changes(files)
        guard !changes.isEmpty else { return [] }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let contents = Dictionary(files.map { ($0.path, $0.contents) }, uniquingKeysWith: { first, _ in first })
        for change in changes {
            let target = path + "/" + change.path
            switch change {
            case .created(let name), .updated(let name):
                try Data((contents[name] ?? "").utf8).write(to: URL(fileURLWithPath: target), options: .atomic)
            case .removed:
                try FileManager.default.removeItem(atPath: target)
            }
        }
        return changes
    }
}
