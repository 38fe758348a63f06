import CPgQuery

/// PostgreSQL's grammar through libpg_query. Nothing outside this module sees C.
public enum SQLGrammar {
    /// A statement as PostgreSQL's parser delimits it: its text (leading white space and comments
    /// included, the `;` excluded) and its byte range in the input.
    public struct SplitStatement: Sendable, Hashable {
        public var text: String
        public var byteOffset: Int
        public var byteLength: Int
    }

    /// Why libpg_query could not split the text; `position` is a 1-based character offset when known.
    public struct SplitError: Error, Sendable, Hashable, CustomStringConvertible {
        public var message: String
        public var position: Int?
        public var description: String { message + (position.map { " (at character \($0))" } ?? "") }
    }

    /// Splits `sql` with PostgreSQL's parser (`pg_query_split_with_parser`).
    public static func split(_ sql: String) throws(SplitError) -> [SplitStatement] {
        let bytes = Array(sql.utf8)
        let result = pg_query_split_with_parser(sql)
        defer { pg_query_free_split_result(result) }
        if let error = result.error {
            let message = error.pointee.message.map { String(cString: $0) } ?? "syntax error"
            let position = Int(error.pointee.cursorpos)
            throw SplitError(message: message, position: position > 0 ? position : nil)
        }
        var statements: [SplitStatement] = []
        for index in 0..<Int(result.n_stmts) {
            guard let statement = result.stmts[index]?.pointee else { continue }
            let start = min(Int(statement.stmt_location), bytes.count)
            let end = min(start + Int(statement.stmt_len), bytes.count)
            statements.append(
                SplitStatement(
                    text: String(decoding: bytes[start..<end], as: UTF8.self), byteOffset: start,
                    byteLength: end - start))
        }
        return statements
    }
}
