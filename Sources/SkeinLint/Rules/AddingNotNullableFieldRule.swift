import Foundation
import SkeinCore
import SkeinSQL

/// The policy's "Lock Timeout" row: `ALTER COLUMN … SET NOT NULL` scans the whole table under ACCESS EXCLUSIVE,
/// blocking reads and writes, unless a valid `CHECK (col IS NOT NULL)` already proves it (PostgreSQL 12+). Tables
/// created in the same migration are exempt.
struct AddingNotNullableFieldRule: LintRule {
    static let info = LintRuleInfo(
        id: "adding-not-nullable-field", defaultSeverity: .warning,
        summary: "ALTER COLUMN … SET NOT NULL on a table that existed before this migration",
        policy: LockSafetyRules.policy)

    var rules: [LintRuleInfo] { [Self.info] }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        LockSafetyRules.alterationsOfExistingTables(in: file).compactMap { alteration in
            guard alteration.subtype == "AT_SetNotNull" else { return nil }
            let column = alteration.subcommand["name"]?.string ?? "<column>"
            let table = alteration.table
            return Self.info.finding(
                "SET NOT NULL on \(table).\(column) scans the whole table while it holds an ACCESS EXCLUSIVE lock, blocking reads and writes",
                hint:
                    "add CHECK (\(column) IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT it in a later migration, then SET NOT NULL (PostgreSQL 12+ uses the valid check instead of scanning) and drop the check",
                at: alteration.command.location)
        }
    }
}
