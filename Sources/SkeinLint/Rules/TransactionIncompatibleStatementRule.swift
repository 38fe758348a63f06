import Foundation
import SkeinCore
import SkeinSQL

/// "Goose automatically wraps migrations in transactions": statements PostgreSQL refuses inside a transaction
/// block fail in a transactional file, and in a multi-command goose statement (sent atomically).
struct TransactionIncompatibleStatementRule: LintRule {
    static let transactionIncompatibleStatement = LintRuleInfo(
        id: "transaction-incompatible-statement", defaultSeverity: .error,
        summary: "a statement that cannot run inside a transaction, in a transactional file",
        policy: "Transactions: Goose automatically wraps migrations in transactions")
    static let transactionControlInMigration = LintRuleInfo(
        id: "transaction-control-in-migration", defaultSeverity: .error,
        summary: "BEGIN, COMMIT or ROLLBACK inside a migration that goose already wraps in a transaction",
        policy: "Transactions: Goose automatically wraps migrations in transactions")

    var rules: [LintRuleInfo] { [Self.transactionIncompatibleStatement, Self.transactionControlInMigration] }

    /// What the statement is, when PostgreSQL refuses it inside a transaction block.
    static func nonTransactional(_ command: LintCommand) -> String? {
        guard let body = command.body else { return nil }
        switch command.nodeType {
        case "IndexStmt" where body.flag("concurrent"): return "CREATE INDEX CONCURRENTLY"
        case "DropStmt" where body.flag("concurrent"): return "DROP INDEX CONCURRENTLY"
        case "ReindexStmt":
            let concurrent = body["params"]?.array.contains { $0["DefElem"]?["defname"]?.string == "concurrently" }
            return concurrent == true ? "REINDEX CONCURRENTLY" : nil
        case "VacuumStmt": return body.flag("is_vacuumcmd") ? "VACUUM" : nil
        case "CreatedbStmt": return "CREATE DATABASE"
        case "DropdbStmt": return "DROP DATABASE"
        case "AlterSystemStmt": return "ALTER SYSTEM"
        case "CreateTableSpaceStmt": return "CREATE TABLESPACE"
        case "DropTableSpaceStmt": return "DROP TABLESPACE"
        default: return nil
        }
    }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        var findings: [LintFinding] = []
        // Pieces of a command goose cuts apart (a function body's `END;`) are goose-split-mismatch's.
        let claimed = GooseSplitMismatchRule.claimedStatements(in: file)
        for direction in Direction.allCases {
            let commands = file.commands(direction)
            for command in commands where !claimed.contains(command.statement) {
                if let what = Self.nonTransactional(command) {
                    let sharesStatement = commands.filter { $0.statement == command.statement }.count > 1
                    if file.isTransactional {
                        findings.append(
                            Self.transactionIncompatibleStatement.finding(
                                "\(what) cannot run inside a transaction block, and goose runs this file in one",
                                hint:
                                    "put it in its own migration with `-- +goose NO TRANSACTION`, as the only statement",
                                at: command.location))
                    } else if sharesStatement {
                        findings.append(
                            Self.transactionIncompatibleStatement.finding(
                                "\(what) shares a goose statement with other commands, which goose sends as one multi-command query (a transaction block)",
                                hint: "give it a statement of its own (end the previous one with `;` on its line)",
                                at: command.location))
                    }
                }
                if command.nodeType == "TransactionStmt", file.isTransactional {
                    let kind = command.body?["kind"]?.string ?? ""
                    findings.append(
                        Self.transactionControlInMigration.finding(
                            "\(kind.replacingOccurrences(of: "TRANS_STMT_", with: "")) inside a migration goose already runs in a transaction",
                            hint:
                                "remove it: goose commits each migration itself; use `-- +goose NO TRANSACTION` if the file must manage its own transactions",
                            at: command.location))
                }
            }
        }
        return findings
    }
}
