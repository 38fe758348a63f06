import Foundation
import SkeinCore
import SkeinSQL

/// "Destructive Migration Handling": an Up that drops a table, column, schema, type or function, renames a
/// column or table, changes a column's type, truncates, or deletes/updates without WHERE must start with
/// `-- DESTRUCTIVE:` ("Prefix with warning") and document the backup and recovery ("Backup strategy").
struct DestructiveRequiresHeaderRule: LintRule {
    static let destructiveRequiresHeader = LintRuleInfo(
        id: "destructive-requires-header", defaultSeverity: .error,
        summary: "a destructive Up without the `-- DESTRUCTIVE:` comment at the top",
        policy: "Prefix with warning: Use -- DESTRUCTIVE: comment at the top")
    static let destructiveRequiresBackupDoc = LintRuleInfo(
        id: "destructive-requires-backup-doc", defaultSeverity: .error,
        summary: "a DESTRUCTIVE migration without `-- Backup created:` and `-- Recovery procedure:` lines",
        policy: "Backup strategy: Document data backup and recovery procedures")
    static let destructiveRequiresApproval = LintRuleInfo(
        id: "destructive-requires-approval", defaultSeverity: .error,
        summary: "a destructive migration without a valid approval (`skein approve`) for its current content",
        policy: "Require approval: Additional review process for destructive changes")

    var rules: [LintRuleInfo] {
        [Self.destructiveRequiresHeader, Self.destructiveRequiresBackupDoc, Self.destructiveRequiresApproval]
    }

    /// What makes a command destructive, or `nil`.
    static func destruction(_ command: LintCommand) -> String? {
        guard let body = command.body else { return nil }
        switch command.nodeType {
        case "DropStmt":
            let kinds = [
                "OBJECT_TABLE": "table", "OBJECT_SCHEMA": "schema", "OBJECT_TYPE": "type",
                "OBJECT_FUNCTION": "function", "OBJECT_PROCEDURE": "procedure", "OBJECT_DOMAIN": "domain",
                "OBJECT_MATVIEW": "materialized view",
            ]
            return kinds[body["removeType"]?.string ?? ""].map { "drops a \($0)" }
        case "AlterTableStmt":
            for cmd in body["cmds"]?.array ?? [] {
                switch cmd["AlterTableCmd"]?["subtype"]?.string {
                case "AT_DropColumn":
                    return "drops column \(cmd["AlterTableCmd"]?["name"]?.string ?? "")"
                case "AT_AlterColumnType":
                    return "changes the type of column \(cmd["AlterTableCmd"]?["name"]?.string ?? "")"
                default: continue
                }
            }
            return nil
        case "RenameStmt":
            switch body["renameType"]?.string {
            case "OBJECT_COLUMN": return "renames column \(body["subname"]?.string ?? "")"
            case "OBJECT_TABLE": return "renames table \(SchemaObject.relation(body["relation"]) ?? "")"
            default: return nil
            }
        case "TruncateStmt": return "truncates"
        case "DeleteStmt" where body["whereClause"] == nil:
            return "deletes every row of \(SchemaObject.relation(body["relation"]) ?? "a table")"
        case "UpdateStmt" where body["whereClause"] == nil:
            return "updates every row of \(SchemaObject.relation(body["relation"]) ?? "a table")"
        default: return nil
        }
    }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        guard
            let (first, what) = file.up.lazy.compactMap({ command in Self.destruction(command).map { (command, $0) } })
                .first
        else { return [] }
        var findings: [LintFinding] = []
        // The one detector of the header (SkeinCore's `DestructiveHeader`, which the runner's gate uses too).
        if !file.migration.isDestructive {
            findings.append(
                Self.destructiveRequiresHeader.finding(
                    "the Up \(what), but the file does not start with `-- DESTRUCTIVE:`",
                    hint:
                        "start the file with `-- DESTRUCTIVE: <what is lost>`, `-- Backup created: <where>` and `-- Recovery procedure: <runbook>` (skein create --destructive writes them), and get the migration approved",
                    at: first.location))
        } else {
            let header = file.headerComments.map { $0.lowercased() }
            var missing: [String] = []
            if !header.contains(where: { $0.hasPrefix("-- backup created:") }) {
                missing.append("`-- Backup created:`")
            }
            if !header.contains(where: { $0.hasPrefix("-- recovery procedure:") }) {
                missing.append("`-- Recovery procedure:`")
            }
            if !missing.isEmpty {
                findings.append(
                    Self.destructiveRequiresBackupDoc.finding(
                        "the DESTRUCTIVE header has no \(missing.joined(separator: " or ")) line",
                        hint: "say where the backup is and which runbook restores the data, in the header comments",
                        at: file.location(line: 1)))
            }
        }
        switch context.approvals.standing(of: file.migration) {
        case .approved:
            break
        case .stale(let approval):
            findings.append(
                Self.destructiveRequiresApproval.finding(
                    "the approval of \(file.migration.fileName) by \(approval.approvedBy) (\(approval.approvedAt)) no longer holds: the file changed since",
                    hint: "have it reviewed again, then `skein approve \(file.migration.version) --by <name>`",
                    at: file.location(line: 1)))
        case .unapproved:
            findings.append(
                Self.destructiveRequiresApproval.finding(
                    "the Up \(what), and \(file.migration.fileName) has no approval",
                    hint:
                        "after review, record it: `skein approve \(file.migration.version) --by <name> --reason <why>` (written to \(ApprovalLedger.fileName), bound to the file's checksum)",
                    at: file.location(line: 1)))
        }
        return findings
    }
}
