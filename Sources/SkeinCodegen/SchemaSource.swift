import Foundation
public import SkeinCore
import SkeinSQL

#if canImport(Glibc)
    import Glibc
#endif

/// The schema a package's queries run against, as sqlc reads it: SQL files, or a goose directory whose files
/// contribute their Up sections only, in version order.
public struct SchemaSource: Sendable, Hashable {
    /// One piece of SQL to run, with where it came from.
    public struct Script: Sendable, Hashable {
        /// The file, as the configuration names it (relative paths stay relative).
        public var file: String
        /// The 1-based line of the SQL's first line in the file.
        public var line: Int
        public var sql: String
    }

    /// What is applied as one, the way it can run: as the runner applies a goose file, or as psql runs a file.
    public struct Unit: Sendable, Hashable {
        public enum Mode: Sendable, Hashable {
            /// A goose file's Up: its statements in one transaction (`LOCK TABLE` and friends need one).
            case transaction
            /// Each statement on its own: a `-- +goose NO TRANSACTION` file (`CREATE INDEX CONCURRENTLY`).
            case statements
            /// A plain SQL file, sent whole (one implicit transaction: fast, and all or nothing); when that fails,
            /// statement by statement, so statements that cannot run in a transaction run, and what needs a
            /// later file is retried after it.
            case file
        }

        public var mode: Mode
        public var scripts: [Script]
    }

    /// In the order they run.
    public var units: [Unit]

    /// Every script, in order.
    public var scripts: [Script] { units.flatMap(\.scripts) }

    public init(units: [Unit]) {
        self.units = units
    }

    /// A SHA-256 of every script, in order: equal schemas share a cached schema database.
    public var fingerprint: String {
        var hasher = SHA256Accumulator()
        for script in scripts {
            hasher.add(script.file)
            hasher.add(script.sql)
        }
        return hasher.hex
    }

    /// Reads `paths` (files or directories, relative to `base`).
    ///
    /// A `.sql` file with a `-- +goose Up` annotation contributes its Up statements (goose's own parser: the Down
    /// section never runs); any other `.sql` file runs up to its first rollback marker (dbmate's `-- migrate:down`,
    /// sql-migrate's `-- +migrate Down`, tern's); golang-migrate's `*.down.sql` files and hidden files are skipped. A directory's `.sql` files are read in goose version
    /// order when their names are migration names, else in file-name order.
    ///
    /// - Parameter excluding: files to leave out, as ``fullPath(_:base:)`` gives them: the package's query files,
    ///   which a project may list as schema too (River's do): their DDL is schema anyway, and their queries are not.
    public static func load(_ paths: [String], base: String, excluding: Set<String> = [])
        throws(SchemaSourceError) -> SchemaSource
    {
        var units: [Unit] = []
        for file in try files(paths, base: base) where !excluding.contains(fullPath(file, base: base)) {
            units.append(try read(file, full: file.hasPrefix("/") ? file : base + "/" + file))
        }
        return SchemaSource(units: units)
    }

    /// `file` (relative to `base`, or absolute) as one absolute, standardized path, to compare files named two ways.
    public static func fullPath(_ file: String, base: String) -> String {
        URL(fileURLWithPath: file.hasPrefix("/") ? file : base + "/" + file).standardizedFileURL.path
    }

