/// The policy's "Lock Timeout" row: statements that hold heavy locks on tables with traffic (compare squawk).
/// Each rule lives in its own file; this list registers them with the ``Linter``.
enum LockSafetyRules {
    static let all: [any LintRule] = [RequireConcurrentIndexCreationRule()]
}
