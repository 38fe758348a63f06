public import SkeinCore
import SkeinPostgres

/// What `skein verify` found: a verdict per migration, and why it stopped early if it did.
public struct VerificationReport: Sendable, Hashable, Codable {
    public var migrations: [MigrationVerdict] = []
    /// Set when verification could not go on (an Up that fails, a Go migration, …).
    public var stop: Stop?

    public init() {}

    /// True when every checked migration was verified (skipped ones aside) and nothing stopped the run.
    public var passed: Bool {
        stop == nil && !migrations.contains { $0.outcome == .failed }
    }

    /// Why verification stopped before the last migration.
    public enum Stop: Sendable, Hashable, Codable, CustomStringConvertible {
        /// A migration before `--from` failed while setting up.
        case setupFailed(file: String, failure: StepFailure, verified: [String])
        /// An Up fails on the database the earlier migrations built.
        case upFailed(file: String, failure: StepFailure, verified: [String])
        /// A `NO TRANSACTION` Down failed part-way: the state after it is unknown.
        case downFailed(file: String, failure: StepFailure)
        /// The Up fails when run again after its Down.
        case upAgainFailed(file: String, failure: StepFailure)
        /// A Go migration: Skein cannot run it, so nothing after it can be verified.
        case goMigration(file: String)

        public var description: String {
            switch self {
            case .setupFailed(let file, let failure, _):
                "\(file) (before --from) fails while setting up: \(failure.summary). Nothing was verified."
            case .upFailed(let file, let failure, let verified):
                "\(file): Up fails on a database built by the migrations before it: \(failure.summary). "
                    + "It depends on data or objects the migrations do not create. "
                    + (verified.isEmpty
                        ? "No migration was verified before it."
                        : "Verified before it: \(verified.count) (last: \(verified.last ?? "")).")
            case .downFailed(let file, _):
                "\(file): its NO TRANSACTION Down failed part-way (above); the migrations after it were not verified, since they would start from an unknown state."
            case .upAgainFailed(let file, _):
                "\(file): its Up fails when run again after its Down (above; the Down leaves something behind that the Up trips over); the migrations after it were not verified."
            case .goMigration(let file):
                "\(file) is a Go migration: Skein cannot run it, so it and the migrations after it were not verified."
            }
        }
    }
}

/// One migration's result.
public struct MigrationVerdict: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// Down restored S0 and Up again restored S1 (info-level differences aside).
        case verified
        /// A step failed or a schema differs.
        case failed
        /// Not checked, with ``MigrationVerdict/reason``.
        case skipped
    }

    public var version: Int64
    public var file: String
    public var outcome: Outcome = .verified
    /// Why the migration was skipped.
    public var reason: String?
    public var problems: [VerificationProblem] = []
    /// With `--data`: tables into which no rows could be generated, and why.
    public var dataNotChecked: [String] = []

    public init(version: Int64, file: String) {
        self.version = version
        self.file = file
    }
}

/// One thing that differs or failed.
public struct VerificationProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The step after which it was seen.
    public enum Phase: String, Sendable, Hashable, Codable {
        case up
        case down
        case upAgain = "up-again"
        case data
    }

    public var phase: Phase
    public var severity: Severity
    public var message: String
    /// The schema difference behind it, when there is one.
    public var difference: SchemaDifference?

    public init(phase: Phase, severity: Severity, message: String, difference: SchemaDifference? = nil) {
        self.phase = phase
        self.severity = severity
        self.message = message
        self.difference = difference
    }

    /// Phrases a schema difference for the step that caused it: `before` is the expected schema (S0 for the
    /// Down, S1 for the second Up), `after` what the step left.
    public init(phase: Phase, difference: SchemaDifference) {
        let message: String
        switch (phase, difference.change) {
        case (.down, .onlyAfter):
            message = "Down leaves \(difference.object) (created by Up)"
        case (.down, .onlyBefore):
            message = "Down does not restore \(difference.object) (it existed before Up)"
        case (.upAgain, .onlyAfter):
            message = "Up run again after its Down creates \(difference.object), which the first Up did not"
        case (.upAgain, .onlyBefore):
            message = "Up run again after its Down does not create \(difference.object) (the first Up did)"
        case (_, .onlyAfter):
            message = "\(difference.object) appeared"
        case (_, .onlyBefore):
            message = "\(difference.object) disappeared"
        case (_, .changed(let field, let before, let after)):
            let step = phase == .upAgain ? "Up again" : "Down"
            let reference = phase == .upAgain ? "after the first Up" : "before"
            message =
                "\(difference.object): \(field) \(after ?? "none") after \(step), \(before ?? "none") \(reference)"
        }
        self.init(
            phase: phase, severity: difference.severity == .info ? .info : .error, message: message,
            difference: difference)
    }

    public var description: String { message }
}

/// A migration step that failed, in words and with its place.
public struct StepFailure: Sendable, Hashable, Codable {
    /// `file:line: message (SQLSTATE x)`.
    public var summary: String
    public var sqlState: String?

    init(_ failure: MigrationFailure) {
        var text = failure.failed.migration.path + (failure.line.map { ":\($0)" } ?? "") + ": " + failure.message
        if let sqlState = failure.sqlState { text += " (SQLSTATE \(sqlState))" }
        if let detail = failure.detail { text += "; detail: \(detail)" }
        summary = text
        sqlState = failure.sqlState
    }

    init(message: String) {
        summary = message
        sqlState = nil
    }
}
