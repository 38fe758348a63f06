public import SkeinCore
public import SkeinGovernance
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
    /// `lint`: rule severities, excluded paths, a baseline version.
    public var lint = LintSettings()
    /// The runner's defaults for the flags of the same names (Go duration syntax; a flag wins).
    public var run = RunSettings()
    /// `gates:` what `up` does with a changed applied file and an unapproved destructive migration.
    public var gates = GateSettings()
    /// `backup-dir`: where `up`/`down` put a `pg_dump -Fc` backup before migrating (`--backup` wins).
    public var backupDirectory: String?

    /// The `gates:` section: each `refuse` or `warn` (default: `refuse` in Skein mode, `warn` in goose mode).
    public struct GateSettings: Sendable, Hashable {
        /// `modified`: an applied migration's Up changed since it ran.
        public var modified: ModifiedPolicy?
        /// `destructive`: a `-- DESTRUCTIVE:` migration without a valid approval.
        public var destructive: DestructivePolicy?
        /// `backup`: a `-- DESTRUCTIVE:` migration without a backup (`--backup DIR` / `backup-dir`).
        public var backup: BackupPolicy?

        public init() {}
    }

    /// `lock-timeout`, `statement-timeout`, `lock-wait`, `warn-after`: each in seconds, 0 meaning off.
    public struct RunSettings: Sendable, Hashable {
        /// PostgreSQL `lock_timeout` for migration statements. When set, lint's `require-lock-timeout` is satisfied.
        public var lockTimeout: Double?
        /// PostgreSQL `statement_timeout` for migration statements.
        public var statementTimeout: Double?
        /// How long to wait for another run's migration lock.
        public var lockWait: Double?
        /// When to report a statement that is still running, with who blocks it.
        public var warnAfter: Double?
        /// `lock_timeout` for `CONCURRENTLY` statements (default: none).
        public var concurrentLockTimeout: Double?
        /// `lock-retries`: attempts after the first when a lock is not granted in time (0: none).
        public var lockRetries: Int?
        /// `lock-retry-deadline`: no retry (or pre-flight wait) starts after this long, in seconds.
        public var lockRetryDeadline: Double?
        /// `preflight`: `wait`, `refuse` or `off`.
        public var preflight: String?
        /// `reset-session`: reset the session between files (Skein's grammar: yes; goose's: no).
        public var resetSession: Bool?
        /// `rebuild-invalid-indexes`: drop the INVALID index a failed CONCURRENTLY build left before building it
        /// again (Skein's grammar: yes; goose's: no).
        public var rebuildInvalidIndexes: Bool?
        /// `lock`: `session`, `table` or `none` (the CLI checks the value).
        public var lock: String?
        /// `lock-lease`: the table lock's lease, in seconds (goose: 30 s).
        public var lockLease: Double?
        /// `lock-heartbeat`: how often the table lock's lease is renewed, in seconds (goose: 5 s).
        public var lockHeartbeat: Double?

        public init() {}
    }

    /// The `lint:` section.
    public struct LintSettings: Sendable, Hashable {
        /// `rules`: rule id → `error`, `warning`, `info` or `off` (checked against the rule list by the CLI).
        public var rules: [String: String] = [:]
        /// The line of each `rules` entry, for messages.
        public var ruleLines: [String: Int] = [:]
        /// `exclude`: paths (or path prefixes, or `*` globs) not to lint.
        public var exclude: [String] = []
        /// `baseline`: report only files with a higher version (earlier files are still read for context).
        public var baseline: Int64?
        /// `postgres-version`: the PostgreSQL major version the rules assume (default 15).
        public var postgresVersion: Int?

        public init() {}
    }

    public init(migrationsDirectory: String? = nil, versionTable: String? = nil, policy: PolicyEnforcement? = nil) {
        self.migrationsDirectory = migrationsDirectory
        self.versionTable = versionTable
        self.policy = policy
    }

    /// The keys this version knows.
    public static let knownKeys = [
        "migrations-dir", "version-table", "policy", "lint", "lock-timeout", "statement-timeout", "lock-wait",
        "warn-after", "concurrent-lock-timeout", "lock-retries", "lock-retry-deadline", "preflight", "reset-session",
        "rebuild-invalid-indexes", "lock", "lock-lease", "lock-heartbeat",
        "gates", "backup-dir", "version", "sql", "plugins", "fleet",
    ]
    /// The keys of the `lint:` section.
    public static let knownLintKeys = ["rules", "exclude", "baseline", "postgres-version"]

    /// Reads the configuration from YAML text.
    /// - Parameter path: the file's path, for messages.
    /// - Throws: ``ConfigurationError`` naming the file, the line and the key.
    public static func parse(_ text: String, path: String) throws(ConfigurationError) -> ProjectConfiguration {
        let node: Node?
        let lines = YAMLLines(text)
        do {
            node = try Yams.compose(yaml: text)
        } catch YamlError.duplicatedKeysInMapping(let duplicates, let context) {
            // Yams sorts the keys as nodes, which is no order once a key is not a string (its message then changes
            // from one call to the next), and quotes the whole file: name them here, sorted.
            let keys = duplicates.filter { $0 != "<uncovertable>" }.sorted().map { "\"\($0)\"" }
            let named = keys + (keys.count < duplicates.count ? ["one that is not a string"] : [])
            let list = named.count == 1 ? named[0] : named.dropLast().joined(separator: ", ") + " and " + named.last!
            throw ConfigurationError(
                path: path, line: keys.count == duplicates.count ? min(context.mark.line, lines.count) : nil,
                message:
                    "repeats the key\(named.count == 1 ? "" : "s") \(list) in one mapping; each key may appear once")
        } catch {
            throw ConfigurationError(path: path, line: nil, message: "is not valid YAML: \(error)")
        }
        guard let node else { return ProjectConfiguration() }
        guard let mapping = node.mapping else {
            throw ConfigurationError(
                path: path, line: lines.line(of: node), message: "must be a mapping of keys (migrations-dir: …)")
        }
        var configuration = ProjectConfiguration()
        for (keyNode, valueNode) in mapping {
            let line = lines.line(of: keyNode)
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
            case "lint":
                configuration.lint = try parseLint(valueNode, path: path, line: line, lines: lines)
            case "backup-dir":
                configuration.backupDirectory = try string()
            case "gates":
                guard let gates = valueNode.mapping else {
                    throw ConfigurationError(
                        path: path, line: line,
                        message: "gates must be a mapping (modified: refuse, destructive: refuse)")
                }
                for (gateNode, policyNode) in gates {
                    let gate = gateNode.string ?? ""
                    let gateLine = lines.line(of: gateNode)
                    let text = policyNode.scalar?.string ?? ""
                    guard ["modified", "destructive", "backup"].contains(gate) else {
                        throw ConfigurationError(
                            path: path, line: gateLine,
                            message: "unknown key \"gates.\(gate)\"; known keys: modified, destructive, backup")
                    }
                    guard let setting = GateSetting(rawValue: text) else {
                        throw ConfigurationError(
                            path: path, line: gateLine,
                            message: "gates.\(gate) must be refuse or warn, not \"\(text)\"")
                    }
                    switch gate {
                    case "modified": configuration.gates.modified = ModifiedPolicy(setting)
                    case "destructive": configuration.gates.destructive = DestructivePolicy(setting)
                    default: configuration.gates.backup = BackupPolicy(setting)
                    }
                }
            case "lock-retries":
                let text = try string()
                guard let count = text == "off" ? 0 : Int(text), count >= 0 else {
                    throw ConfigurationError(
                        path: path, line: line,
                        message:
                            "lock-retries must be a whole number of retries (0 turns retrying off), not \"\(text)\"")
                }
                configuration.run.lockRetries = count
            case "preflight":
                let text = try string()
                guard ["wait", "refuse", "off"].contains(text) else {
                    throw ConfigurationError(
                        path: path, line: line, message: "preflight must be wait, refuse or off, not \"\(text)\"")
                }
                configuration.run.preflight = text
            case "reset-session", "rebuild-invalid-indexes":
                guard let value = valueNode.bool else {
                    throw ConfigurationError(
                        path: path, line: line,
                        message: "\(key) must be true or false, not \"\(valueNode.scalar?.string ?? "")\"")
                }
                if key == "reset-session" {
                    configuration.run.resetSession = value
                } else {
                    configuration.run.rebuildInvalidIndexes = value
                }
            case "lock":
                let text = try string()
                guard ["session", "table", "none"].contains(text) else {
                    throw ConfigurationError(
                        path: path, line: line, message: "lock must be session, table or none, not \"\(text)\"")
                }
                configuration.run.lock = text
            case "lock-timeout", "statement-timeout", "lock-wait", "warn-after", "concurrent-lock-timeout",
                "lock-retry-deadline", "lock-lease", "lock-heartbeat":
                let text = try string()
                guard let seconds = GoDuration.parse(text), seconds >= 0 else {
                    throw ConfigurationError(
                        path: path, line: line,
                        message:
                            "\(key) must be a duration in Go's syntax such as 5s, 90s or 1h13m (0 turns it off), not \"\(text)\""
                    )
                }
                switch key {
                case "lock-timeout": configuration.run.lockTimeout = seconds
                case "statement-timeout": configuration.run.statementTimeout = seconds
                case "lock-wait": configuration.run.lockWait = seconds
                case "concurrent-lock-timeout": configuration.run.concurrentLockTimeout = seconds
                case "lock-retry-deadline": configuration.run.lockRetryDeadline = seconds
                case "lock-lease", "lock-heartbeat":
                    guard seconds >= 1 else {
                        throw ConfigurationError(
                            path: path, line: line, message: "\(key) must be at least 1s, not \"\(text)\"")
                    }
                    if key == "lock-lease" {
                        configuration.run.lockLease = seconds
                    } else {
                        configuration.run.lockHeartbeat = seconds
                    }
                default: configuration.run.warnAfter = seconds
                }
            case "fleet":
                // `skein fleet` reads its targets from here (SkeinFleet's FleetTargets).
                continue
            case "version", "sql", "plugins":
                // sqlc's version-2 keys: `skein generate` reads them (SkeinCodegen's CodegenConfiguration).
                continue
            default:
                throw ConfigurationError(
                    path: path, line: line,
                    message: "unknown key \"\(key)\"; known keys: \(knownKeys.joined(separator: ", "))")
            }
        }
        return configuration
    }
}

