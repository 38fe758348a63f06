import Foundation
import SkeinCore
import SkeinSQL

/// The policy's "Lock Timeout" row: a migration waiting for a heavy lock queues every later query on the table
/// behind it, so a transactional file that alters an existing table, or indexes it without `CONCURRENTLY`, must
/// first bound that wait with `SET lock_timeout` or `SET LOCAL lock_timeout` (or the runner must set it:
/// ``LintContext/runnerSetsLockTimeout``). One finding per file, at the first such statement. squawk's id for the
/// same check; its older `require-timeout-settings` also asks for `statement_timeout`.
struct RequireLockTimeoutRule: LintRule {
    static let info = LintRuleInfo(
        id: "require-lock-timeout", defaultSeverity: .warning,
        summary:
            "a transactional file that alters or indexes an existing table without SET lock_timeout before it",
        policy: LockSafetyRules.policy)

    var rules: [LintRuleInfo] { [Self.info] }

    /// Whether the command sets `lock_timeout` (`true`), clears it (`false`), or does not touch it (`nil`).
    static func setsLockTimeout(_ command: LintCommand) -> Bool? {
        guard let body = command.body else { return nil }
        switch command.nodeType {
        case "VariableSetStmt" where body["name"]?.string?.lowercased() == "lock_timeout":
            guard body["kind"]?.string == "VAR_SET_VALUE", let value = body["args"]?.array.first?["A_Const"] else {
                return false  // RESET, SET … TO DEFAULT
            }
            // 0 turns the timeout off.
            if let number = value["ival"]?["ival"]?.int { return number != 0 }
            if value["ival"] != nil { return false }  // ival 0 is left out
            if let text = value["sval"]?["sval"]?.string {
                return Double(text.trimmingCharacters(in: .whitespaces).prefix { $0.isNumber || $0 == "." }) != 0
            }
            return true
        case "SelectStmt":
            // SELECT set_config('lock_timeout', '…', …)
            for node in body.descendants() {
                guard let call = node["FuncCall"], call["funcname"]?.names.last == "set_config",
                    call["args"]?.array.first?["A_Const"]?["sval"]?["sval"]?.string?.lowercased() == "lock_timeout"
                else { continue }
                return true
            }
            return nil
        default:
            return nil
        }
    }

    /// What the command is, the table, and the lock it takes (``LockTable``), for a command that waits for a lock
    /// that queues application traffic on a table that existed before this migration; `nil` otherwise.
    static func heavyLock(_ command: LintCommand, createdHere: Set<String>) -> (what: String, mode: TableLockMode)? {
        guard let body = command.body, let type = command.nodeType, let mode = LockTable.lock(of: type, body),
            mode.blocksTraffic
        else { return nil }
        switch command.nodeType {
        case "AlterTableStmt" where body["objtype"]?.string == "OBJECT_TABLE":
            guard let table = SchemaObject.relation(body["relation"]), !createdHere.contains(table) else {
                return nil
            }
            return ("ALTER TABLE \(table)", mode)
        case "IndexStmt":
            guard let table = SchemaObject.relation(body["relation"]), !createdHere.contains(table) else {
                return nil
            }
            return ("CREATE INDEX on \(table)", mode)
        default:
            return nil
        }
    }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        guard file.isTransactional, !context.runnerSetsLockTimeout else { return [] }
        let createdHere = CreatedObjects.tables(in: file.up)
        var timeoutSet = false
        for command in file.up {
            if let sets = Self.setsLockTimeout(command) {
                timeoutSet = sets
                continue
            }
            guard !timeoutSet, let (what, mode) = Self.heavyLock(command, createdHere: createdHere) else { continue }
            return [
                Self.info.finding(
                    "\(what) takes \(mode) and waits for it without a limit; while it waits, \(mode.queuedBehind)",
                    hint:
                        "start the Up with SET LOCAL lock_timeout = '5s' (or have the runner set lock_timeout) and retry the migration if it times out",
                    at: command.location)
            ]
        }
        return []
    }
}
