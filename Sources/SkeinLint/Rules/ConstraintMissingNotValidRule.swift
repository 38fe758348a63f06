import Foundation
import SkeinCore
import SkeinSQL

/// The policy's "Lock Timeout" row: `ADD CONSTRAINT … FOREIGN KEY` or `CHECK` validates every existing row while it
/// holds its lock (SHARE ROW EXCLUSIVE for a foreign key, on both tables; ACCESS EXCLUSIVE for a check). With
/// `NOT VALID` the constraint only applies to new rows, and a later `VALIDATE CONSTRAINT` scans under a lock that
/// lets reads and writes go on. Tables created in the same migration are exempt, as in squawk.
struct ConstraintMissingNotValidRule: LintRule {
    static let info = LintRuleInfo(
        id: "constraint-missing-not-valid", defaultSeverity: .warning,
        summary:
            "ADD CONSTRAINT … FOREIGN KEY or CHECK without NOT VALID on a table that existed before this migration",
        policy: LockSafetyRules.policy)

    var rules: [LintRuleInfo] { [Self.info] }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        LockSafetyRules.alterationsOfExistingTables(in: file).compactMap { alteration in
            guard alteration.subtype == "AT_AddConstraint",
                let constraint = alteration.subcommand["def"]?["Constraint"], !constraint.flag("skip_validation")
            else { return nil }
            let kind: String
            switch constraint["contype"]?.string {
            case "CONSTR_FOREIGN": kind = "foreign key"
            case "CONSTR_CHECK": kind = "check constraint"
            default: return nil
            }
            let conname = constraint["conname"]?.string
            let name = conname.map { " \($0)" } ?? ""
            let blocked = kind == "foreign key" ? "writes to" : "reads and writes of"
            return Self.info.finding(
                "adding \(kind)\(name) checks every row of \(alteration.table) and blocks \(blocked) it until the scan ends",
                hint:
                    "add it with NOT VALID (only new rows are checked), then run ALTER TABLE \(alteration.table) VALIDATE CONSTRAINT \(conname ?? "<name>") in a later migration",
                at: alteration.command.location)
        }
    }
}
