import SkeinSQL

/// Names read from parse trees, lower-cased as PostgreSQL folds them (libpg_query has already folded unquoted
/// names).
enum CreatedObjects {
    /// `schema.table` or `table` of a RangeVar node.
    static func relation(_ rangeVar: SQLNode?) -> String? {
        guard let rangeVar, let name = rangeVar["relname"]?.string else { return nil }
        if let schema = rangeVar["schemaname"]?.string { return schema + "." + name }
        return name
    }

    /// The tables a list of commands creates (`CREATE TABLE`, `CREATE TABLE … AS`).
    static func tables(in commands: [LintCommand]) -> Set<String> {
        var tables: Set<String> = []
        for command in commands {
            guard let body = command.body else { continue }
            let created: String? =
                switch command.nodeType {
                case "CreateStmt": relation(body["relation"])
                case "CreateTableAsStmt": relation(body["into"]?["rel"])
                default: nil
                }
            if let created { tables.insert(created) }
        }
        return tables
    }
}
