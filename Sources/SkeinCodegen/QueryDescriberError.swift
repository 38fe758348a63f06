/// A failure of ``QueryDescriber``: it could not connect, PostgreSQL rejected a query, or the connection broke.
///
/// A rejected query carries PostgreSQL's message, SQLSTATE and the 1-based *character* position in the SQL text,
/// so the caller can turn it into file:line:col. Descriptions never contain a password.
public struct QueryDescriberError: Error, CustomStringConvertible, Sendable, Hashable {
    /// What went wrong.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidConnectionString, connectionFailed, queryRejected, connectionLost, catalogQueryFailed, notCached
        }
        private let base: Base

        /// The connection string is not one libpq can parse.
        public static let invalidConnectionString = Code(base: .invalidConnectionString)
        /// The server could not be reached or refused the login.
        public static let connectionFailed = Code(base: .connectionFailed)
        /// PostgreSQL rejected the statement (syntax error, unknown column, …): see ``sqlState`` and ``position``.
        public static let queryRejected = Code(base: .queryRejected)
        /// The connection broke while describing.
        public static let connectionLost = Code(base: .connectionLost)
        /// The catalog query that resolves types failed, or its answer could not be read.
        public static let catalogQueryFailed = Code(base: .catalogQueryFailed)
        /// The describe cache has no answer for the statement (``CachedDescriber``): it is new or changed.
        public static let notCached = Code(base: .notCached)

        /// The code's name, e.g. `queryRejected`.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// The server, as `user@host:port/database` (never with a password).
    public var endpoint: String
    /// PostgreSQL's primary message, or libpq's.
    public var message: String
    /// The SQLSTATE of a rejected query, e.g. `42703`.
    public var sqlState: String?
    /// Where in the SQL text PostgreSQL found the problem: a 1-based position counted in characters (Unicode
    /// scalars), as `PG_DIAG_STATEMENT_POSITION` reports it.
    public var position: Int?
    /// PostgreSQL's detail, if any.
    public var detail: String?
    /// PostgreSQL's hint, if any.
    public var hint: String?

    /// Creates an error.
    public init(
        code: Code, endpoint: String, message: String, sqlState: String? = nil, position: Int? = nil,
        detail: String? = nil, hint: String? = nil
    ) {
        self.code = code
        self.endpoint = endpoint
        self.message = message
        self.sqlState = sqlState
        self.position = position
        self.detail = detail
        self.hint = hint
    }

    /// The file line of ``position`` in `sql`, whose first line is `firstLine` (`firstLine` without a position).
    public func line(in sql: String, startingAt firstLine: Int) -> Int {
        guard let position else { return firstLine }
        return firstLine + sql.unicodeScalars.prefix(max(0, position - 1)).filter { $0 == "\n" }.count
    }

    /// What happened, where, and what to do.
    public var description: String {
        switch code {
        case .invalidConnectionString:
            return "The connection string for describing queries is not one libpq understands (a postgres:// URI or "
                + "key=value pairs). Check --dev-url."
        case .connectionFailed:
            return "Cannot connect to PostgreSQL at \(endpoint) to describe queries: \(message). "
                + "Check --dev-url (or the sandbox) and that the server is running and accepts this user."
        case .notCached:
            return message
        case .queryRejected:
            var text = "PostgreSQL rejected the query"
            if let sqlState { text += " (SQLSTATE \(sqlState))" }
            if let position { text += " at character \(position)" }
            text += ": \(message)"
            if let detail { text += " Detail: \(detail)" }
            if let hint { text += " Hint: \(hint)" }
            return text
        case .connectionLost:
            return "The connection to \(endpoint) broke while describing queries: \(message). "
                + "Run again; if it keeps happening, check the server's log."
        default:
            return "Reading types from the catalog of \(endpoint) failed: \(message). "
                + "The database must be PostgreSQL 14 or later."
        }
    }
}
