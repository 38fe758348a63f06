import Foundation
import SkeinCore
import SkeinSQL

/// The policy's "Lock Timeout" row: `REINDEX` without `CONCURRENTLY` blocks writes to the table (and reads that
/// use the index) until every index is rebuilt. `REINDEX SYSTEM`, which cannot run concurrently, is not reported.
struct RequireConcurrentReindexRule: LintRule {
    static let info = LintRuleInfo(
        id: "require-concurrent-reindex", defaultSeverity: .warning,
        summary: "REINDEX without CONCURRENTLY", policy: LockSafetyRules.policy)

    var rules: [LintRuleInfo] { [Self.info] }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        file.up.compactMap { command in
            guard command.nodeType == "ReindexStmt", let body = command.body,
                !(body["params"]?.array ?? []).contains(where: {
                    $0["DefElem"]?["defname"]?.string == "concurrently"
                })
            else { return nil }
            let kind: String
            let name: String
            switch body["kind"]?.string {
            case "REINDEX_OBJECT_INDEX": (kind, name) = ("INDEX", SchemaObject.relation(body["relation"]) ?? "")
            case "REINDEX_OBJECT_TABLE": (kind, name) = ("TABLE", SchemaObject.relation(body["relation"]) ?? "")
            case "REINDEX_OBJECT_SCHEMA": (kind, name) = ("SCHEMA", body["name"]?.string ?? "")
            case "REINDEX_OBJECT_DATABASE": (kind, name) = ("DATABASE", body["name"]?.string ?? "")
            default: return nil
            }
            return Self.info.finding(
                "REINDEX \(kind) \(name) blocks writes to the tables it rebuilds until it finishes",
                hint:
                    "use REINDEX \(kind) CONCURRENTLY \(name) (PostgreSQL 12+) in its own `-- +goose NO TRANSACTION` file, as its only statement",
                at: command.location)
        }
    }
}
