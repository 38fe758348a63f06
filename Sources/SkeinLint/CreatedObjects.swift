import SkeinSQL

/// What a list of commands creates (names as ``SchemaObject`` writes them: `public.` left out).
enum CreatedObjects {
    /// The tables a list of commands creates (`CREATE TABLE`, `CREATE TABLE … AS`).
    static func tables(in commands: [LintCommand]) -> Set<String> {
        var tables: Set<String> = []
        for command in commands {
            guard let body = command.body else { continue }
            let created: String? =
                switch command.nodeType {
                case "CreateStmt": SchemaObject.relation(body["relation"])
                case "CreateTableAsStmt": SchemaObject.relation(body["into"]?["rel"])
                default: nil
                }
            if let created { tables.insert(created) }
        }
        return tables
    }
}
