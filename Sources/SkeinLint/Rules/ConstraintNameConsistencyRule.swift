import Foundation
import SkeinCore
import SkeinSQL

/// The Reversible Operations table's "Add Constraint" row: the Down drops by name what the Up adds by name
/// ("Ensure constraint name consistency"). An unnamed constraint gets a name PostgreSQL makes up, so the Down
/// cannot reliably drop it; a Down that drops a name the Up never added drops something else, or nothing.
struct ConstraintNameConsistencyRule: LintRule {
    static let info = LintRuleInfo(
        id: "constraint-name-consistency", defaultSeverity: .error,
        summary:
            "ADD CONSTRAINT without a name in the Up, or a Down that drops a constraint name the Up never added",
        policy:
            "Add Constraint: ALTER TABLE ADD CONSTRAINT / ALTER TABLE DROP CONSTRAINT IF EXISTS — Ensure constraint name consistency"
    )

    var rules: [LintRuleInfo] { [Self.info] }

    static let kinds = [
        "CONSTR_CHECK": "CHECK", "CONSTR_UNIQUE": "UNIQUE", "CONSTR_PRIMARY": "PRIMARY KEY",
        "CONSTR_FOREIGN": "FOREIGN KEY", "CONSTR_EXCLUSION": "EXCLUDE",
    ]

    /// The constraint names the Up gives a table (`table` → names): ADD CONSTRAINT, named constraints of
    /// CREATE TABLE, RENAME CONSTRAINT … TO, and `ADD CONSTRAINT name` inside DO blocks.
    static func namesAdded(by commands: [LintCommand]) -> (named: Set<SchemaObject>, inBlocks: [String]) {
        var named: Set<SchemaObject> = []
        var blocks: [String] = []
        for command in commands {
            guard let body = command.body else { continue }
            switch command.nodeType {
            case "AlterTableStmt":
                guard let table = SchemaObject.relation(body["relation"]) else { continue }
                for cmd in body["cmds"]?.array ?? [] {
                    guard let alter = cmd["AlterTableCmd"] else { continue }
                    var constraints: [SQLNode] = []
                    if alter["subtype"]?.string == "AT_AddConstraint", let constraint = alter["def"]?["Constraint"] {
                        constraints.append(constraint)
                    }
                    if alter["subtype"]?.string == "AT_AddColumn" {
                        constraints += (alter["def"]?["ColumnDef"]?["constraints"]?.array ?? []).compactMap {
                            $0["Constraint"]
                        }
                    }
                    for constraint in constraints {
                        if let name = constraint["conname"]?.string {
                            named.insert(SchemaObject(.constraint, name, table: table))
                        }
                    }
                }
            case "CreateStmt":
                guard let table = SchemaObject.relation(body["relation"]) else { continue }
                for node in (body["tableElts"] ?? .null).descendants() where node.nodeType == "Constraint" {
                    if let name = node.body?["conname"]?.string {
                        named.insert(SchemaObject(.constraint, name, table: table))
                    }
                }
            case "RenameStmt" where body["renameType"]?.string == "OBJECT_TABCONSTRAINT":
                if let table = SchemaObject.relation(body["relation"]), let name = body["newname"]?.string {
                    named.insert(SchemaObject(.constraint, name, table: table))
                }
            case "DoStmt":
                for arg in body["args"]?.array ?? [] where arg["DefElem"]?["defname"]?.string == "as" {
                    if let code = arg["DefElem"]?["arg"]?["String"]?["sval"]?.string { blocks.append(code) }
                }
            default:
                continue
            }
        }
        return (named, blocks)
    }

    /// The constraint names PL/pgSQL code adds (`ADD CONSTRAINT name`, any case and spacing), lower-cased.
    static func constraintNames(addedIn code: String) -> Set<String> {
        let words = code.lowercased().split(whereSeparator: { $0.isWhitespace }).map {
            $0.trimmingCharacters(in: CharacterSet(charactersIn: "\";"))
        }
        var names: Set<String> = []
        for index in words.indices.dropLast(2) where words[index] == "add" && words[index + 1] == "constraint" {
            names.insert(words[index + 2])
        }
        return names
    }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        var findings: [LintFinding] = []
        // What the Down drops and the Up adds: read when a command needs them.
        lazy var down = DroppedObjects(file.down)
        lazy var addedInUp = Self.namesAdded(by: file.up)
        for command in file.up {
            guard command.nodeType == "AlterTableStmt", let body = command.body,
                let table = SchemaObject.relation(body["relation"])
            else { continue }
            for cmd in body["cmds"]?.array ?? [] {
                guard let alter = cmd["AlterTableCmd"], alter["subtype"]?.string == "AT_AddConstraint",
                    let constraint = alter["def"]?["Constraint"], constraint["conname"] == nil
                else { continue }
                // A Down that drops the table takes its constraints with it, whatever their names.
                if down.undo(SchemaObject(.table, table)) { break }
                let kind = Self.kinds[constraint["contype"]?.string ?? ""] ?? "constraint"
                let columns = SchemaObject.columns(ofConstraint: constraint).sorted()
                let suggested =
                    ([table.split(separator: ".").last.map(String.init) ?? table] + columns + [
                        kind == "PRIMARY KEY" ? "pkey" : kind == "FOREIGN KEY" ? "fkey" : kind.lowercased()
                    ]).joined(separator: "_")
                findings.append(
                    Self.info.finding(
                        "ALTER TABLE \(table) ADD \(kind) has no constraint name: PostgreSQL generates one, so the Down cannot reliably drop it by name",
                        hint:
                            "name it (ADD CONSTRAINT \(suggested) \(kind) …) and drop that name in the Down (ALTER TABLE \(table) DROP CONSTRAINT IF EXISTS \(suggested))",
                        at: command.location))
            }
        }
        // Read the DO blocks once, when a drop needs them.
        lazy var namesAddedInBlocks = addedInUp.inBlocks.reduce(into: Set<String>()) {
            $0.formUnion(Self.constraintNames(addedIn: $1))
        }
        for command in file.down {
            guard command.nodeType == "AlterTableStmt", let body = command.body,
                let table = SchemaObject.relation(body["relation"])
            else { continue }
            for cmd in body["cmds"]?.array ?? [] {
                guard let alter = cmd["AlterTableCmd"], alter["subtype"]?.string == "AT_DropConstraint",
                    let name = alter["name"]?.string
                else { continue }
                if addedInUp.named.contains(SchemaObject(.constraint, name, table: table)) { continue }
                if namesAddedInBlocks.contains(name.lowercased()) { continue }
                findings.append(
                    Self.info.finding(
                        "the Down drops constraint \(name) on \(table), but the Up never adds a constraint of that name",
                        hint:
                            "drop exactly the name the Up gives in ADD CONSTRAINT <name>; if the Up relies on a name PostgreSQL generated, name the constraint in the Up",
                        at: command.location))
            }
        }
        return findings
    }
}
