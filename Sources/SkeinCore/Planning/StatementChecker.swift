/// What a grammar says about one statement (``StatementChecker``).
public enum StatementCheckResult: Sendable, Hashable {
    /// The grammar parses it.
    case valid
    /// The grammar rejects it: `message` in the grammar's words, `utf8Offset` the 0-based UTF-8 offset into the
    /// statement's text where it stopped (`nil` when the grammar does not say).
    case syntaxError(message: String, utf8Offset: Int?)
    /// The grammar cannot judge it (newer syntax than it knows, too large to parse ahead): `reason` says why, and
    /// `utf8Offset` where, when known.
    case notChecked(reason: String, utf8Offset: Int? = nil)
}

/// A grammar that reads every statement of a plan before the first step runs, so that a typo in the third file
/// refuses the whole run instead of stopping it after the first two files were applied.
///
/// SkeinCore knows no SQL grammar: the checker is a value the caller passes in
/// (`Migrator.Configuration.statementChecker`; `nil`, the default, checks nothing). The `skein` CLI passes one
/// built on PostgreSQL 15's grammar (libpg_query); an app that does not want to link libpg_query passes none,
/// or its own.
///
/// ```swift
/// var configuration = Migrator.Configuration()
/// configuration.statementChecker = StatementChecker { sql, serverMajorVersion in
///     sql.hasPrefix("SELEC ") ? .syntaxError(message: "syntax error at or near \"SELEC\"", utf8Offset: 0) : .valid
/// }
/// ```
public struct StatementChecker: Sendable {
    /// Judges one statement as goose sends it (which may hold several commands: a `DO` block, a function body,
    /// a StatementBegin/End block). `serverMajorVersion` is the server's major version (`16`) when known, so a
    /// checker with an older grammar can say ``StatementCheckResult/notChecked(reason:utf8Offset:)`` instead of
    /// rejecting newer syntax. Called concurrently for large plans.
    public var check: @Sendable (_ sql: String, _ serverMajorVersion: Int?) -> StatementCheckResult

    public init(check: @escaping @Sendable (_ sql: String, _ serverMajorVersion: Int?) -> StatementCheckResult) {
        self.check = check
    }

    /// The code of a statement the grammar rejects (an error).
    public static let syntaxErrorCode = "syntax-error"
    /// The code of a statement the grammar could not judge (a warning).
    public static let notCheckedCode = "syntax-not-checked"

    /// Every statement of every step of `plan`, in the step's direction, as diagnostics placed at the file's line
    /// and column: an error (``syntaxErrorCode``) for each statement the grammar rejects, a warning
    /// (``notCheckedCode``) for each it cannot judge. Steps whose direction goose cannot parse are left to the
    /// planner, which already reports them.
    ///
    /// ```swift
    /// plan.problems += checker.diagnostics(for: plan, serverMajorVersion: 15)
    /// guard !plan.hasErrors else { throw Migrator.PlanRejected(plan: plan) }
    /// ```
    public func diagnostics(for plan: MigrationPlan, serverMajorVersion: Int?) -> [Diagnostic] {
        diagnostics(
            of: plan.steps.map { CheckedSection(migration: $0.migration, direction: $0.direction) },
            serverMajorVersion: serverMajorVersion,
            help:
                "nothing was applied (a run starts only when every statement of its plan parses); fix the statement and run again"
        )
    }

    /// Both directions of every migration (`skein validate`), as ``diagnostics(for:serverMajorVersion:)`` does
    /// for a plan.
    public func diagnostics(for migrations: [Migration], serverMajorVersion: Int?) -> [Diagnostic] {
        diagnostics(
            of: migrations.flatMap { migration in
                Direction.allCases.map { CheckedSection(migration: migration, direction: $0) }
            },
            serverMajorVersion: serverMajorVersion,
            help:
                "fix the statement: PostgreSQL would reject it, and a run refuses to start (nothing is applied) while it does not parse"
        )
    }

    private func diagnostics(
        of sections: [CheckedSection], serverMajorVersion: Int?, help: String
    ) -> [Diagnostic] {
        ParallelMap.map(sections) { section in
            section.diagnostics(check, serverMajorVersion: serverMajorVersion, help: help)
        }.flatMap { $0 }
    }
}

/// One direction of one migration, to be checked.
private struct CheckedSection: Sendable {
    var migration: Migration
    var direction: Direction

    func diagnostics(
        _ check: @Sendable (String, Int?) -> StatementCheckResult, serverMajorVersion: Int?, help: String
    ) -> [Diagnostic] {
        guard case .success(let section)? = migration.section(direction) else { return [] }
        let label = direction == .up ? "Up" : "Down"
        return section.statements.compactMap { statement in
            func location(_ offset: Int?) -> SourceLocation {
                let (line, column) = statement.position(ofUTF8Offset: offset ?? 0)
                return SourceLocation(file: migration.path, line: line, column: column)
            }
            switch check(statement.sql, serverMajorVersion) {
            case .valid:
                return nil
            case .syntaxError(let message, let offset):
                // goose's words for what PostgreSQL would answer when goose reached the statement.
                let query = GoQuote.quote(statement.sql)
                return Diagnostic(
                    severity: .error, code: StatementChecker.syntaxErrorCode, message: "\(label): \(message)",
                    help: help, location: location(offset),
                    gooseMessage:
                        "ERROR \(migration.fileName): failed to run SQL migration: failed to execute SQL query \(query): ERROR: \(message) (SQLSTATE 42601)"
                )
            case .notChecked(let reason, let offset):
                return Diagnostic(
                    severity: .warning, code: StatementChecker.notCheckedCode,
                    message: "\(label): not checked: \(reason)",
                    help:
                        "the statement runs unchecked: a mistake in it is found only when it runs, after the steps before it",
                    location: location(offset))
            }
        }
    }
}
