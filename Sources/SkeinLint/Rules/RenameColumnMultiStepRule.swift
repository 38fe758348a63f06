import Foundation
import SkeinCore
import SkeinSQL

/// The Non-Reversible Operations table's "Rename Column" row: a rename in one migration breaks every running
/// reader of the old name the moment it commits. The policy's way is several migrations with a deprecation
/// period: "Old column → New column → Drop old".
struct RenameColumnMultiStepRule: LintRule {
    static let info = LintRuleInfo(
        id: "rename-column-multi-step", defaultSeverity: .warning,
        summary: "ALTER TABLE … RENAME COLUMN in the Up instead of the policy's multi-step rename",
        policy:
            "Rename Column: Use multi-step migration with deprecation period — Old column → New column → Drop old"
    )

    var rules: [LintRuleInfo] { [Self.info] }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        file.up.compactMap { command in
            guard command.nodeType == "RenameStmt", let body = command.body,
                body["renameType"]?.string == "OBJECT_COLUMN", let old = body["subname"]?.string,
                let new = body["newname"]?.string
            else { return nil }
            let table = SchemaObject.relation(body["relation"]) ?? "?"
            return Self.info.finding(
                "renames column \(table).\(old) to \(new) in one step: code still reading \(old) fails as soon as it runs",
                hint:
                    "rename in steps (Old column → New column → Drop old): add \(new) and backfill it from \(old) (keep them in sync while both exist), switch readers and writers to \(new), then drop \(old) in a later migration",
                at: command.location)
        }
    }
}
