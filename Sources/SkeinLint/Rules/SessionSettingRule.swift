import Foundation
import SkeinCore
import SkeinSQL

/// A plain `SET` (or `set_config(…, false)`) in a migration outlives it: goose runs every later file on the same
/// connection, so a `SET statement_timeout` in one file cancels the next file's statements (Skein's grammar resets
/// the session between files; goose's grammar and goose do not). In a transactional file the fix is `SET LOCAL`,
/// which ends with the migration's transaction; a `NO TRANSACTION` file must `RESET` what it set before it ends.
struct SessionSettingRule: LintRule {
    static let info = LintRuleInfo(
        id: "session-level-set", defaultSeverity: .warning,
        summary:
            "a SET (not SET LOCAL) that outlives its migration and changes the session every later file runs in",
        policy: LockSafetyRules.policy)

    var rules: [LintRuleInfo] { [Self.info] }

    /// The setting a command changes for the session (`SET x`, `SET SESSION x`, `set_config('x', …, false)`),
    /// or `nil`. `SET LOCAL`, `SET ROLE`/`SESSION AUTHORIZATION` handled as settings too (`role`).
    static func sessionSetting(_ command: LintCommand) -> String? {
        guard let body = command.body else { return nil }
        switch command.nodeType {
        case "VariableSetStmt":
            guard !body.flag("is_local"), let kind = body["kind"]?.string,
                kind == "VAR_SET_VALUE" || kind == "VAR_SET_MULTI" || kind == "VAR_SET_CURRENT"
            else { return nil }
            return body["name"]?.string?.lowercased()
        case "SelectStmt":
            for node in body.descendants() {
                guard let call = node["FuncCall"], call["funcname"]?.names.last == "set_config" else { continue }
                let args = call["args"]?.array ?? []
                guard args.count == 3, let name = args[0]["A_Const"]?["sval"]?["sval"]?.string else { continue }
                // set_config's third argument: is_local. false (or anything not the constant true) lasts.
                let local = args[2]["A_Const"]?["boolval"]?.flag("boolval") == true
                if !local { return name.lowercased() }
            }
            return nil
        default:
            return nil
        }
    }

    /// The setting a `RESET` puts back (`all` for `RESET ALL`), or `nil`.
    static func resetSetting(_ command: LintCommand) -> String? {
        guard command.nodeType == "VariableSetStmt", let body = command.body else { return nil }
        switch body["kind"]?.string {
        case "VAR_RESET": return body["name"]?.string?.lowercased()
        case "VAR_RESET_ALL": return "all"
        case "VAR_SET_DEFAULT": return body["name"]?.string?.lowercased()
        default: return nil
        }
    }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        var findings: [LintFinding] = []
        for direction in [Direction.up, .down] {
            let commands = file.commands(direction)
            for (index, command) in commands.enumerated() {
                guard let name = Self.sessionSetting(command) else { continue }
                if file.isTransactional {
                    findings.append(
                        Self.info.finding(
                            "SET \(name) lasts past this migration's COMMIT: every later migration on the connection runs with it (goose does not reset the session)",
                            hint:
                                "write SET LOCAL \(name) = …; (or set_config('\(name)', …, true)): it ends with the migration's transaction",
                            at: command.location))
                    continue
                }
                let resetLater = commands[(index + 1)...].contains {
                    let reset = Self.resetSetting($0)
                    return reset == name || reset == "all"
                }
                guard !resetLater else { continue }
                findings.append(
                    Self.info.finding(
                        "SET \(name) in a NO TRANSACTION file lasts after it ends: every later migration on the connection runs with it",
                        hint: "end the file with RESET \(name); (SET LOCAL has no effect outside a transaction)",
                        at: command.location))
            }
        }
        return findings
    }
}
