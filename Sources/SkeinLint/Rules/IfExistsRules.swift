import Foundation
import SkeinCore
import SkeinSQL

/// "Use IF EXISTS/IF NOT EXISTS: Protect against partial application" — Down's drops.
struct DownDropIfExistsRule: LintRule {
    static let info = LintRuleInfo(
        id: "down-drop-if-exists", defaultSeverity: .warning,
        summary: "a DROP in the Down without IF EXISTS",
        policy: "Use IF EXISTS/IF NOT EXISTS: Protect against partial application")

    var rules: [LintRuleInfo] { [Self.info] }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        var findings: [LintFinding] = []
        for command in file.down {
            guard let body = command.body else { continue }
            switch command.nodeType {
            case "DropStmt" where !body.flag("missing_ok"):
                // `OBJECT_FOREIGN_TABLE` → `FOREIGN TABLE`.
                let removeType = body["removeType"]?.string ?? "OBJECT"
                let kind = String(
                    removeType.dropFirst(removeType.hasPrefix("OBJECT_") ? "OBJECT_".count : 0).map {
                        $0 == "_" ? " " : $0
                    })
                findings.append(
                    Self.info.finding(
                        "DROP \(kind) without IF EXISTS fails if the Up was only partly applied",
                        hint: "write DROP \(kind) IF EXISTS …",
                        at: command.location))
            case "AlterTableStmt":
                for cmd in body["cmds"]?.array ?? [] {
                    guard let alter = cmd["AlterTableCmd"], !alter.flag("missing_ok") else { continue }
                    let what: String
                    switch alter["subtype"]?.string {
                    case "AT_DropColumn": what = "DROP COLUMN"
                    case "AT_DropConstraint": what = "DROP CONSTRAINT"
                    default: continue
                    }
                    let name = alter["name"]?.string.map { " \($0)" } ?? ""
                    findings.append(
                        Self.info.finding(
                            "\(what)\(name) without IF EXISTS fails if the Up was only partly applied",
                            hint: "write \(what) IF EXISTS\(name)", at: command.location))
                }
            default:
                break
            }
        }
        return findings
    }
}

/// "Use IF EXISTS/IF NOT EXISTS: Protect against partial application" — Up's creations, where PostgreSQL allows
/// IF NOT EXISTS.
struct UpCreateIfNotExistsRule: LintRule {
    static let info = LintRuleInfo(
        id: "up-create-if-not-exists", defaultSeverity: .warning,
        summary: "a CREATE or ADD COLUMN in the Up without IF NOT EXISTS",
        policy: "Use IF EXISTS/IF NOT EXISTS: Protect against partial application")

    var rules: [LintRuleInfo] { [Self.info] }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        var findings: [LintFinding] = []
        for command in file.up {
            guard let body = command.body else { continue }
            // What is created, and how (`CREATE TABLE`, `users`).
            var created: (statement: String, name: String)?
            switch command.nodeType {
            case "CreateStmt" where !body.flag("if_not_exists"):
                created = ("CREATE TABLE", SchemaObject.relation(body["relation"]) ?? "")
            case "IndexStmt" where !body.flag("if_not_exists") && body["idxname"] != nil:
                created = ("CREATE INDEX", body["idxname"]?.string ?? "")
            case "CreateSeqStmt" where !body.flag("if_not_exists"):
                created = ("CREATE SEQUENCE", SchemaObject.relation(body["sequence"]) ?? "")
            case "CreateSchemaStmt" where !body.flag("if_not_exists"):
                created = ("CREATE SCHEMA", body["schemaname"]?.string ?? "")
            case "CreateExtensionStmt" where !body.flag("if_not_exists"):
                created = ("CREATE EXTENSION", body["extname"]?.string ?? "")
            case "AlterTableStmt":
                for cmd in body["cmds"]?.array ?? [] {
                    guard let alter = cmd["AlterTableCmd"], alter["subtype"]?.string == "AT_AddColumn",
                        !alter.flag("missing_ok")
                    else { continue }
                    let column = alter["def"]?["ColumnDef"]?["colname"]?.string ?? ""
                    findings.append(finding("ADD COLUMN \(column)", "ADD COLUMN IF NOT EXISTS \(column)", command))
                }
            default:
                break
            }
            if let (statement, name) = created {
                findings.append(finding("\(statement) \(name)", "\(statement) IF NOT EXISTS \(name)", command))
            }
        }
        return findings
    }

    private func finding(_ what: String, _ fixed: String, _ command: LintCommand) -> LintFinding {
        Self.info.finding(
            "\(what) without IF NOT EXISTS fails if an earlier attempt was partly applied",
            hint: "write \(fixed)", at: command.location)
    }
}