    /// The files `paths` name, in the order ``load(_:base:)`` applies them (globs expanded; a directory's `.sql`
    /// files in goose version order when their names are migration names, else in name order).
    public static func files(_ paths: [String], base: String) throws(SchemaSourceError) -> [String] {
        var result: [String] = []
        for path in try expandingGlobs(paths, base: base, key: "schema") {
            let full = path.hasPrefix("/") ? path : base + "/" + path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory) else {
                throw SchemaSourceError(
                    file: path, line: nil,
                    message: "does not exist; `schema:` must name SQL files or a directory of them (a goose directory)")
            }
            guard isDirectory.boolValue else {
                // As sqlc: a hidden file or a rollback file is not schema, even when named or matched by a glob.
                let name = path.split(separator: "/").last.map(String.init) ?? path
                if !isRollbackFile(name) && !name.hasPrefix(".") { result.append(path) }
                continue
            }
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: full).filter {
                    $0.hasSuffix(".sql") && !$0.hasPrefix(".") && !isRollbackFile($0)
                }
            } catch {
                throw SchemaSourceError(file: path, line: nil, message: "cannot be read: \(error)")
            }
            result += names.sorted { left, right in
                let leftVersion = try? MigrationName.parse(left).get().version
                let rightVersion = try? MigrationName.parse(right).get().version
                if let leftVersion, let rightVersion, leftVersion != rightVersion {
                    return leftVersion < rightVersion
                }
                return left < right
            }.map { path + "/" + $0 }
        }
        return result
    }

    /// A golang-migrate rollback file (`000001_init.down.sql`): never schema, as sqlc skips it (applied, it would
    /// undo its Up, and a retry after the later files could even succeed).
    static func isRollbackFile(_ path: String) -> Bool {
        path.hasSuffix(".down.sql")
    }

    /// The lines that start a file's rollback part in the formats sqlc reads (lowercased, at a line's start):
    /// goose, sql-migrate, tern and dbmate.
    static let rollbackMarkers = [
        "-- +goose down", "-- +migrate down", "---- create above / drop below ----", "-- migrate:down",
    ]

    /// `text` up to its first rollback marker line (``rollbackMarkers``), as sqlc reads a schema file.
    static func upPart(of text: String) -> String {
        var offset = text.startIndex
        while offset < text.endIndex {
            let end = text[offset...].firstIndex(of: "\n") ?? text.endIndex
            let line = text[offset..<end]
            if line.hasPrefix("--") {
                let lowered = line.lowercased()
                if rollbackMarkers.contains(where: { lowered.hasPrefix($0) }) { return String(text[..<offset]) }
            }
            offset = end < text.endIndex ? text.index(after: end) : end
        }
        return text
    }

    private static func read(_ file: String, full: String) throws(SchemaSourceError) -> Unit {
        guard let data = FileManager.default.contents(atPath: full), let text = String(data: data, encoding: .utf8)
        else {
            throw SchemaSourceError(file: file, line: nil, message: "cannot be read as UTF-8 text")
        }
        guard text.contains("+goose Up") else {
            return Unit(mode: .file, scripts: [Script(file: file, line: 1, sql: upPart(of: text))])
        }
        switch GooseParser().parse(text, direction: .up) {
        case .success(let section):
            return Unit(
                mode: section.transactionMode.isTransactional ? .transaction : .statements,
                scripts: section.statements.map { Script(file: file, line: $0.line, sql: $0.sql) })
        case .failure(let error):
            throw SchemaSourceError(file: file, line: error.line, message: error.description)
        }
    }

    /// `paths` with glob patterns (`*`, `?`, `[…]`, as sqlc accepts them: `schema/*.sql`) replaced by the paths they
    /// match, sorted; a pattern that matches nothing is an error naming the key.
    static func expandingGlobs(_ paths: [String], base: String, key: String) throws(SchemaSourceError) -> [String] {
        var result: [String] = []
        for path in paths {
            guard path.contains(where: { "*?[".contains($0) }) else {
                result.append(path)
                continue
            }
            let prefix = path.hasPrefix("/") ? "" : base + "/"
            var matches = glob_t()
            defer { globfree(&matches) }
            guard glob(prefix + path, 0, nil, &matches) == 0 else {
                throw SchemaSourceError(
                    file: path, line: nil, message: "matches no file; check the pattern in `\(key):`")
            }
            var found: [String] = []
            for index in 0..<Int(matches.gl_pathc) {
                guard let match = matches.gl_pathv[index].map({ String(cString: $0) }) else { continue }
                // As sqlc: of the files a pattern matches, only `.sql` ones (`queries/**` in a directory that also
                // holds sqlc's generated `.go` files); directories are read for theirs.
                var isDirectory: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: match, isDirectory: &isDirectory)
                guard isDirectory.boolValue || match.hasSuffix(".sql") else { continue }
                found.append(String(match.dropFirst(prefix.count)))
            }
            guard !found.isEmpty else {
                throw SchemaSourceError(
                    file: path, line: nil, message: "matches no .sql file; check the pattern in `\(key):`")
            }
            result += found.sorted()
        }
        return result
    }

    /// Blank and comment-only lines at the start of `sql` (a split statement keeps the comments before it).
    static func leadingLines(_ sql: String) -> Int {
        var count = 0
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.isEmpty || trimmed.hasPrefix("--") else { break }
            count += 1
        }
        return count
    }

    /// Whether a statement of this parse-tree kind changes the schema (sqlc reads such statements in query files
    /// into its catalog): CREATE, ALTER, DROP, COMMENT and their kin; not queries, DML, SET or transaction control.
    static func isSchemaChange(_ nodeType: String) -> Bool {
        if nodeType.hasPrefix("Create") || nodeType.hasPrefix("Alter") || nodeType.hasPrefix("Drop") {
            // Not the cluster's: databases, tablespaces, roles, system settings.
            return ![
                "CreatedbStmt", "DropdbStmt", "AlterDatabaseStmt", "AlterDatabaseSetStmt", "AlterSystemStmt",
                "CreateTableSpaceStmt", "DropTableSpaceStmt", "CreateRoleStmt", "AlterRoleStmt", "DropRoleStmt",
            ].contains(nodeType)
        }
        return [
            "ViewStmt", "IndexStmt", "CompositeTypeStmt", "DefineStmt", "RenameStmt", "CommentStmt", "RuleStmt",
            "CreateEnumStmt", "CreateDomainStmt", "CreateFunctionStmt", "CreateTrigStmt", "GrantStmt",
        ].contains(nodeType)
    }

    /// A plain file's statements, as PostgreSQL's parser delimits them, each with the line of its first
    /// character (leading white space dropped; comments before a statement stay with it); `[]` for only comments,
    /// `nil` when the text does not parse (then it runs whole, and PostgreSQL's error names the place).
    static func statements(of script: Script) -> [Script]? {
        guard let split = try? SQLGrammar.split(script.sql) else { return nil }
        let bytes = Array(script.sql.utf8)
        var line = script.line
        var counted = 0
        return split.compactMap { statement in
            var start = statement.byteOffset
            let end = statement.byteOffset + statement.byteLength
            while start < end, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[start]) { start += 1 }
            guard start < end else { return nil }
            for byte in bytes[counted..<start] where byte == UInt8(ascii: "\n") { line += 1 }
            counted = start
            return Script(file: script.file, line: line, sql: String(decoding: bytes[start..<end], as: UTF8.self))
        }
    }
}

