import Logging
import PostgresNIO

extension PostgresRowSequence {
    /// The first row's only column, or `nil` when there is no row.
    func decodeFirst<Value: PostgresDecodable & Sendable>(_ type: Value.Type) async throws -> Value? {
        var first: Value?
        for try await value in decode(Value.self) where first == nil { first = value }
        return first
    }
}

extension PostgresConnection {
    /// Runs `body` in a transaction on this connection: COMMIT when it returns, ROLLBACK when it throws.
    func transaction(
        logger: Logger, _ body: (Statements) async throws -> Void,
        mapError: (any Error) -> any Error = { $0 }
    ) async throws {
        let statements = Statements(connection: self, logger: logger)
        do {
            try await statements.execute("BEGIN")
            try await body(statements)
            try await statements.execute("COMMIT")
        } catch {
            try? await sendCleanup("ROLLBACK", logger: logger)
            throw mapError(error)
        }
    }

    /// Sends one statement and discards its rows.
    struct Statements {
        var connection: PostgresConnection
        var logger: Logger
        func execute(_ query: PostgresQuery) async throws {
            _ = try await connection.query(query, logger: logger).collect()
        }
        func execute(_ sql: String) async throws { try await execute(PostgresQuery(unsafeSQL: sql)) }
    }
}
