public import Foundation
public import SkeinCore

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
        public var direction: Direction
        /// `applied`, `rolled-back` or `failed`.
        public var outcome: AuditOutcome
        public var startedAt: Date
        /// How long the attempt took (until the failure, for a failed one).
        public var durationSeconds: Double?

        public init(
            version: Int64, file: String?, direction: Direction, outcome: AuditOutcome, startedAt: Date,
            durationSeconds: Double?
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
        /// The direction of migration attempts; `nil` for runs.
        public var direction: Direction?
        public var outcome: AuditOutcome
        public var count: Int

        public init(direction: Direction?, outcome: AuditOutcome, count: Int) {
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
        public var outcome: AuditOutcome
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
            runID: String?, command: String?, outcome: AuditOutcome, startedAt: Date, finishedAt: Date?,
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

        var latest: [Pair: Attempt] = [:]
        var migrationTally: [Pair: Count] = [:]
        let expected: [(Direction, AuditOutcome)] = [
            (.up, .applied), (.up, .failed), (.down, .rolledBack), (.down, .failed),
        ]
        for (direction, outcome) in expected {
            migrationTally[Pair(direction, outcome)] = Count(direction: direction, outcome: outcome, count: 0)
        }
        var runTally: [AuditOutcome: Count] = [:]
        for outcome in [AuditOutcome.applied, .rolledBack, .failed] {
            runTally[outcome] = Count(direction: nil, outcome: outcome, count: 0)
        }
        // goose's current version = the most recently applied version still applied; a successful run's row
        // states it (the planner's version after), migrate rows move it in between.
        var appliedOrder: [Int64] = []
        var current: Int64 = 0
        var lastRun: Run?
        for entry in entries {
            switch entry.action {
            case .migrate:
                guard let version = entry.version, let direction = entry.direction else { continue }
                latest[Pair(version, direction)] = Attempt(
                    version: version, file: entry.file, direction: direction, outcome: entry.outcome,
                    startedAt: entry.startedAt, durationSeconds: entry.durationSeconds)
                migrationTally[
                    Pair(direction, entry.outcome),
                    default: Count(
                        direction: direction, outcome: entry.outcome, count: 0)
                ].count += 1
                Self.move(&current, &appliedOrder, version: version, outcome: entry.outcome)
            case .repair:
                if let version = entry.version {
                    Self.move(&current, &appliedOrder, version: version, outcome: entry.outcome)
                }
            case .run:
                runTally[entry.outcome, default: Count(direction: nil, outcome: entry.outcome, count: 0)].count += 1
                if entry.outcome != .failed, let version = entry.version { current = version }
                lastRun = Run(
                    runID: entry.runID, command: entry.command, outcome: entry.outcome, startedAt: entry.startedAt,
                    finishedAt: entry.finishedAt, durationSeconds: entry.durationSeconds,
                    databaseSizeBefore: entry.databaseSizeBefore, databaseSizeAfter: entry.databaseSizeAfter)
            case .adopt, .allowModified, .ranModified, .allowDestructive, .noBackup, .backup:
                continue
            }
        }
        latestAttempts = latest.values.sorted {
            ($0.version, $0.direction == .up ? 0 : 1) < ($1.version, $1.direction == .up ? 0 : 1)
        }
        migrationCounts = migrationTally.values.sorted {
            ($0.direction == .up ? 0 : 1, $0.direction?.rawValue ?? "", $0.outcome.rawValue) < (
                $1.direction == .up ? 0 : 1, $1.direction?.rawValue ?? "", $1.outcome.rawValue
            )
        }
        runCounts = runTally.values.sorted { $0.outcome.rawValue < $1.outcome.rawValue }
        let attempts = migrationCounts.reduce(0) { $0 + $1.count }
        let failures = migrationCounts.filter { $0.outcome == .failed }.reduce(0) { $0 + $1.count }
        failureRatio = attempts == 0 ? 0 : Double(failures) / Double(attempts)
        self.lastRun = lastRun
        currentVersion = current
    }

    /// One applied or rolled-back version moves goose's current version.
    private static func move(_ current: inout Int64, _ applied: inout [Int64], version: Int64, outcome: AuditOutcome) {
        switch outcome {
        case .applied:
            applied.removeAll { $0 == version }
            applied.append(version)
            current = version
        case .rolledBack:
            applied.removeAll { $0 == version }
            if current == version { current = applied.last ?? 0 }
        case .failed, .recorded:
            break
        }
    }

    /// A tally key: a version or a direction, with a direction or an outcome.
    private struct Pair: Hashable {
        var first: String
        var second: String
        init(_ version: Int64, _ direction: Direction) { (first, second) = (String(version), direction.rawValue) }
        init(_ direction: Direction, _ outcome: AuditOutcome) {
            (first, second) = (direction.rawValue, outcome.rawValue)
        }
    }
}
