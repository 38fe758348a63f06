import SkeinCore

/// What a saved lock trace (`skein verify --locks --format json`, read with `skein lint --trace FILE`) saw a
/// statement do, as lint findings: a table rewritten under its lock (measured, not guessed from the grammar), and,
/// on the lock-safety findings at the same statement, the locks it really took (``annotate(_:file:context:)``).
struct TracedLocksRule: LintRule {
    static let info = LintRuleInfo(
        id: "traced-table-rewrite", defaultSeverity: .warning,
        summary:
            "with --trace: a statement the lock trace saw rewrite an existing table (every row copied while it holds ACCESS EXCLUSIVE)",
        policy: LockSafetyRules.policy)

    var rules: [LintRuleInfo] { [Self.info] }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        guard let traced = context.trace[file.migration.version] else { return [] }
        return traced.statements.flatMap { statement in
            statement.rewrote.map { table in
                let lock = statement.lock(on: table) ?? .accessExclusive
                return Self.info.finding(
                    "the lock trace saw this statement rewrite \(table): every row is copied while it holds \(lock) on it, and \(lock.queuedBehind)",
                    hint:
                        "avoid the rewrite (add the column without a volatile default, then backfill in batches; change a type with a new column and a backfill), or run it in a maintenance window",
                    at: SourceLocation(file: file.migration.path, line: statement.line, column: 1))
            }
        }
    }

    /// The lock-safety rules whose findings the trace annotates (this rule's own aside).
    private static let lockSafetyIDs = Set(LockSafetyRules.all.flatMap(\.rules).map(\.id)).subtracting([info.id])

    /// Lock-safety findings at a traced statement, with what the trace saw it take appended to their message.
    static func annotate(_ findings: [Diagnostic], file: LintFile, context: LintContext) -> [Diagnostic] {
        guard let traced = context.trace[file.migration.version] else { return findings }
        return findings.map { finding in
            guard lockSafetyIDs.contains(finding.code), let line = finding.location?.line,
                let statement = traced.statements.last(where: { $0.line <= line })
            else { return finding }
            // The tables' locks (an index's lock goes with its table's).
            let tableLocks = statement.locks.filter { !$0.kind.hasSuffix("index") }
            guard !tableLocks.isEmpty else { return finding }
            var annotated = finding
            let locks = tableLocks.map { "\($0.mode) on \($0.relation)" }.joined(separator: ", ")
            let rewrote = statement.rewrote.isEmpty ? "" : " and rewrote \(statement.rewrote.joined(separator: ", "))"
            annotated.message += " (lock trace: this statement takes \(locks)\(rewrote))"
            return annotated
        }
    }
}
