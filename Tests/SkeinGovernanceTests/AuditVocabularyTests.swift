import SkeinCore
import SkeinGovernance
import Testing

@Suite("the audit vocabulary")
struct AuditVocabularyTests {
    @Test(
        "a run that completed is where its last step left the database: a redo (Down, then Up) is applied",
        arguments: [
            ([Direction.up], AuditOutcome.applied), ([.up, .up], .applied), ([.down], .rolledBack),
            ([.down, .down], .rolledBack), ([.down, .up], .applied),
        ])
    func completedRun(directions: [Direction], outcome: AuditOutcome) {
        #expect(AuditOutcome(completedRun: directions) == outcome)
    }

    @Test("a run without a step has no outcome of its own")
    func emptyRun() {
        #expect(AuditOutcome(completedRun: [Direction]()) == nil)
    }
}
