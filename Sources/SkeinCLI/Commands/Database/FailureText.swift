import Foundation
import SkeinCore
import SkeinPostgres

/// How a failed run reads: in Skein's grammar, `file:line:col`, PostgreSQL's message, psql's excerpt with a caret
/// and what the run did; in goose's grammar, the same as `skein: ` context lines and goose v3.17's own last line.
enum FailureText {
    /// goose's line for a migration that failed (`ERROR 00002_bad.sql: failed to run SQL migration: …`).
    static func gooseLine(_ failure: MigrationFailure, command: MigrationCommand) -> String {
        let migration = failure.failed.migration
        let line: String
        if migration.kind == .go {
            line =
                "ERROR \(migration.path): failed to run Go migration: Go functions must be registered and built into a custom binary (see https://github.com/pressly/goose/tree/master/examples/go-migrations)"
        } else {
            let cause = failure.server?.gooseText ?? failure.message
            let query = failure.statement.map { "failed to execute SQL query \(GoQuote.quote($0.sql)): " } ?? ""
            line = "ERROR \(migration.fileName): failed to run SQL migration: \(query)\(cause)"
        }
        // goose's reset wraps the Down's error; down, down-to and redo do not.
        if command == .reset { return "failed to db-down: " + line }
        return line
    }

    /// What the run did and where it failed, for people: the location and PostgreSQL's words first.
    static func lines(_ failure: MigrationFailure) -> [String] {
        let migration = failure.failed.migration
        var lines: [String] = []
        if migration.kind == .go {
            lines.append(
                "\(migration.path): \(migration.fileName) is a goose Go migration, which Skein cannot run; run it with a goose binary built with it, or rewrite it in SQL"
            )
        } else if let server = failure.server {
            lines.append("\(failure.location): \(server.oneLine)")
            if let excerpt = failure.excerpt { lines += excerpt.lines.map { "  " + $0 } }
            if let detail = server.detail { lines.append("  detail: \(detail)") }
            if let hint = server.hint { lines.append("  hint: \(hint)") }
        } else {
            lines.append("\(failure.location): \(failure.message)")
        }
        lines += failure.lockAttemptLines.map { "  " + $0 }
        if let help = failure.help { lines.append("  help: \(help)") }
        let verb = failure.failed.direction == .up ? "applied" : "rolled back"
        let count = failure.completed.count
        let done =
            count == 0
            ? "nothing was \(verb) before it" : "\(verb) \(count) migration\(count == 1 ? "" : "s") before it"
        if migration.kind == .go {
            lines.append("\(done); Skein stopped before it; nothing after it ran")
            return lines
        }
        let mode = migration.transactionMode ?? .transaction
        if mode.isTransactional {
            lines.append("\(done); \(migration.fileName) was rolled back; nothing after it ran")
        } else {
            let completed = failure.statementsCompleted ?? 0
            let total = (try? migration.section(failure.failed.direction)?.get())?.statements.count ?? 0
            lines.append(
                "\(done); \(migration.fileName) runs without a transaction: \(completed) of its \(total) statements completed and stay; nothing after it ran"
            )
            if failure.leftDirty {
                lines.append(
                    "it is recorded as dirty: later runs refuse until you finish or undo those statements by hand and run `skein repair \(migration.version) --applied` or `--rolled-back`"
                )
            }
        }
        return lines
    }

    /// The failure as the CLI reports it, in both grammars.
    static func cliFailure(_ failure: MigrationFailure, command: MigrationCommand) -> CLIFailure {
        let lines = lines(failure)
        return CLIFailure(
            .run, lines.joined(separator: "\n"), gooseLine: gooseLine(failure, command: command), gooseContext: lines)
    }

    /// A rejected plan: every problem, and goose's words for the first one goose has words for.
    static func cliFailure(_ rejected: Migrator.PlanRejected) -> CLIFailure {
        let errors = rejected.problems.filter { $0.severity == .error }
        return CLIFailure(
            .refused, "nothing was run: fix the problems above", gooseLine: errors.lazy.compactMap(\.gooseMessage).first
        )
    }
}
