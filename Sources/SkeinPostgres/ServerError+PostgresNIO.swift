import Foundation
import PostgresNIO
public import SkeinCore

extension ServerError {
    /// What the server said, read from a PostgresNIO error (its own `description` is deliberately generic and
    /// is never shown); `nil` when `error` is not a server's answer.
    public init?(postgres error: any Error) {
        if let failure = error as? PipelineFailure {
            guard let server = failure.server else { return nil }
            self = server
            return
        }
        guard let psql = error as? PSQLError, let info = psql.serverInfo else { return nil }
        self.init(
            severity: info[.severity] ?? "ERROR", sqlState: info[.sqlState],
            message: info[.message] ?? "the server reported an error", detail: info[.detail], hint: info[.hint],
            position: info[.position].flatMap { Int($0) })
    }
}

/// Words for any error that may come from PostgresNIO: the server's message, SQLSTATE, detail and hint when the
/// server answered, what failed on the connection otherwise, and the error's own description for the rest. The
/// one function every command and the library's logs use, so PostgresNIO's generic `PSQLError` text never
/// reaches a user.
public enum PostgresErrorText {
    public static func describe(_ error: any Error) -> String {
        if error is CancellationError { return "cancelled by the operator (Ctrl-C, SIGTERM, or the app cancelled it)" }
        if let server = ServerError(postgres: error) { return server.description }
        if let psql = error as? PSQLError {
            return "the connection failed (\(psql.code))" + (psql.underlying.map { ": \($0)" } ?? "")
        }
        return "\(error)"
    }

    /// ``describe(_:)`` on one line (for log messages; the details go in metadata).
    public static func oneLine(_ error: any Error) -> String {
        if let server = ServerError(postgres: error) { return server.oneLine }
        return describe(error).replacingOccurrences(of: "\n", with: " ")
    }
}
