import Foundation
import SkeinCore
import SkeinSQL

/// The policy's "Lock Timeout" row: `ALTER COLUMN … TYPE` holds ACCESS EXCLUSIVE and, for most type changes,
/// rewrites the table and its indexes, blocking reads and writes throughout. Tables created in the same migration
/// are exempt.
struct ChangingColumnTypeRule: LintRule {
    static let info = LintRuleInfo(
        id: "changing-column-type", defaultSeverity: .warning,
        summary: "ALTER COLUMN … TYPE on a table that existed before this migration",
        policy: LockSafetyRules.policy)

    var rules: [LintRuleInfo] { [Self.info] }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        LockSafetyRules.alterationsOfExistingTables(in: file).compactMap { alteration in
            guard alteration.subtype == "AT_AlterColumnType" else { return nil }
            let column = alteration.subcommand["name"]?.string ?? "<column>"
            return Self.info.finding(
                "changing the type of \(alteration.table).\(column) holds an ACCESS EXCLUSIVE lock and can rewrite the table and its indexes, blocking reads and writes",
                hint:
                    "add a column of the new type, backfill it in batches, switch readers and writers to it, then drop the old column in a later migration",
                at: alteration.command.location)
        }
    }
}
