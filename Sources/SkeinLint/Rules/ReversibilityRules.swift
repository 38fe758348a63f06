/// The policy's Reversibility section and goose's own reading of a file (annotations goose ignores, splits that
/// differ from PostgreSQL's grammar). Each rule lives in its own file; this list registers them with the
/// ``Linter``.
enum ReversibilityRules {
    static let all: [any LintRule] = [
        DownDropIfExistsRule(), UpCreateIfNotExistsRule(), DownUndoesUpRule(), ConstraintNameConsistencyRule(),
        RenameColumnMultiStepRule(), IgnoredGooseAnnotationRule(), GooseSplitMismatchRule(), FutureTimestampRule(),
    ]
}
