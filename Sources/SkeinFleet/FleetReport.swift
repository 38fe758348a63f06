import Foundation

/// What happened at one target.
public struct FleetTargetResult: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// Steps ran and all succeeded.
        case migrated
        /// Nothing to do: already where it was asked to be.
        case current
        /// The runner failed there (a migration, a gate, a dirty state, the lock).
        case failed
        /// No connection could be made.
        case unreachable
        /// Not started: a canary failed, `--on-error fail` stopped the rollout, the deadline passed, or Ctrl-C.
        case skipped
    }

    public var name: String
    public var group: String?
    public var schema: String?
    public var outcome: Outcome
    /// The version before and after (`nil` when unknown).
    public var versionBefore: Int64?
    public var versionAfter: Int64?
    /// The files applied or rolled back, in order.
    public var steps: [String] = []
    public var seconds: Double = 0
    /// Why it failed or was skipped, in the runner's words.
    public var message: String?
    /// Whether it ran as a canary.
    public var canary = false

    public var succeeded: Bool { outcome == .migrated || outcome == .current }

    public init(
        name: String, group: String? = nil, schema: String? = nil, outcome: Outcome, versionBefore: Int64? = nil,
        versionAfter: Int64? = nil, steps: [String] = [], seconds: Double = 0, message: String? = nil,
        canary: Bool = false
    ) {
        self.name = name
        self.group = group
        self.schema = schema
        self.outcome = outcome
        self.versionBefore = versionBefore
        self.versionAfter = versionAfter
        self.steps = steps
        self.seconds = seconds
        self.message = message
        self.canary = canary
    }
}

/// A fleet run: every target's result, in the targets' order.
public struct FleetReport: Sendable, Codable {
    /// The JSON layout's version (docs/schemas/fleet-report.schema.json).
    public var schemaVersion = 1
    public var command: String
    public var results: [FleetTargetResult]
    public var seconds: Double

    public init(command: String, results: [FleetTargetResult], seconds: Double) {
        self.command = command
        self.results = results
        self.seconds = seconds
    }

    /// Whether every target is where it was asked to be (the CLI's exit 0).
    public var succeeded: Bool { results.allSatisfy(\.succeeded) }

    /// How many targets ended each way.
    public var counts: [FleetTargetResult.Outcome: Int] {
        Dictionary(grouping: results, by: \.outcome).mapValues(\.count)
    }

    /// How many targets are at each version (`nil`: unknown), sorted by version.
    public var versions: [(version: Int64?, targets: Int)] {
        Dictionary(grouping: results, by: \.versionAfter).map { ($0.key, $0.value.count) }
            .sorted { ($0.version ?? -1) < ($1.version ?? -1) }
    }
}

/// One target's state, for `fleet status`.
public struct FleetTargetStatus: Sendable, Hashable, Codable {
    public var name: String
    public var group: String?
    public var schema: String?
    /// The current version (`nil` when unreachable).
    public var version: Int64?
    public var pending: Int = 0
    /// Versions recorded as dirty (a `NO TRANSACTION` file stopped half-way).
    public var dirty: [Int64] = []
    /// Applied files that changed since they were applied there.
    public var drifted: [String] = []
    /// Why it could not be read.
    public var error: String?
}
