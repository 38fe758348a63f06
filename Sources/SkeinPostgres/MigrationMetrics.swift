public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The policy's migration metrics (execution time, success and failure rates, rollbacks, database size changes),
/// computed from Skein's audit log: a pure view over ``AuditEntry`` rows, rendered as Prometheus text (exposition
/// format 0.0.4) or encoded as JSON (`{"schemaVersion": 1, …}`).
///
/// Every series has bounded cardinality: one per migration version and direction (the latest attempt), a fixed set
/// per outcome, and single gauges for the last run. Nothing is labelled with a run id or a time, so a monitoring
/// stack scraping the same database for years keeps a constant number of series.
///
/// ```swift
/// let entries = try await migrator.history(on: connection, logger: logger)
/// let metrics = MigrationMetrics(entries: entries, now: Date())
/// try metrics.writeAtomically(to: "/var/lib/node_exporter/textfile/skein.prom")
/// ```
public struct MigrationMetrics: Sendable, Hashable, Codable {
    /// The latest attempt of one migration in one direction.
    public struct Attempt: Sendable, Hashable, Codable {
        public var version: Int64
        public var file: String?
        /// `up` or `down`.
        public var direction: String
        /// `applied`, `rolled-back` or `failed`.
        public var outcome: String
        public var startedAt: Date
        /// How long the attempt took (until the failure, for a failed one).
        public var durationSeconds: Double?

        public init(
            version: Int64, file: String?, direction: String, outcome: String, startedAt: Date, durationSeconds: Double?
        ) {
            self.version = version
            self.file = file
            self.direction = direction
            self.outcome = outcome
            self.startedAt = startedAt
            self.durationSeconds = durationSeconds
        }
    }

    /// How many migration attempts (with a direction) or runs (without one) ended with an outcome.
    public struct Count: Sendable, Hashable, Codable {
        /// `up` or `down` for migration attempts; `nil` for runs.
        public var direction: String?
        public var outcome: String
        public var count: Int

        public init(direction: String?, outcome: String, count: Int) {
            self.direction = direction
            self.outcome = outcome
            self.count = count
        }
    }

    /// The most recent run (`skein up`, `down`, …): its outcome, timing and the database's size around it.
    public struct Run: Sendable, Hashable, Codable {
        public var runID: String?
        public var command: String?
        /// `applied`, `rolled-back` or `failed`.
        public var outcome: String
        public var startedAt: Date
        public var finishedAt: Date?
        public var durationSeconds: Double?
        public var databaseSizeBefore: Int64?
        public var databaseSizeAfter: Int64?

        /// After minus before, in bytes; `nil` unless both are known.
        public var databaseSizeChange: Int64? {
            guard let before = databaseSizeBefore, let after = databaseSizeAfter else { return nil }
            return after - before
        }

        public init(
            runID: String?, command: String?, outcome: String, startedAt: Date, finishedAt: Date?,
            durationSeconds: Double?, databaseSizeBefore: Int64?, databaseSizeAfter: Int64?
        ) {
            self.runID = runID
            self.command = command
            self.outcome = outcome
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.durationSeconds = durationSeconds
            self.databaseSizeBefore = databaseSizeBefore
            self.databaseSizeAfter = databaseSizeAfter
        }
    }

    /// When the metrics were computed (JSON only: Prometheus text carries no time of its own, so the same log
    /// renders the same text).
    public var generatedAt: Date
    /// The latest attempt per version and direction, by version, `up` before `down`.
    public var latestAttempts: [Attempt]
    /// Migration attempts by direction and outcome: always `up/applied`, `up/failed`, `down/rolled-back`,
    /// `down/failed` (zero when none), plus any other pair the log holds.
    public var migrationCounts: [Count]
    /// Runs by outcome: always `applied`, `rolled-back`, `failed`, plus any other outcome the log holds.
    public var runCounts: [Count]
    /// Failed attempts / all attempts; `0` when there was no attempt (never NaN).
    public var failureRatio: Double
    /// The most recent run, `nil` before the first.
    public var lastRun: Run?
    /// goose's current version as the audit log last recorded it (`0`: none).
    public var currentVersion: Int64

