import Foundation
import SkeinCore
import SkeinSQL

/// The policy's "Lock Timeout" row: `CREATE INDEX` without `CONCURRENTLY` blocks writes to a table that already
/// has traffic. Tables created in the same migration are exempt (nothing uses them yet), as in squawk.
struct RequireConcurrentIndexCreationRule: LintRule {
    static let info = LintRuleInfo(
        id: "require-concurrent-index-creation", defaultSeverity: .warning,
        summary: "CREATE INDEX without CONCURRENTLY on a table that existed before this migration",
        policy:
            "Lock Timeout: Long-running migration blocks other operations — Optimize migration or schedule maintenance window"
    )

    var rules: [LintRuleInfo] { [Self.info] }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        let createdHere = CreatedObjects.tables(in: file.up)
        return file.up.compactMap { command in
            guard command.nodeType == "IndexStmt", let body = command.body, !body.flag("concurrent"),
                let table = SchemaObject.relation(body["relation"]), !createdHere.contains(table)
            else { return nil }
            let index = body["idxname"]?.string.map { "index \($0)" } ?? "the index"
            return Self.info.finding(
                "creating \(index) blocks writes to \(table) while it builds",
                hint:
                    "use CREATE INDEX CONCURRENTLY in its own `-- +goose NO TRANSACTION` file, as its only statement, preceded by DROP INDEX CONCURRENTLY IF EXISTS to clear an invalid index a failed run leaves",
                at: command.location)
        }
    }
}
