import Foundation
import SkeinConnection
import Yams

/// One database (or one schema of a database) a fleet migrates.
public struct FleetTarget: Sendable, Hashable, Codable {
    /// How reports name it (never the connection string, which may hold a password).
    public var name: String
    /// A libpq connection string (URL or key=value), read with the runner's rules.
    public var connectionString: String
    /// A group, for `--canary-group`.
    public var group: String?
    /// For schema-per-tenant: the schema the migrations run in (`search_path`) and whose version table they use.
    public var schema: String?

    public init(name: String, connectionString: String, group: String? = nil, schema: String? = nil) {
        self.name = name
        self.connectionString = connectionString
        self.group = group
        self.schema = schema
    }

    /// A name for a connection string without one: `database@host:port` (no user, no password), plus the schema.
    public static func defaultName(for connectionString: String, schema: String? = nil) -> String {
        guard let parsed = try? ConnectionString.parse(connectionString) else { return "target" }
        let database = parsed.parameters["dbname"] ?? "?"
        let host = parsed.parameters["host"] ?? "localhost"
        let port = parsed.parameters["port"].map { ":\($0)" } ?? ""
        return "\(database)@\(host)\(port)" + (schema.map { "/\($0)" } ?? "")
    }
}

/// A targets file is unusable: the file, the line, and why.
public struct FleetTargetsError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var line: Int?
    public var message: String
    public var description: String { "\(path)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

/// `--targets FILE`: a plain list (one connection string per line; `#` comments and blank lines skipped), or YAML — a
/// list of targets, or a mapping with `targets:` (in skein.yaml: under `fleet:`) — each a mapping with `url` (or
/// `dsn`: key=value), optional `name`, `group` and `schema`.
public enum FleetTargets {
    public static func parse(_ text: String, path: String) throws(FleetTargetsError) -> [FleetTarget] {
        try parse(text, path: path, yaml: false)
    }

    /// skein.yaml's `fleet:` section (`fleet: {targets: [...]}`).
    public static func parse(configuration text: String, path: String) throws(FleetTargetsError) -> [FleetTarget] {
        try parse(text, path: path, yaml: true)
    }

    static func parse(_ text: String, path: String, yaml: Bool) throws(FleetTargetsError) -> [FleetTarget] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let meaningful = lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty && !$0.hasPrefix("#")
        }
        let looksLikeYAML = yaml || (meaningful.first.map { $0.hasPrefix("-") || $0.hasPrefix("targets:") } ?? false)
        var targets: [FleetTarget]
        if looksLikeYAML {
            targets = try parseYAML(text, path: path)
        } else {
            targets = []
            for (index, line) in lines.enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
                try check(trimmed, path: path, line: index + 1)
                targets.append(FleetTarget(name: FleetTarget.defaultName(for: trimmed), connectionString: trimmed))
            }
        }
        guard !targets.isEmpty else {
            throw FleetTargetsError(path: path, line: nil, message: "lists no targets")
        }
        var seen: [String: Int] = [:]
        for target in targets {
            seen[target.name, default: 0] += 1
        }
        if let duplicate = seen.first(where: { $0.value > 1 })?.key {
            throw FleetTargetsError(
                path: path, line: nil,
                message: "names the target \(duplicate) more than once; give each a distinct name: (YAML) or schema:")
        }
        return targets
    }

    private static func check(_ connectionString: String, path: String, line: Int?) throws(FleetTargetsError) {
        do {
            try ConnectionString.parse(connectionString).validate()
        } catch {
            throw FleetTargetsError(path: path, line: line, message: "not a connection string: \(error)")
        }
    }

    private static func parseYAML(_ text: String, path: String) throws(FleetTargetsError) -> [FleetTarget] {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw FleetTargetsError(path: path, line: nil, message: "is not valid YAML: \(error)")
        }
        let list: Node.Sequence?
        if var mapping = node?.mapping {
            // skein.yaml: the `fleet:` section holds the targets.
            if let fleet = mapping["fleet"]?.mapping { mapping = fleet }
            guard let targets = mapping["targets"]?.sequence else {
                throw FleetTargetsError(path: path, line: nil, message: "needs a targets: list")
            }
            list = targets
        } else {
            list = node?.sequence
        }
        guard let list else {
            throw FleetTargetsError(path: path, line: nil, message: "must be a list of targets (- url: …)")
        }
        var targets: [FleetTarget] = []
        for item in list {
            let line = item.mark.map { $0.line }
            guard let mapping = item.mapping else {
                // A bare string in the list is a connection string.
                guard let string = item.string else {
                    throw FleetTargetsError(path: path, line: line, message: "a target must be a mapping (url: …)")
                }
                try check(string, path: path, line: line)
                targets.append(FleetTarget(name: FleetTarget.defaultName(for: string), connectionString: string))
                continue
            }
            for key in mapping.keys.compactMap(\.string) where !["name", "url", "dsn", "group", "schema"].contains(key)
            {
                throw FleetTargetsError(
                    path: path, line: line, message: "unknown key \"\(key)\"; known: name, url, dsn, group, schema")
            }
            guard let connection = mapping["url"]?.string ?? mapping["dsn"]?.string else {
                throw FleetTargetsError(path: path, line: line, message: "a target needs url: (or dsn:)")
            }
            try check(connection, path: path, line: line)
            let schema = mapping["schema"]?.string
            if let schema,
                schema.isEmpty
                    || !schema.unicodeScalars.allSatisfy({
                        $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)
                    })
            {
                throw FleetTargetsError(
                    path: path, line: line,
                    message:
                        "schema \"\(schema)\" must be a plain identifier (letters, digits, _): it goes into search_path"
                )
            }
            targets.append(
                FleetTarget(
                    name: mapping["name"]?.string ?? FleetTarget.defaultName(for: connection, schema: schema),
                    connectionString: connection, group: mapping["group"]?.string, schema: schema))
        }
        return targets
    }
}
