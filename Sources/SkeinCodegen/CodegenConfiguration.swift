import Foundation
public import SkeinCore
import Yams

/// What to generate, read from sqlc's version-2 configuration: `skein.yaml`'s `sql:` list with a `gen: swift:`
/// block, or — for a team that keeps one `sqlc.yaml` for sqlc and Skein — sqlc's plugin form
/// (`plugins: [{name: swift, …}]` and `codegen: [{plugin: swift, out, options}]` in a `sql:` entry), since real
/// sqlc rejects unknown `gen` keys.
public struct CodegenConfiguration: Sendable, Hashable {
    /// One `sql:` entry that generates Swift.
    public struct Package: Sendable, Hashable {
        /// Schema files or directories (a goose directory: only Up sections, in version order).
        public var schema: [String]
        /// Query files or directories.
        public var queries: [String]
        public var options: SwiftOptions
        /// sqlc's `database: {uri: …}`, as written (`${VAR}` unexpanded): for an entry without `schema:` (sqlc's
        /// database-backed analysis), the database whose schema the queries are described against, as it is: nothing
        /// is applied to it. With `schema:` the schema files are applied to a scratch database as always, and this
        /// is not used.
        public var database: String?

        /// Whether the queries are described on ``database`` (no `schema:` to apply).
        public var describesOnOwnDatabase: Bool { schema.isEmpty && database != nil }

        /// ``database`` with `${NAME}` and `$NAME` replaced from `environment`, as sqlc does (Go's `os.ExpandEnv`).
        /// - Throws: ``UnsetVariable`` for a name `environment` does not hold: Go would put nothing there, and the
        ///   URL would fail later saying less.
        public func databaseURL(environment: [String: String]) throws(UnsetVariable) -> String? {
            guard let database else { return nil }
            var result = ""
            var rest = Substring(database)
            while let dollar = rest.firstIndex(of: "$") {
                result += rest[..<dollar]
                var after = rest[rest.index(after: dollar)...]
                let name: Substring
                if after.first == "{", let close = after.firstIndex(of: "}") {
                    name = after[after.index(after: after.startIndex)..<close]
                    after = after[after.index(after: close)...]
                } else {
                    name = after.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
                    after = after.dropFirst(name.count)
                }
                if name.isEmpty {
                    result += "$"
                } else {
                    guard let value = environment[String(name)] else { throw UnsetVariable(name: String(name)) }
                    result += value
                }
                rest = after
            }
            return result + rest
        }

        /// A variable `database.uri` names that the environment does not set.
        public struct UnsetVariable: Error, Sendable, Hashable {
            public var name: String
        }
    }

    /// The `gen: swift:` options (or the plugin's `options:`).
    public struct SwiftOptions: Sendable, Hashable {
        public enum AccessLevel: String, Sendable, Hashable, CaseIterable {
            case `public`, package, `internal`
        }

        /// An `overrides` entry: a PostgreSQL type (`db_type`: `jsonb`, `pg_catalog.jsonb`, `public.mood`) or a
        /// column (`table.column` of a public table, `schema.table.column`) to a Swift type.
        public struct Override: Sendable, Hashable {
            public var databaseType: String?
            public var column: String?
            public var swiftType: SwiftType
            /// sqlc's `nullable:` key, read for compatibility: Skein applies a `db_type` override to nullable and
            /// `NOT NULL` columns alike (Swift spells nullability `T?`), so it changes nothing.
            public var nullable: Bool
            /// `conforms_to: [Hashable, Codable]`: what the type provides, so the structs that hold it keep those
            /// conformances (without it they are `Sendable` only: the generator cannot see the type).
            public var conformsTo: Set<String> = []

            /// `swiftType` as the configuration writes it: `Money`, `[Tag]`, `MyModule.Range<Int>`.
            public init(
                databaseType: String?, column: String?, swiftType: String, nullable: Bool, conformsTo: Set<String> = []
            ) {
                self.databaseType = databaseType
                self.column = column
                self.swiftType = SwiftType(parsing: swiftType)
                self.nullable = nullable
                self.conformsTo = conformsTo
            }
        }

        /// Where the generated files go (relative to the configuration file).
        public var out: String
        public var accessLevel: AccessLevel = .public
        /// Swift's counterpart of sqlc's `emit_json_tags`: models and rows conform to `Codable`.
        public var emitCodable = false
        /// Swift's counterpart of `emit_interface`: a protocol of the `Queries` methods, for mocking.
        public var emitProtocol = false
        public var overrides: [Override] = []
        /// `rename`: PostgreSQL name → Swift name.
        public var rename: [String: String] = [:]

        public init(out: String) {
            self.out = out
        }

        /// A field's or parameter's Swift name: `rename`'s, else the PostgreSQL name in camelCase.
        public func fieldName(_ postgresName: String) -> String {
            rename[postgresName] ?? QueryAnalyzer.memberName(postgresName)
        }

