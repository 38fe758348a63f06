import Foundation
public import Logging
public import PostgresNIO
public import SkeinCore

/// A server error mapped to the migration file: which statement, where, and PostgreSQL's own words.
public struct MigrationFailure: Error, Sendable, CustomStringConvertible {
    /// Versions applied (or rolled back) by this run before the failure; they stay.
    public var completed: [MigrationStep]
    /// The step that failed; nothing of it remains when it ran in a transaction.
    public var failed: MigrationStep
    /// The 1-based line in the file of the statement that failed.
    public var line: Int?
    public var sqlState: String?
    public var message: String
    public var detail: String?
    public var hint: String?

    public var description: String {
        var text = ""
        let done = completed.map { "\($0.migration.fileName)" }
        let verb = failed.direction == .up ? "Applied" : "Rolled back"
        text +=
            done.isEmpty
            ? "Nothing was \(verb.lowercased()) before the failure. " : "\(verb) \(done.joined(separator: ", ")). "
        text += "Failed \(failed.migration.path)\(line.map { ":\($0)" } ?? "") (\(failed.direction)): "
        text += message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let detail { text += "\n  detail: \(detail)" }
        if let hint { text += "\n  hint: \(hint)" }
        if failed.migration.kind == .go {
            return text
                + "\nSkein stopped before it; nothing after it ran. Run it with a goose binary built with it, or rewrite it in SQL."
        }
        let mode = failed.migration.transactionMode ?? .transaction
        text +=
            mode.isTransactional
            ? "\nEverything of \(failed.migration.fileName) was rolled back; nothing after it ran."
            : "\n\(failed.migration.fileName) runs without a transaction: statements before line \(line ?? 0) stay applied; nothing after it ran."
        return text
    }
}

/// Runs a plan's steps on one held connection, goose's way: each migration's statements and its version row
/// in one transaction (or statement by statement for `NO TRANSACTION`), a goose statement holding several
/// commands sent command by command (``SQLCommandSplitter``) inside a transaction so it stays atomic.
public struct MigrationExecutor: Sendable {
    public var store: VersionStore

    public init(store: VersionStore = VersionStore()) {
        self.store = store
    }

    /// What ran.
    public struct Report: Sendable {
        public var completed: [(step: MigrationStep, duration: Duration)]
    }

    /// Runs every step; stops at the first failure (``MigrationFailure``) or before a Go migration.
    public func execute(_ steps: [MigrationStep], on connection: PostgresConnection, logger: Logger) async throws
        -> Report
    {
        var completed: [(step: MigrationStep, duration: Duration)] = []
        for step in steps {
            guard step.migration.kind == .sql, case .success(let section) = step.migration.section(step.direction)
            else {
                throw MigrationFailure(
                    completed: completed.map(\.step), failed: step, line: nil, sqlState: nil,
                    message: step.migration.kind == .go
                        ? "\(step.migration.fileName) is a goose Go migration, which Skein cannot run"
                        : "\(step.migration.fileName) does not parse", detail: nil, hint: nil)
            }
            let clock = ContinuousClock()
            let started = clock.now
            do {
                try await run(step, section: section, on: connection, logger: logger)
            } catch let failure as StatementFailure {
                throw MigrationFailure(
                    completed: completed.map(\.step), failed: step, line: failure.line, sqlState: failure.sqlState,
                    message: failure.message, detail: failure.detail, hint: failure.hint)
            }
            completed.append((step, clock.now - started))
            logger.info(
                "migrated",
                metadata: ["migration.version": "\(step.migration.version)", "direction": "\(step.direction)"])
        }
        return Report(completed: completed)
    }

    struct StatementFailure: Error {
        var line: Int?
        var sqlState: String?
        var message: String
        var detail: String?
        var hint: String?
    }

    private func run(_ step: MigrationStep, section: GooseSection, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        let transactional = section.transactionMode.isTransactional
        if transactional { try await send("BEGIN", line: nil, on: connection, logger: logger) }
        do {
            for statement in section.statements {
                let commands = SQLCommandSplitter.split(statement.sql)
                let wrap = !transactional && commands.count > 1
                if wrap { try await send("BEGIN", line: statement.line, on: connection, logger: logger) }
                do {
                    for command in commands {
                        try await send(
                            command.sql, line: statement.line + command.lineOffset, on: connection, logger: logger)
                    }
                    if wrap { try await send("COMMIT", line: statement.line, on: connection, logger: logger) }
                } catch {
                    if wrap { _ = try? await connection.query("ROLLBACK", logger: logger).collect() }
                    throw error
                }
            }
            if step.recording == .record {
                do {
                    try await store.record(
                        step.direction, version: step.migration.version, on: connection, logger: logger)
                } catch {
                    throw Self.failure(error, line: nil)
                }
            }
            if transactional { try await send("COMMIT", line: nil, on: connection, logger: logger) }
        } catch {
            if transactional { _ = try? await connection.query("ROLLBACK", logger: logger).collect() }
            throw error
        }
    }

    private func send(_ sql: String, line: Int?, on connection: PostgresConnection, logger: Logger) async throws {
        do {
            _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
        } catch {
            throw Self.failure(error, line: line)
        }
    }

    static func failure(_ error: any Error, line: Int?) -> StatementFailure {
        if let psql = error as? PSQLError, let info = psql.serverInfo {
            return StatementFailure(
                line: line, sqlState: info[.sqlState], message: info[.message] ?? "the server reported an error",
                detail: info[.detail], hint: info[.hint])
        }
        if let psql = error as? PSQLError {
            return StatementFailure(
                line: line, sqlState: nil, message: "the connection failed (\(psql.code))", detail: nil, hint: nil)
        }
        return StatementFailure(line: line, sqlState: nil, message: "\(error)", detail: nil, hint: nil)
    }
}