    /// Computes the metrics of an audit log.
    /// - Parameters:
    ///   - entries: the audit rows (any order; they are read by `id`), e.g. ``Migrator/history(since:version:on:logger:)``.
    ///   - now: the time of computation, kept as ``generatedAt``.
    public init(entries: [AuditEntry], now: Date) {
        let entries = entries.sorted { $0.id < $1.id }
        generatedAt = now

        var latest: [String: Attempt] = [:]
        var migrationTally: [String: Count] = [:]
        for (direction, outcome) in [("up", "applied"), ("up", "failed"), ("down", "rolled-back"), ("down", "failed")] {
            migrationTally["\(direction) \(outcome)"] = Count(direction: direction, outcome: outcome, count: 0)
        }
        var runTally: [String: Count] = [:]
        for outcome in ["applied", "rolled-back", "failed"] {
            runTally[outcome] = Count(direction: nil, outcome: outcome, count: 0)
        }
        // goose's current version = the most recently applied version still applied; a successful run's row
        // states it (the planner's version after), migrate rows move it in between.
        var appliedOrder: [Int64] = []
        var current: Int64 = 0
        var lastRun: Run?
        for entry in entries {
            switch entry.action {
            case "migrate":
                guard let version = entry.versionID, let direction = entry.direction else { continue }
                latest["\(version) \(direction)"] = Attempt(
                    version: version, file: entry.file, direction: direction, outcome: entry.outcome,
                    startedAt: entry.startedAt, durationSeconds: entry.durationSeconds)
                migrationTally[
                    "\(direction) \(entry.outcome)",
                    default: Count(
                        direction: direction, outcome: entry.outcome, count: 0)
                ].count += 1
                Self.move(&current, &appliedOrder, version: version, outcome: entry.outcome)
            case "repair":
                if let version = entry.versionID {
                    Self.move(&current, &appliedOrder, version: version, outcome: entry.outcome)
                }
            case "run":
                runTally[entry.outcome, default: Count(direction: nil, outcome: entry.outcome, count: 0)].count += 1
                if entry.outcome != "failed", let version = entry.versionID { current = version }
                lastRun = Run(
                    runID: entry.runID, command: entry.command, outcome: entry.outcome, startedAt: entry.startedAt,
                    finishedAt: entry.finishedAt, durationSeconds: entry.durationSeconds,
                    databaseSizeBefore: entry.databaseSizeBefore, databaseSizeAfter: entry.databaseSizeAfter)
            default:
                continue
            }
        }
        latestAttempts = latest.values.sorted {
            ($0.version, $0.direction == "up" ? 0 : 1, $0.direction) < (
                $1.version, $1.direction == "up" ? 0 : 1, $1.direction
            )
        }
        migrationCounts = migrationTally.values.sorted {
            ($0.direction == "up" ? 0 : 1, $0.direction ?? "", $0.outcome) < (
                $1.direction == "up" ? 0 : 1, $1.direction ?? "", $1.outcome
            )
        }
        runCounts = runTally.values.sorted { $0.outcome < $1.outcome }
        let attempts = migrationCounts.reduce(0) { $0 + $1.count }
        let failures = migrationCounts.filter { $0.outcome == "failed" }.reduce(0) { $0 + $1.count }
        failureRatio = attempts == 0 ? 0 : Double(failures) / Double(attempts)
        self.lastRun = lastRun
        currentVersion = current
    }

    /// One applied or rolled-back version moves goose's current version.
    private static func move(_ current: inout Int64, _ applied: inout [Int64], version: Int64, outcome: String) {
        switch outcome {
        case "applied":
            applied.removeAll { $0 == version }
            applied.append(version)
            current = version
        case "rolled-back":
            applied.removeAll { $0 == version }
            if current == version { current = applied.last ?? 0 }
        default:
            break
        }
    }
}

// MARK: - Prometheus text

