public import SkeinCore
import SkeinSQL

/// The tables a command locks and how strongly, read with PostgreSQL's grammar and ``LockTable``: what the runner's
/// pre-flight looks for blockers on. The `skein` CLI passes ``targets`` to `Migrator` (apps need not link
/// libpg_query).
public enum StatementLocks {
    /// ``relations(in:)`` as the runner's value.
    public static let targets = LockTargets { relations(in: $0) }

    /// The tables `sql` (one command or several) locks with a mode that matters to other sessions; empty when it
    /// does not parse or locks none worth naming.
    public static func relations(in sql: String) -> [LockedRelation] {
        guard case .success(let statements) = SQLGrammar.parse(sql) else { return [] }
        return statements.flatMap { relations(of: $0.nodeType, $0.body) }
    }

    static func relations(of nodeType: String, _ body: SQLNode) -> [LockedRelation] {
        guard let mode = LockTable.lock(of: nodeType, body) else { return [] }
        switch nodeType {
        case "AlterTableStmt":
            guard ["OBJECT_TABLE", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"].contains(body["objtype"]?.string ?? "")
            else { return [] }
            var found = named([body["relation"]], mode)
            // A foreign key also takes SHARE ROW EXCLUSIVE on the table it references.
            for command in body["cmds"]?.array ?? [] {
                let constraint = command["AlterTableCmd"]?["def"]?["Constraint"]
                if constraint?["contype"]?.string == "CONSTR_FOREIGN" {
                    found += named([constraint?["pktable"]], .shareRowExclusive)
                }
            }
            return found
        case "IndexStmt", "RefreshMatViewStmt", "ClusterStmt", "CreateTrigStmt":
            return named([body["relation"]], mode)
        case "ReindexStmt":
            return body["kind"]?.string == "REINDEX_OBJECT_TABLE" ? named([body["relation"]], mode) : []
        case "RenameStmt":
            return ["OBJECT_TABLE", "OBJECT_COLUMN", "OBJECT_TABCONSTRAINT"].contains(body["renameType"]?.string ?? "")
                ? named([body["relation"]], mode) : []
        case "TruncateStmt", "LockStmt":
            return named(body["relations"]?.array ?? [], mode)
        case "VacuumStmt":
            return named((body["rels"]?.array ?? []).map { $0["VacuumRelation"]?["relation"] }, mode)
        case "DropStmt" where body["removeType"]?.string == "OBJECT_TABLE":
            return (body["objects"]?.array ?? []).compactMap { object in
                let parts = object["List"]?["items"]?.names ?? []
                return parts.isEmpty ? nil : LockedRelation(name: SQLIdentifier.quote(path: parts), mode: mode)
            }
        default:
            return []
        }
    }

    private static func named(_ rangeVars: [SQLNode?], _ mode: TableLockMode) -> [LockedRelation] {
        rangeVars.compactMap { node in
            let rangeVar = node?["RangeVar"] ?? node
            guard let name = rangeVar?["relname"]?.string else { return nil }
            return LockedRelation(
                name: SQLIdentifier.quote(path: [rangeVar?["schemaname"]?.string, name].compactMap { $0 }), mode: mode)
        }
    }
}
