import Foundation
import SkeinCore
import SkeinSQL

/// The most common production break: `ALTER TABLE orders ADD COLUMN tenant_id bigint NOT NULL;` with no default, on a
/// table that existed before this migration, fails with "column … contains null values" on any non-empty table
/// (squawk's `adding-required-field`). Works on an empty development database, breaks in production. Identity,
/// serial and generated columns fill themselves and are exempt; tables created in the same migration too.
struct AddingRequiredFieldRule: LintRule {
    static let info = LintRuleInfo(
        id: "adding-required-field", defaultSeverity: .error,
        summary: "ADD COLUMN … NOT NULL without a DEFAULT on a table that existed before this migration",
        policy: LockSafetyRules.policy)

    var rules: [LintRuleInfo] { [Self.info] }

    /// Whether a column definition is NOT NULL with nothing that fills existing rows.
    static func isRequiredWithoutValue(_ column: SQLNode) -> Bool {
        if let type = column["typeName"]?["names"]?.names.last?.lowercased(),
            ["smallserial", "serial", "bigserial", "serial2", "serial4", "serial8"].contains(type)
        {
            return false
        }
        var notNull = false
        for entry in column["constraints"]?.array ?? [] {
            guard let constraint = entry["Constraint"] else { continue }
            switch constraint["contype"]?.string {
            case "CONSTR_NOTNULL", "CONSTR_PRIMARY": notNull = true
            case "CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED": return false
            default: continue
            }
        }
        return notNull
    }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        LockSafetyRules.alterationsOfExistingTables(in: file).compactMap { alteration in
            guard alteration.subtype == "AT_AddColumn", let column = alteration.subcommand["def"]?["ColumnDef"],
                Self.isRequiredWithoutValue(column)
            else { return nil }
            let name = column["colname"]?.string ?? "<column>"
            let type = column["typeName"]?["names"]?.names.last ?? "type"
            return Self.info.finding(
                "adding \(alteration.table).\(name) as NOT NULL without a default fails on any table that has rows (\"column \(name) contains null values\"): it works on an empty development database and breaks in production",
                hint:
                    "add it nullable (ADD COLUMN \(name) \(type)), backfill existing rows in batches, then add CHECK (\(name) IS NOT NULL) NOT VALID, VALIDATE it and SET NOT NULL in later migrations; or give it a constant DEFAULT if one value fits every existing row",
                at: alteration.command.location)
        }
    }
}