extension ProjectConfiguration {
    static func parseLint(_ node: Node, path: String, line: Int?, lines: YAMLLines) throws(ConfigurationError)
        -> LintSettings
    {
        guard let mapping = node.mapping else {
            throw ConfigurationError(
                path: path, line: line, message: "lint must be a mapping (rules:, exclude:, baseline:)")
        }
        var settings = LintSettings()
        for (keyNode, valueNode) in mapping {
            let keyLine = lines.line(of: keyNode)
            let key = keyNode.string ?? ""
            switch key {
            case "rules":
                guard let rules = valueNode.mapping else {
                    throw ConfigurationError(
                        path: path, line: keyLine,
                        message: "lint.rules must map rule ids to error, warning, info or off")
                }
                for (ruleNode, severityNode) in rules {
                    let rule = ruleNode.string ?? ""
                    var value = severityNode.scalar?.string ?? ""
                    if value == "false" { value = "off" }  // YAML 1.1 readers turn a bare off into false
                    guard ["error", "warning", "info", "off"].contains(value) else {
                        throw ConfigurationError(
                            path: path, line: lines.line(of: ruleNode),
                            message: "lint.rules.\(rule) must be error, warning, info or off, not \"\(value)\"")
                    }
                    settings.rules[rule] = value
                    settings.ruleLines[rule] = lines.line(of: ruleNode)
                }
            case "exclude":
                guard let list = valueNode.sequence else {
                    throw ConfigurationError(path: path, line: keyLine, message: "lint.exclude must be a list of paths")
                }
                settings.exclude = list.compactMap { $0.scalar?.string }
            case "baseline":
                guard let text = valueNode.scalar?.string, let version = Int64(text) else {
                    throw ConfigurationError(
                        path: path, line: keyLine,
                        message: "lint.baseline must be a migration version (e.g. 20240101120000)")
                }
                settings.baseline = version
            case "postgres-version":
                guard let text = valueNode.scalar?.string, let version = Int(text), (9...30).contains(version) else {
                    throw ConfigurationError(
                        path: path, line: keyLine, message: "lint.postgres-version must be a major version such as 15")
                }
                settings.postgresVersion = version
            default:
                throw ConfigurationError(
                    path: path, line: keyLine,
                    message: "unknown key \"lint.\(key)\"; known keys: \(knownLintKeys.joined(separator: ", "))")
            }
        }
        return settings
    }
}

/// The lines of a YAML text, to name a node's line. libyaml puts what ends at the end of a file that has no final
/// line break (`---`, `key: &anchor`) on the line after the last; Skein names the last line instead.
struct YAMLLines {
    /// The number of lines: YAML's line breaks are LF, CR, CRLF, NEL, LS and PS.
    let count: Int

    init(_ text: String) {
        var breaks = 0
        var previous: Unicode.Scalar?
        var last: Unicode.Scalar?
        for scalar in text.unicodeScalars {
            if ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains(scalar), !(scalar == "\n" && previous == "\r") {
                breaks += 1
            }
            previous = scalar
            last = scalar
        }
        // Text after the last line break is one more line.
        let endsWithBreak = last.map { ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains($0) } ?? true
        count = max(1, breaks + (endsWithBreak ? 0 : 1))
    }

    func line(of node: Node) -> Int? {
        node.mark.map { min($0.line, count) }
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
