import Logging
import NIOCore
import PostgresNIO
import SkeinCore

/// One command of a transactional file, queued on the connection without waiting for the one before it
/// (``StepRun/sendQueued(opening:setsTimeouts:_:)``).
struct QueuedCommand: Sendable {
    var statement: Statement
    var command: SQLCommand
    /// Whether it is its statement's first command: the observer hears of the statement when it starts.
    var first: Bool

    var line: Int { statement.line + command.lineOffset }

    /// Words that start a command able to end the transaction block, or to bring an aborted one back
    /// (`ROLLBACK TO SAVEPOINT`): after a failed command, such a command would let the ones after it run.
    static let transactionControl: Set<String> = [
        "abort", "begin", "commit", "end", "prepare", "release", "rollback", "savepoint", "start",
    ]

    /// The commands of `statements` in order, or `nil` when they must be sent one at a time: a statement with no
    /// command, a `COPY … FROM STDIN` (refused before it is sent), or a transaction-control command. Queued
    /// commands run as if sent one by one: once one fails, each one after it fails in the aborted transaction
    /// (SQLSTATE 25P02) and the transaction is rolled back.
    static func plan(_ statements: [Statement]) -> [QueuedCommand]? {
        var planned: [QueuedCommand] = []
        for statement in statements {
            let commands = SQLCommandSplitter.split(statement.sql)
            guard !commands.isEmpty else { return nil }
            for (index, command) in commands.enumerated() {
                let keyword = MigrationExecutor.leadingKeyword(command.sql)
                if transactionControl.contains(keyword)
                    || (keyword == "copy" && StepRun.copiesFromStandardInput(command.sql))
                {
                    return nil
                }
                planned.append(QueuedCommand(statement: statement, command: command, first: index == 0))
            }
        }
        return planned
    }
}

extension StepRun {
    /// Sends `opening` (the timeouts, `BEGIN`) and the file's commands (none for a file sent one command at a time
    /// after it) without waiting between them: PostgresNIO queues each behind the one before and sends it when that
    /// one completes, on its event loop, so the run waits once for all of them instead of once per command. The
    /// server still runs them one at a time, in order; the observer and the statement watch hear of each command
    /// when the one before it completes.
    func sendQueued(opening: [String], setsTimeouts: Bool, _ commands: [QueuedCommand]) async throws {
        var futures: [EventLoopFuture<PostgresQueryResult>] = []
        futures.reserveCapacity(opening.count + commands.count)
        for sql in opening {
            futures.append(connection.query(PostgresQuery(unsafeSQL: sql), logger: logger))
        }
        for command in commands {
            futures.append(connection.query(PostgresQuery(unsafeSQL: command.command.sql), logger: logger))
        }
        let (watch, observer, step) = (self.watch, executor.observer, self.step)
        @Sendable func starting(_ command: QueuedCommand) {
            if command.first { observer?(.executing(step, command.statement)) }
            watch?.begin(step, line: command.line)
        }
        if let first = commands.first {
            if let before = futures.dropLast(commands.count).last {
                before.whenSuccess { _ in starting(first) }
            } else {
                starting(first)
            }
        }
        for offset in commands.indices {
            let next = offset + 1 < commands.count ? commands[offset + 1] : nil
            futures[opening.count + offset].whenComplete { result in
                watch?.end()
                if case .success = result, let next { starting(next) }
            }
        }
        for (index, future) in futures.enumerated() {
            do {
                _ = try await future.get()
            } catch {
                guard index >= opening.count else { throw MigrationExecutor.failure(error, line: nil) }
                let command = commands[index - opening.count]
                var failure = MigrationExecutor.failure(error, line: command.line)
                failure.statement = command.statement
                failure.command = command.command.sql
                throw failure
            }
            if setsTimeouts && index == 0 { session.hasTimeouts = true }
        }
    }
}
