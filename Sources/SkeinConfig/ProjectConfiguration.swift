public import SkeinCore
import Yams

/// `skein.yaml`, the one project configuration. Precedence everywhere: flags > environment >
/// `skein.yaml` > defaults. Documented in docs/configuration.md, schema in docs/schemas/skein.schema.json.
public struct ProjectConfiguration: Sendable, Hashable {
    /// `migrations-dir`: where the migrations are (Skein mode's default: `migrations`).
    public var migrationsDirectory: String?
    /// `version-table`: goose's version table (default `goose_db_version`).
    public var versionTable: String?
    /// `policy`: `enforce` or `warn` (default: `enforce` in Skein mode, `warn` in goose mode).
    public var policy: PolicyEnforcement?

    public init(migrationsDirectory: String? = nil, versionTable: String? = nil, policy: PolicyEnforcement? = nil) {
        self.migrationsDirectory = migrationsDirectory
        self.versionTable = versionTable
        self.policy = policy
    }

    /// The keys this version knows.
    public static let knownKeys = ["migrations-dir", "version-table", "policy"]

    /// Reads the configuration from YAML text.
    /// - Parameter path: the file's path, for messages.
    /// - Throws: ``ConfigurationError`` naming the file, the line and the key.
    public static func parse(_ text: String, path: String) throws(ConfigurationError) -> ProjectConfiguration {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError(path: path, line: nil, message: "is not valid YAML: \(error)")
        }
        guard let node else { return ProjectConfiguration() }
        guard let mapping = node.mapping else {
            throw ConfigurationError(
                path: path, line: node.mark.map { $0.line }, message: "must be a mapping of keys (migrations-dir: …)")
        }
        var configuration = ProjectConfiguration()
        for (keyNode, valueNode) in mapping {
            let line = keyNode.mark.map { $0.line }
            guard let key = keyNode.string else {
                throw ConfigurationError(path: path, line: line, message: "has a key that is not a string")
            }
            func string() throws(ConfigurationError) -> String {
                guard let value = valueNode.scalar?.string, valueNode.scalar != nil else {
                    throw ConfigurationError(path: path, line: line, message: "\(key) must be a string")
                }
                return value
            }
            switch key {
            case "migrations-dir":
                configuration.migrationsDirectory = try string()
            case "version-table":
                configuration.versionTable = try string()
            case "policy":
                let value = try string()
                guard let policy = PolicyEnforcement(rawValue: value) else {
                    throw ConfigurationError(
                        path: path, line: line, message: "policy must be \"enforce\" or \"warn\", not \"\(value)\"")
                }
                configuration.policy = policy
            default:
                throw ConfigurationError(
                    path: path, line: line,
                    message: "unknown key \"\(key)\"; known keys: \(knownKeys.joined(separator: ", "))")
            }
        }
        return configuration
    }
}

/// A problem in `skein.yaml`.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var line: Int?
    public var message: String

    public init(path: String, line: Int?, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        "\(path)\(line.map { ":\($0)" } ?? ""): \(message) (see docs/configuration.md)"
    }
}