        /// A model's or enum's Swift name: `rename`'s (by `schema.name`, or by the bare name), else the name in
        /// UpperCamelCase — made singular for a model (`users` → `User`), prefixed with a schema other than public
        /// (`audit.events` → `AuditEvent`).
        public func typeName(schema: String, name: String, singular: Bool) -> String {
            let qualified = schema == "public" ? name : "\(schema).\(name)"
            if let renamed = rename[qualified] ?? rename[name] { return renamed }
            let words = schema == "public" ? name : "\(schema)_\(name)"
            return QueryAnalyzer.typeName(singular ? PackageAnalysis.singular(words) : words)
        }

        /// The `column:` override of a table's column, if any: written `schema.table.column`, or `table.column`
        /// for a table in `public` (sqlc's rule: no schema means the default one).
        public func override(schema: String, table: String, column: String) -> Override? {
            overrides.first {
                $0.column == "\(schema).\(table).\(column)" || (schema == "public" && $0.column == "\(table).\(column)")
            }
        }
    }

    public var packages: [Package]

    /// Keys known in a `gen: swift:` block / the plugin's `options:`.
    public static let optionKeys = ["out", "access_level", "emit_codable", "emit_protocol", "overrides", "rename"]

    /// Reads the configuration.
    /// - Parameters:
    ///   - path: the file, for messages.
    ///   - plainOut: where the `sql:` entries that name no Swift output generate (`skein generate --out`: an
    ///     unchanged sqlc.yaml, its `gen: go:` ignored): this directory for one such entry, `<it>/<gen.go.package>`
    ///     (else `<it>/sql<n>`) for each of several.
    /// - Throws: ``CodegenConfigurationError`` naming the file, the line and the key.
    public static func parse(_ text: String, path: String, plainOut: String? = nil)
        throws(CodegenConfigurationError) -> CodegenConfiguration
    {
        func fail(_ node: Node?, _ message: String) -> CodegenConfigurationError {
            CodegenConfigurationError(path: path, line: node?.mark.map { $0.line }, message: message)
        }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw fail(nil, "is empty; it needs a `sql:` list") }
            root = node
        } catch let error as CodegenConfigurationError {
            throw error
        } catch {
            throw fail(nil, "is not valid YAML: \(error)")
        }
        guard let mapping = root.mapping else { throw fail(root, "must be a mapping with `version: \"2\"` and `sql:`") }
        if let version = mapping["version"], version.string != "2" {
            throw fail(version, "version must be \"2\" (sqlc's version-2 format), not \(version.string ?? "?")")
        }
        var swiftPlugins: Set<String> = []
        if let plugins = mapping["plugins"] {
            guard let list = plugins.sequence else { throw fail(plugins, "plugins must be a list") }
            for plugin in list {
                if let name = plugin.mapping?["name"]?.string, name == "swift" || name.hasPrefix("skein") {
                    swiftPlugins.insert(name)
                }
            }
        }
        guard let sql = mapping["sql"] else { throw fail(root, "has no `sql:` list (sqlc's version-2 shape)") }
        guard let entries = sql.sequence else { throw fail(sql, "sql must be a list of packages") }
        var packages: [Package] = []
        // The entries with no Swift output of their own, for --out: the package's index and its directory's name.
        var plain: [(package: Int, name: String)] = []
        for entry in entries {
            guard let fields = entry.mapping else { throw fail(entry, "each sql entry must be a mapping") }
            if let engine = fields["engine"], engine.string != "postgresql" {
                throw fail(engine, "engine must be postgresql; Skein generates for PostgreSQL only")
            }
            func paths(_ key: String) throws(CodegenConfigurationError) -> [String] {
                guard let node = fields[key] else { throw fail(entry, "an sql entry needs `\(key):`") }
                if let single = node.string { return [single] }
                guard let list = node.sequence else { throw fail(node, "\(key) must be a path or a list of paths") }
                return list.compactMap(\.string)
            }
            var optionNodes: [Node] = []
            if let gen = fields["gen"], let swift = gen.mapping?["swift"] { optionNodes.append(swift) }
            if let codegen = fields["codegen"]?.sequence {
                for item in codegen {
                    guard let plugin = item.mapping?["plugin"]?.string, swiftPlugins.contains(plugin) else { continue }
                    var merged = item.mapping?["options"]?.mapping ?? Node.Mapping([])
                    if let out = item.mapping?["out"] { merged[Node("out")] = out }
                    optionNodes.append(Node.mapping(merged))
                }
            }
            // sqlc's database-backed analysis: no `schema:`, the queries described on the database's own schema.
            var database: String?
            if let node = fields["database"] {
                guard let settings = node.mapping else { throw fail(node, "database must be a mapping: {uri: …}") }
                if settings["managed"]?.bool == true, fields["schema"] == nil {
                    throw fail(
                        node,
                        "database: {managed: true} is sqlc Cloud's; give `schema:` (applied to a scratch database) or `database: {uri: …}` (a database with the schema applied)"
                    )
                }
                database = settings["uri"]?.string
            }
            func schemaPaths() throws(CodegenConfigurationError) -> [String] {
                if fields["schema"] == nil, database != nil { return [] }
                guard fields["schema"] != nil else {
                    throw fail(
                        entry,
                        "an sql entry needs `schema:` (files applied to a scratch database) or `database: {uri: …}` (a database whose schema the queries are described against)"
                    )
                }
                return try paths("schema")
            }
            for node in optionNodes {
                packages.append(
                    Package(
                        schema: try schemaPaths(), queries: try paths("queries"),
                        options: try options(node, fail: fail), database: database))
            }
            if optionNodes.isEmpty, plainOut != nil {
                let number = plain.count + 1
                var name = fields["gen"]?.mapping?["go"]?.mapping?["package"]?.string ?? "sql\(number)"
                // Two Go packages may share a name in different directories (e2b's two `queries`).
                if plain.contains(where: { $0.name == name }) { name += "\(number)" }
                plain.append((packages.count, name))
                packages.append(
                    Package(
                        schema: try schemaPaths(), queries: try paths("queries"), options: SwiftOptions(out: ""),
                        database: database))
            }
        }
        if let plainOut {
            for (index, name) in plain {
                packages[index].options.out = plain.count == 1 ? plainOut : plainOut + "/" + name
            }
        }
        guard !packages.isEmpty else {
            throw fail(
                sql,
                "no sql entry generates Swift: run `skein generate --out Sources/App/Queries` (the configuration stays as it is), or add `gen: {swift: {out: Sources/App/Queries}}` (skein.yaml) or a `codegen: [{plugin: swift, out: …}]` entry with `plugins: [{name: swift, …}]` (sqlc.yaml)"
            )
        }
        return CodegenConfiguration(packages: packages)
    }

    static func options(_ node: Node, fail: (Node?, String) -> CodegenConfigurationError)
        throws(CodegenConfigurationError) -> SwiftOptions
    {
        guard let mapping = node.mapping else { throw fail(node, "gen.swift must be a mapping (out: …)") }
        var options = SwiftOptions(out: "")
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            func bool() throws(CodegenConfigurationError) -> Bool {
                guard let flag = value.bool else { throw fail(value, "\(key) must be true or false") }
                return flag
            }
            switch key {
            case "out":
                guard let out = value.string, !out.isEmpty else { throw fail(value, "out must be a directory path") }
                options.out = out
            case "access_level":
                guard let level = value.string.flatMap(SwiftOptions.AccessLevel.init(rawValue:)) else {
                    throw fail(value, "access_level must be public, package or internal")
                }
                options.accessLevel = level
            case "emit_codable": options.emitCodable = try bool()
            case "emit_protocol": options.emitProtocol = try bool()
            case "rename":
                guard let renames = value.mapping else { throw fail(value, "rename must map names to Swift names") }
                for (from, to) in renames {
                    guard let from = from.string, let to = to.string else { throw fail(to, "rename values are names") }
                    options.rename[from] = to
                }
            case "overrides":
                guard let list = value.sequence else { throw fail(value, "overrides must be a list") }
                for item in list {
                    guard let fields = item.mapping else { throw fail(item, "an override must be a mapping") }
                    let swiftType = fields["swift_type"]?.string ?? fields["go_type"].flatMap { _ in nil }
                    guard let swiftType else {
                        throw fail(item, "an override needs `swift_type:` (the Swift type to use)")
                    }
                    let databaseType = fields["db_type"]?.string
                    let column = fields["column"]?.string
                    guard (databaseType == nil) != (column == nil) else {
                        throw fail(item, "an override needs exactly one of `db_type:` or `column:`")
                    }
                    for (overrideKey, _) in fields {
                        let name = overrideKey.string ?? ""
                        guard ["db_type", "column", "swift_type", "nullable", "conforms_to"].contains(name) else {
                            throw fail(
                                overrideKey,
                                "unknown key \"\(name)\" in an override; known keys: db_type, column, swift_type, nullable, conforms_to"
                            )
                        }
                    }
                    var conformsTo: Set<String> = []
                    if let list = fields["conforms_to"] {
                        guard let items = list.sequence else {
                            throw fail(list, "conforms_to must be a list: [Hashable, Codable]")
                        }
                        for protocolNode in items {
                            guard let name = protocolNode.string, ["Hashable", "Codable"].contains(name) else {
                                throw fail(protocolNode, "conforms_to takes Hashable and Codable")
                            }
                            conformsTo.insert(name)
                        }
                    }
                    options.overrides.append(
                        SwiftOptions.Override(
                            databaseType: databaseType, column: column, swiftType: swiftType,
                            nullable: fields["nullable"]?.bool ?? false, conformsTo: conformsTo))
                }
            default:
                throw fail(
                    keyNode, "unknown key \"\(key)\" in gen.swift; known keys: \(optionKeys.joined(separator: ", "))")
            }
        }
        guard !options.out.isEmpty else {
            throw fail(node, "gen.swift needs `out:` (the directory for the Swift files)")
        }
        return options
    }
}

/// A problem in the code generator's configuration.
public struct CodegenConfigurationError: DiagnosticsConvertible, Sendable, Hashable {
    public var path: String
    public var line: Int?
    public var message: String

    public var diagnostics: [Diagnostic] { [.codegen("configuration", file: path, line: line, message: message)] }
}
