public import SkeinCore
public import SkeinSQL

/// The lock each kind of DDL takes on its table, from PostgreSQL's documentation (ALTER TABLE's "lock level" notes,
/// CREATE INDEX, REINDEX, VACUUM, …). Every lint message that names a lock takes it from here; the lock trace
/// checks this table against what PostgreSQL really takes.
public enum LockTable {
    /// The lock `ALTER TABLE`'s subcommand `subtype` (libpg_query's `AT_…`) takes; the strongest when unknown.
    public static func alterTable(_ subtype: String, validating: Bool = false) -> TableLockMode {
        switch subtype {
        case "AT_ValidateConstraint", "AT_SetStatistics", "AT_ClusterOn", "AT_DropCluster", "AT_SetRelOptions",
            "AT_ResetRelOptions", "AT_SetOptions", "AT_ResetOptions", "AT_DetachPartitionFinalize":
            .shareUpdateExclusive
        case "AT_AttachPartition":
            // On the parent (the partition gets ACCESS EXCLUSIVE).
            .shareUpdateExclusive
        case "AT_AddConstraint" where !validating:
            // A foreign key added NOT VALID or validated takes SHARE ROW EXCLUSIVE; other constraints ACCESS
            // EXCLUSIVE (handled by the caller, which knows the constraint).
            .accessExclusive
        case "AT_EnableTrig", "AT_DisableTrig", "AT_EnableAlwaysTrig", "AT_EnableReplicaTrig", "AT_EnableTrigAll",
            "AT_DisableTrigAll", "AT_EnableTrigUser", "AT_DisableTrigUser":
            .shareRowExclusive
        default:
            .accessExclusive
        }
    }

    /// The lock a command takes on the table it names, or `nil` when it takes none worth naming (or the kind is not
    /// in the table).
    public static func lock(of nodeType: String, _ body: SQLNode) -> TableLockMode? {
        switch nodeType {
        case "AlterTableStmt":
            let modes = (body["cmds"]?.array ?? []).compactMap { command -> TableLockMode? in
                guard let alter = command["AlterTableCmd"], let subtype = alter["subtype"]?.string else { return nil }
                if subtype == "AT_AddConstraint", alter["def"]?["Constraint"]?["contype"]?.string == "CONSTR_FOREIGN" {
                    return .shareRowExclusive
                }
                return alterTable(subtype)
            }
            return modes.max()
        case "IndexStmt":
            return body.flag("concurrent") ? .shareUpdateExclusive : .share
        case "ReindexStmt":
            // Writes wait on the table; reads that would use the index being rebuilt wait on its ACCESS EXCLUSIVE.
            // REINDEX … CONCURRENTLY takes SHARE UPDATE EXCLUSIVE instead.
            let concurrent = (body["params"]?.array ?? []).contains {
                $0["DefElem"]?["defname"]?.string == "concurrently"
            }
            return concurrent ? .shareUpdateExclusive : .share
        case "RefreshMatViewStmt":
            return body.flag("concurrent") ? .exclusive : .accessExclusive
        case "DropStmt", "TruncateStmt", "RenameStmt", "ClusterStmt":
            return .accessExclusive
        case "VacuumStmt":
            return .shareUpdateExclusive
        case "CreateTrigStmt":
            return .shareRowExclusive
        case "LockStmt":
            // The mode it names (libpg_query's LOCKMODE number: 1 ACCESS SHARE … 8 ACCESS EXCLUSIVE, the default).
            let number = body["mode"]?.int ?? 8
            let modes = TableLockMode.allCases
            return (1...modes.count).contains(number) ? modes[number - 1] : .accessExclusive
        default:
            return nil
        }
    }
}
