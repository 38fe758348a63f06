public import Foundation
public import SkeinCore

/// What a rule is, for people and for configuration.
public struct LintRuleInfo: Sendable, Hashable {
    /// The stable kebab-case id users type (`require-concurrent-index-creation`).
    public var id: String
    public var defaultSeverity: Severity
    /// One line: what the rule finds.
    public var summary: String
    /// The policy sentence it enforces.
    public var policy: String

    public init(id: String, defaultSeverity: Severity, summary: String, policy: String) {
        self.id = id
        self.defaultSeverity = defaultSeverity
        self.summary = summary
        self.policy = policy
    }

    /// A finding of this rule: a rule creates its findings from its info, so the id is written once.
    public func finding(_ message: String, hint: String?, at location: SourceLocation) -> LintFinding {
        LintFinding(rule: id, message: message, hint: hint, location: location)
    }
}

/// One policy rule over a migration file (and the files before it in version order).
public protocol LintRule: Sendable {
    /// The ids this rule reports under (most rules have one).
    var rules: [LintRuleInfo] { get }
    /// Whether the rule reads what earlier files did (``LintContext/tablesCreatedEarlier``). Only then does the
    /// linter parse every file before checking any, to work that out; otherwise each file is checked as soon as
    /// it is parsed, and that context is empty.
    var readsEarlierFiles: Bool { get }
    /// The findings in `file`. `context` tells what earlier migrations of the set did.
    func check(_ file: LintFile, context: LintContext) -> [LintFinding]
}

extension LintRule {
    /// Rules check one file at a time unless they say otherwise.
    public var readsEarlierFiles: Bool { false }
}

/// A finding before configuration decides its severity.
public struct LintFinding: Sendable, Hashable {
    public var rule: String
    public var message: String
    public var hint: String?
    public var location: SourceLocation

    public init(rule: String, message: String, hint: String?, location: SourceLocation) {
        self.rule = rule
        self.message = message
        self.hint = hint
        self.location = location
    }
}

/// What the migrations before a file did, read in version order.
public struct LintContext: Sendable {
    /// Tables created by earlier migrations' Ups (lower-cased, schema-qualified when written so). Filled in only
    /// when a rule that runs ``LintRule/readsEarlierFiles``.
    public var tablesCreatedEarlier: Set<String> = []
    /// Recorded approvals of the set.
    public var approvals = ApprovalLedger()
    /// The time the lint runs at (``LintConfiguration/now``); `nil` turns off rules that compare with it.
    public var now: Date? {
        didSet { currentVersion = now.map { ($0, FutureTimestampRule.version(at: $0)) } }
    }
    /// `now` as a version (`YYYYMMDDHHMMSS` in UTC), worked out once rather than for every file.
    private(set) var currentVersion: (now: Date, version: Int64)?
    /// Whether the runner sets `lock_timeout` on its session before each migration (skein.yaml), which satisfies
    /// `require-lock-timeout` without a `SET lock_timeout` in the file.
    public var runnerSetsLockTimeout: Bool = false
    /// The PostgreSQL major version the rules assume (`lint.postgres-version`; default 15, libpg_query's grammar).
    public var postgresVersion = 15
    /// The saved lock trace's migrations, by version (``LintConfiguration/trace``).
    public var trace: [Int64: MigrationLockTrace] = [:]

    public init() {}
}
