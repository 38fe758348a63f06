import Foundation
import SkeinCore
import SkeinSQL

/// The policy's "Lock Timeout" row: `ADD UNIQUE (…)` or `ADD PRIMARY KEY (…)` builds its index while holding
/// ACCESS EXCLUSIVE, blocking reads and writes for the whole build. Building the index with
/// `CREATE UNIQUE INDEX CONCURRENTLY` first and adding the constraint `USING INDEX` only takes the lock briefly.
/// Reported under squawk's ids: `disallowed-unique-constraint` for UNIQUE and `adding-serial-primary-key-field` for
/// PRIMARY KEY. Tables created in the same migration are exempt.
struct DisallowedUniqueConstraintRule: LintRule {
    static let disallowedUniqueConstraint = LintRuleInfo(
        id: "disallowed-unique-constraint", defaultSeverity: .warning,
        summary:
            "ADD UNIQUE without USING INDEX on a table that existed before this migration (builds the index under ACCESS EXCLUSIVE)",
        policy: LockSafetyRules.policy)
    static let addingSerialPrimaryKeyField = LintRuleInfo(
        id: "adding-serial-primary-key-field", defaultSeverity: .warning,
        summary:
            "ADD PRIMARY KEY without USING INDEX on a table that existed before this migration (builds the index under ACCESS EXCLUSIVE)",
        policy: LockSafetyRules.policy)

    var rules: [LintRuleInfo] { [Self.disallowedUniqueConstraint, Self.addingSerialPrimaryKeyField] }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        var findings: [LintFinding] = []
        for alteration in LockSafetyRules.alterationsOfExistingTables(in: file) {
            // Table constraints (`ADD CONSTRAINT … UNIQUE (…)`) and column constraints (`ADD COLUMN … UNIQUE`).
            let constraints: [SQLNode]
            switch alteration.subtype {
            case "AT_AddConstraint":
                constraints = [alteration.subcommand["def"]?["Constraint"]].compactMap { $0 }
            case "AT_AddColumn":
                constraints = (alteration.subcommand["def"]?["ColumnDef"]?["constraints"]?.array ?? [])
                    .compactMap { $0["Constraint"] }
            default:
                continue
            }
            for constraint in constraints where constraint["indexname"] == nil {
                let rule: LintRuleInfo
                let kind: String
                switch constraint["contype"]?.string {
                case "CONSTR_UNIQUE": (rule, kind) = (Self.disallowedUniqueConstraint, "UNIQUE")
                case "CONSTR_PRIMARY": (rule, kind) = (Self.addingSerialPrimaryKeyField, "PRIMARY KEY")
                default: continue
                }
                let name = constraint["conname"]?.string.map { "constraint \($0)" } ?? "a \(kind) constraint"
                let index = constraint["conname"]?.string ?? "\(alteration.table)_key"
                findings.append(
                    rule.finding(
                        "adding \(name) builds its index on \(alteration.table) under an ACCESS EXCLUSIVE lock, blocking reads and writes until it is built",
                        hint:
                            "build the index first with CREATE UNIQUE INDEX CONCURRENTLY \(index) in a NO TRANSACTION migration, then ALTER TABLE \(alteration.table) ADD CONSTRAINT \(index) \(kind) USING INDEX \(index)",
                        at: alteration.command.location))
            }
        }
        return findings
    }
}