extension MigrationMetrics {
    /// The metric families in Prometheus's text exposition format 0.0.4 (`text/plain; version=0.0.4`): `# HELP` and
    /// `# TYPE` lines, label values escaped, no sample timestamps (the node_exporter textfile collector rejects
    /// them), a final newline. The same metrics always render the same text.
    public func prometheusText() -> String {
        var text = ""
        func family(
            _ name: String, _ type: String, _ help: String, _ samples: [(labels: [(String, String)], value: String)]
        ) {
            text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(type)\n"
            for sample in samples {
                let labels =
                    sample.labels.isEmpty
                    ? ""
                    : "{" + sample.labels.map { "\($0.0)=\"\(Self.escapeLabelValue($0.1))\"" }.joined(separator: ",")
                        + "}"
                text += "\(name)\(labels) \(sample.value)\n"
            }
        }
        family(
            "skein_migration_duration_seconds", "gauge",
            "Duration of the latest attempt of each migration, per version and direction (until the failure for a failed attempt).",
            latestAttempts.compactMap { attempt in
                attempt.durationSeconds.map {
                    (
                        [
                            ("version", String(attempt.version)), ("file", attempt.file ?? ""),
                            ("direction", attempt.direction),
                        ],
                        Self.number($0)
                    )
                }
            })
        family(
            "skein_migrations_total", "counter",
            "Migration attempts recorded in the audit log, by direction and outcome (applied, rolled-back, failed).",
            migrationCounts.map { ([("direction", $0.direction ?? ""), ("outcome", $0.outcome)], String($0.count)) })
        family(
            "skein_migration_failure_ratio", "gauge",
            "Failed migration attempts divided by all attempts in the audit log (0 when there was none).",
            [([], Self.number(failureRatio))])
        family(
            "skein_runs_total", "counter",
            "Runs (skein up, down, ...) recorded in the audit log, by outcome (applied, rolled-back, failed).",
            runCounts.map { ([("outcome", $0.outcome)], String($0.count)) })
        family(
            "skein_current_version", "gauge",
            "goose's current version as the audit log last recorded it (0 when none).",
            [([], String(currentVersion))])
        if let run = lastRun {
            family(
                "skein_last_run_timestamp_seconds", "gauge",
                "When the last run finished, in seconds since the Unix epoch.",
                [([], Self.number((run.finishedAt ?? run.startedAt).timeIntervalSince1970))])
            family(
                "skein_last_run_success", "gauge", "1 if the last run succeeded, 0 if it failed.",
                [([], run.outcome == "failed" ? "0" : "1")])
            if let duration = run.durationSeconds {
                family(
                    "skein_last_run_duration_seconds", "gauge", "How long the last run took.",
                    [([], Self.number(duration))])
            }
            if let after = run.databaseSizeAfter {
                family(
                    "skein_database_size_bytes", "gauge", "The database's size (pg_database_size) after the last run.",
                    [([], String(after))])
            }
            if let change = run.databaseSizeChange {
                family(
                    "skein_last_run_database_size_change_bytes", "gauge",
                    "How much the last run changed the database's size (after minus before; negative when it shrank).",
                    [([], String(change))])
            }
        }
        return text
    }