/// A schema file that cannot be read or applied: a ``Diagnostic`` (`schema-rejected` when PostgreSQL refused a
/// statement, `schema-unreadable` otherwise), with PostgreSQL's SQLSTATE kept for the generator's decisions.
public struct SchemaSourceError: DiagnosticsConvertible, Sendable, Hashable {
    public var file: String
    public var line: Int?
    public var message: String
    /// PostgreSQL's SQLSTATE, when it rejected the statement.
    public var sqlState: String?

    public init(file: String, line: Int?, message: String, sqlState: String? = nil) {
        self.file = file
        self.line = line
        self.message = message
        self.sqlState = sqlState
    }

    /// PostgreSQL said what the statement creates already exists (a table, column, type, role, schema, function).
    public var alreadyExists: Bool {
        ["42P07", "42701", "42710", "42P06", "42723", "42P04"].contains(sqlState ?? "")
    }

    public var diagnostics: [Diagnostic] {
        [.codegen(sqlState == nil ? "schema-unreadable" : "schema-rejected", file: file, line: line, message: message)]
    }
}

/// SHA-256 over length-prefixed strings, so `["ab", "c"]` and `["a", "bc"]` differ.
struct SHA256Accumulator {
    private var bytes: [UInt8] = []

    mutating func add(_ text: String) {
        let utf8 = Array(text.utf8)
        var count = UInt64(utf8.count).bigEndian
        withUnsafeBytes(of: &count) { bytes += $0 }
        bytes += utf8
    }

    var hex: String { MigrationChecksum.fileChecksum(ofBytes: bytes) }
}
