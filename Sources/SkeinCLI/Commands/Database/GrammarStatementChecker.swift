import SkeinCore
import SkeinSQL

/// PostgreSQL 15's grammar (libpg_query, through SkeinSQL) as the runner's ``StatementChecker``: the CLI sets it
/// for every run (``RunSettings``) and `skein validate` asks it about every file. A goose statement is parsed
/// whole, so a `DO` block, a function body or a StatementBegin/End block of several commands is one parse.
///
/// The grammar knows PostgreSQL 15: against a newer server, a statement it rejects may be newer syntax, so it is
/// reported as not checked (a warning), never as an error.
enum GrammarStatementChecker {
    /// The PostgreSQL major version whose grammar libpg_query carries.
    static let grammarMajorVersion = 15

    /// Statements larger than this are not parsed ahead (a data load, not schema work); they run unchecked.
    static let sizeLimit = 16 << 20

    static let checker = StatementChecker { sql, serverMajorVersion in
        check(sql, serverMajorVersion: serverMajorVersion)
    }

    /// What the grammar says about `sql` for a server of `serverMajorVersion` (`nil`: unknown, judged as
    /// PostgreSQL 15).
    static func check(_ sql: String, serverMajorVersion: Int?) -> StatementCheckResult {
        guard sql.utf8.count <= sizeLimit else {
            return .notChecked(reason: "the statement is larger than \(sizeLimit >> 20) MiB, too large to parse ahead")
        }
        guard let error = SQLGrammar.syntaxError(in: sql) else { return .valid }
        if let serverMajorVersion, serverMajorVersion > grammarMajorVersion {
            return .notChecked(
                reason:
                    "PostgreSQL \(serverMajorVersion) syntax beyond the PG \(grammarMajorVersion) grammar (which says: \(error.message))",
                utf8Offset: error.byteOffset)
        }
        return .syntaxError(message: error.message, utf8Offset: error.byteOffset)
    }
}