    /// A label value as the format requires: `\` → `\\`, `"` → `\"`, line feed → `\n`.
    public static func escapeLabelValue(_ value: String) -> String {
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// HELP text as the format requires: `\` → `\\`, line feed → `\n`.
    static func escapeHelp(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// A sample value Go's `ParseFloat` reads: integers without a fraction, others in Swift's shortest form.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

// MARK: - Files

/// A metrics file could not be written.
public struct MetricsFileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public var description: String {
        "cannot write the metrics file \(path): \(reason). Check that its directory exists and is writable."
    }
}

extension MigrationMetrics {
    /// Writes ``prometheusText()`` to `path` atomically: a hidden temporary file in the same directory (not ending
    /// in `.prom`, so the node_exporter textfile collector never reads it half-written), then `rename(2)` over `path`.
    /// A reader sees the old file or the new one, never a mix.
    /// - Parameter path: the file to replace, e.g. `/var/lib/node_exporter/textfile/skein.prom`.
    /// - Throws: ``MetricsFileError`` when the temporary file cannot be written or renamed (it is removed).
    public func writeAtomically(to path: String) throws {
        let target = URL(fileURLWithPath: path)
        let temporary = target.deletingLastPathComponent().appendingPathComponent(
            ".\(target.lastPathComponent).\(UUID().uuidString.lowercased()).tmp")
        do {
            try Data(prometheusText().utf8).write(to: temporary, options: .withoutOverwriting)
        } catch {
            throw MetricsFileError(path: path, reason: (error as NSError).localizedDescription)
        }
        guard rename(temporary.path, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw MetricsFileError(path: path, reason: reason)
        }
    }
}

// MARK: - JSON

extension MigrationMetrics {
    enum CodingKeys: String, CodingKey {
        case schemaVersion, generatedAt, latestAttempts, migrationCounts, runCounts, failureRatio, lastRun
        case currentVersion
    }

    /// `{"schemaVersion": 1, …}` with every key present (`null` when unknown) and RFC 3339 times.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(1, forKey: .schemaVersion)
        try container.encode(RFC3339.string(generatedAt), forKey: .generatedAt)
        try container.encode(latestAttempts, forKey: .latestAttempts)
        try container.encode(migrationCounts, forKey: .migrationCounts)
        try container.encode(runCounts, forKey: .runCounts)
        try container.encode(failureRatio, forKey: .failureRatio)
        try container.encode(lastRun, forKey: .lastRun)
        try container.encode(currentVersion, forKey: .currentVersion)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let schemaVersion = try container.decode(Int.self, forKey: .schemaVersion)
        guard schemaVersion == 1 else {
            throw DecodingError.dataCorruptedError(
                forKey: .schemaVersion, in: container, debugDescription: "unsupported schemaVersion \(schemaVersion)")
        }
        generatedAt = try RFC3339.date(container, .generatedAt)
        latestAttempts = try container.decode([Attempt].self, forKey: .latestAttempts)
        migrationCounts = try container.decode([Count].self, forKey: .migrationCounts)
        runCounts = try container.decode([Count].self, forKey: .runCounts)
        failureRatio = try container.decode(Double.self, forKey: .failureRatio)
        lastRun = try container.decodeIfPresent(Run.self, forKey: .lastRun)
        currentVersion = try container.decode(Int64.self, forKey: .currentVersion)
    }
}

extension MigrationMetrics.Attempt {
    enum CodingKeys: String, CodingKey { case version, file, direction, outcome, startedAt, durationSeconds }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(file, forKey: .file)
        try container.encode(direction, forKey: .direction)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(RFC3339.string(startedAt), forKey: .startedAt)
        try container.encode(durationSeconds, forKey: .durationSeconds)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(Int64.self, forKey: .version)
        file = try container.decodeIfPresent(String.self, forKey: .file)
        direction = try container.decode(String.self, forKey: .direction)
        outcome = try container.decode(String.self, forKey: .outcome)
        startedAt = try RFC3339.date(container, .startedAt)
        durationSeconds = try container.decodeIfPresent(Double.self, forKey: .durationSeconds)
    }
}

extension MigrationMetrics.Count {
    enum CodingKeys: String, CodingKey { case direction, outcome, count }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(direction, forKey: .direction)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(count, forKey: .count)
    }
}

extension MigrationMetrics.Run {
    enum CodingKeys: String, CodingKey {
        case runID, command, outcome, startedAt, finishedAt, durationSeconds, databaseSizeBefore, databaseSizeAfter
        case databaseSizeChange
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(runID, forKey: .runID)
        try container.encode(command, forKey: .command)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(RFC3339.string(startedAt), forKey: .startedAt)
        try container.encode(finishedAt.map(RFC3339.string), forKey: .finishedAt)
        try container.encode(durationSeconds, forKey: .durationSeconds)
        try container.encode(databaseSizeBefore, forKey: .databaseSizeBefore)
        try container.encode(databaseSizeAfter, forKey: .databaseSizeAfter)
        try container.encode(databaseSizeChange, forKey: .databaseSizeChange)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        runID = try container.decodeIfPresent(String.self, forKey: .runID)
        command = try container.decodeIfPresent(String.self, forKey: .command)
        outcome = try container.decode(String.self, forKey: .outcome)
        startedAt = try RFC3339.date(container, .startedAt)
        finishedAt = try RFC3339.optionalDate(container, .finishedAt)
        durationSeconds = try container.decodeIfPresent(Double.self, forKey: .durationSeconds)
        databaseSizeBefore = try container.decodeIfPresent(Int64.self, forKey: .databaseSizeBefore)
        databaseSizeAfter = try container.decodeIfPresent(Int64.self, forKey: .databaseSizeAfter)
    }
}

/// RFC 3339 in UTC with whole seconds (`2024-01-15T14:30:22Z`), the JSON output's time format.
enum RFC3339 {
    static func string(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    static func optionalDate<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> Date? {
        guard (try container.decodeIfPresent(String.self, forKey: key)) != nil else { return nil }
        return try date(container, key)
    }

    static func date<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> Date {
        let text = try container.decode(String.self, forKey: key)
        guard let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: container, debugDescription: "not an RFC 3339 time: \(text)")
        }
        return date
    }
}
