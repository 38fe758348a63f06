import CLibPQ
import Foundation

/// Describes SQL statements with PostgreSQL itself, without running them: parameter types and result columns
/// from `PQprepare` + `PQdescribePrepared`, then every type, domain, enum and source column from the catalog.
///
/// The describer owns one libpq connection. libpq connections are not thread-safe, so the describer is an actor:
/// one call at a time. The calls block a thread while they wait for the server (libpq is synchronous), which is
/// fine for a code generator that describes a project's queries once.
///
/// Work is batched: the statements are sent in libpq pipelines of ``pipelineDepth`` statements (one round trip
/// per pipeline; each statement is prepared as the unnamed statement, so nothing needs deallocating), and the
/// catalog is read with one query for the whole batch, whatever the number of columns and types.
///
/// ```swift
/// let describer = try QueryDescriber(connectionString: "postgres://app@localhost/scratch")
/// let query = try await describer.describe("SELECT id, email FROM users WHERE id = $1")
/// query.parameters[0].sqlType  // "bigint"
/// query.columns[1].source?.notNull  // true
/// ```
public actor QueryDescriber {
    /// How many statements go into one libpq pipeline: large enough to save round trips, small enough that
    /// neither side's socket buffer fills while the other is still writing (libpq's blocking pipeline deadlock).
    public static let pipelineDepth = 64

    private let handle: ConnectionHandle
    private var connection: OpaquePointer { handle.pointer }
    /// The server, as `user@host:port/database`, for messages.
    public nonisolated let endpoint: String

    /// Loads libpq now, if it is not loaded yet (thread-safe): a command that will describe queries calls this on
    /// another thread at its start, so that the loading (libpq and the libraries it needs, ~10 ms) overlaps reading
    /// the query files. Returns why libpq cannot be loaded, or `nil`; ``init(connectionString:database:)`` reports
    /// the same problem as its error.
    @discardableResult
    public static func loadLibrary() -> String? {
        skein_libpq_load_error().map { String(cString: $0) }
    }

    /// Connects to the database that holds the schema.
    ///
    /// - Parameter connectionString: a libpq connection string: a `postgres://` URI or `key=value` pairs; what it
    ///   leaves out comes from libpq's `PG*` variables and defaults.
    /// - Throws: ``QueryDescriberError`` with ``QueryDescriberError/Code/invalidConnectionString`` or
    ///   ``QueryDescriberError/Code/connectionFailed`` (naming the host and database, never the password; also when
    ///   libpq itself cannot be loaded).
    /// - Parameter database: connect to this database instead of the one the string names (the string's other
    ///   settings still apply).
    public init(connectionString: String, database: String? = nil) throws {
        if let problem = skein_libpq_load_error() {
            throw QueryDescriberError(code: .connectionFailed, endpoint: "", message: String(cString: problem))
        }
        guard var options = Self.parseConnectionString(connectionString) else {
            throw QueryDescriberError(
                code: .invalidConnectionString, endpoint: "", message: "not a libpq connection string")
        }
        if let database { options["dbname"] = database }
        let connected: OpaquePointer?
        if let database {
            // With expand_dbname, the first dbname is the whole string; a later dbname is a plain database name
            // that overrides the one the string names.
            let keywords = [strdup("dbname"), strdup("dbname"), nil]
            let values = [strdup(connectionString), strdup(database), nil]
            defer { (keywords + values).forEach { free($0) } }
            connected = PQconnectdbParams(
                keywords.map { UnsafePointer($0) }, values.map { UnsafePointer($0) }, 1)
        } else {
            connected = PQconnectdb(connectionString)
        }
        guard let connection = connected else {
            throw QueryDescriberError(
                code: .connectionFailed, endpoint: Self.endpoint(options), message: "libpq is out of memory")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.errorMessage(connection)
            var fallback = options
            if let database = PQdb(connection) { fallback["dbname"] = fallback["dbname"] ?? String(cString: database) }
            if let user = PQuser(connection) { fallback["user"] = fallback["user"] ?? String(cString: user) }
            PQfinish(connection)
            throw QueryDescriberError(code: .connectionFailed, endpoint: Self.endpoint(fallback), message: message)
        }
        // libpq prints notices to stderr by default; a library never prints.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        // No JIT: the catalog query's row estimates (a recursive CTE over unnested arrays) put its cost above
        // jit_above_cost, and compiling it took 110 of its 130 ms on a 1000-query project (EXPLAIN ANALYZE, PostgreSQL
        // 15 with LLVM). Nothing the describer runs is long enough to gain from JIT. A server without the setting
        // (before PostgreSQL 11) refuses it, which changes nothing here.
        PQclear(PQexec(connection, "SET jit = off"))
        self.handle = ConnectionHandle(connection)
        self.endpoint = Self.endpoint([
            "user": PQuser(connection).map { String(cString: $0) } ?? "",
            "host": PQhost(connection).map { String(cString: $0) } ?? "",
            "port": PQport(connection).map { String(cString: $0) } ?? "",
            "dbname": PQdb(connection).map { String(cString: $0) } ?? "",
        ])
    }

    /// Describes one statement with `$1…$n` placeholders.
    ///
    /// - Throws: ``QueryDescriberError``: ``QueryDescriberError/Code/queryRejected`` with PostgreSQL's message,
    ///   SQLSTATE and position when the statement is wrong; ``QueryDescriberError/Code/connectionLost`` or
    ///   ``QueryDescriberError/Code/catalogQueryFailed`` when the database fails.
    public func describe(_ sql: String) throws -> DescribedQuery {
        try describe([sql])[0].get()
    }

    /// Describes many statements in few round trips: `ceil(count / pipelineDepth)` pipelines plus one catalog
    /// query.
    ///
    /// - Returns: One result per statement, in order: the description, or the
    ///   ``QueryDescriberError/Code/queryRejected`` error PostgreSQL gave for it.
    /// - Throws: ``QueryDescriberError`` when the connection breaks or the catalog cannot be read.
    public func describe(_ statements: [String]) throws -> [Result<DescribedQuery, QueryDescriberError>] {
        var raw: [Result<RawDescription, QueryDescriberError>] = []
        raw.reserveCapacity(statements.count)
        var start = 0
        while start < statements.count {
            let end = min(start + Self.pipelineDepth, statements.count)
            raw += try describePipelined(statements[start..<end])
            start = end
        }
        let descriptions = raw.compactMap { try? $0.get() }
        let catalog = try readCatalog(for: descriptions)
        return zip(statements, raw).map { sql, result in
            result.map { catalog.resolve($0, sql: sql) }
        }
    }

    /// Runs SQL as a simple query: several statements may be given at once, as `psql -c` would send them.
    ///
    /// - Throws: ``QueryDescriberError`` (``QueryDescriberError/Code/queryRejected`` with PostgreSQL's message and
    ///   position) when a statement fails; the statements before it in `sql` have run.
    public func run(_ sql: String) throws {
        guard let result = PQexec(connection, sql) else { throw lost() }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY else {
            throw rejected(result)
        }
    }

    /// The rows of a query, as text (`nil` for NULL).
    public func rows(_ sql: String) throws -> [[String?]] {
        guard let result = PQexec(connection, sql) else { throw lost() }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_TUPLES_OK else { throw rejected(result) }
        return (0..<PQntuples(result)).map { row in
            (0..<PQnfields(result)).map { column in
                PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
            }
        }
    }

    /// The server's major version (`server_version_num` / 10000): 15 for 15.18.
    public func postgresMajorVersion() throws -> Int {
        let text = try rows("SELECT current_setting('server_version_num')").first?.first ?? nil
        return (Int(text ?? "") ?? 0) / 10000
    }

    // MARK: - Prepare and describe

    /// What `PQdescribePrepared` says, before the catalog is read.
    struct RawDescription {
        var parameterTypes: [UInt32]
        var columns: [RawColumn]
    }

    struct RawColumn {
        var name: String
        var type: UInt32
        var typeModifier: Int32
        var table: UInt32
        var columnNumber: Int32
    }

    /// Sends prepare + describe + sync for each statement in one pipeline, then reads the answers.
    private func describePipelined(
        _ statements: ArraySlice<String>
    ) throws -> [Result<RawDescription, QueryDescriberError>] {
        guard PQenterPipelineMode(connection) == 1 else { throw lost() }
        for sql in statements {
            guard PQsendPrepare(connection, "", sql, 0, nil) == 1,
                PQsendDescribePrepared(connection, "") == 1,
                PQpipelineSync(connection) == 1
            else { throw lost() }
        }
        var results: [Result<RawDescription, QueryDescriberError>] = []
        for _ in statements {
            // Each statement answers: prepare's result, NULL, describe's result, NULL, then the sync.
            var finishedCommands = 0
            var rejection: QueryDescriberError?
            var description: RawDescription?
            while true {
                guard let result = PQgetResult(connection) else {
                    finishedCommands += 1
                    if finishedCommands > 2 || PQstatus(connection) != CONNECTION_OK { throw lost() }
                    continue
                }
                defer { PQclear(result) }
                let status = PQresultStatus(result)
                if status == PGRES_PIPELINE_SYNC { break }
                if status == PGRES_FATAL_ERROR {
                    if rejection == nil { rejection = rejected(result) }
                } else if status == PGRES_COMMAND_OK && finishedCommands == 1 {
                    description = Self.rawDescription(of: result)
                }
            }
            if let rejection {
                results.append(.failure(rejection))
            } else if let description {
                results.append(.success(description))
            } else {
                throw lost()
            }
        }
        guard PQexitPipelineMode(connection) == 1 else { throw lost() }
        return results
    }

    private static func rawDescription(of result: OpaquePointer) -> RawDescription {
        let parameterTypes = (0..<PQnparams(result)).map { PQparamtype(result, $0) }
        let columns = (0..<PQnfields(result)).map { index in
            RawColumn(
                name: PQfname(result, index).map { String(cString: $0) } ?? "",
                type: PQftype(result, index),
                typeModifier: PQfmod(result, index),
                table: PQftable(result, index),
                columnNumber: PQftablecol(result, index)
            )
        }
        return RawDescription(parameterTypes: parameterTypes, columns: columns)
    }

    private func rejected(_ result: OpaquePointer) -> QueryDescriberError {
        func field(_ code: Character) -> String? {
            PQresultErrorField(result, Int32(code.asciiValue ?? 0)).map { String(cString: $0) }
        }
        if field("C") == nil, PQstatus(connection) != CONNECTION_OK {
            return lost()
        }
        return QueryDescriberError(
            code: .queryRejected,
            endpoint: endpoint,
            message: field("M") ?? Self.errorMessage(connection),
            sqlState: field("C"),
            position: field("P").flatMap { Int($0) },
            detail: field("D"),
            hint: field("H")
        )
    }

    private func lost() -> QueryDescriberError {
        if PQpipelineStatus(connection) != PQ_PIPELINE_OFF { PQexitPipelineMode(connection) }
        return QueryDescriberError(code: .connectionLost, endpoint: endpoint, message: Self.errorMessage(connection))
    }

    // MARK: - The catalog

    /// Reads every type, formatted type name and source column the descriptions mention, in one query.
    private func readCatalog(for descriptions: [RawDescription]) throws -> CatalogAnswer {
        var types = Set<UInt32>()
        var formatted = Set<CatalogAnswer.TypeAndModifier>()
        var sources = Set<CatalogAnswer.ColumnReference>()
        for description in descriptions {
            for type in description.parameterTypes {
                types.insert(type)
                formatted.insert(.init(type: type, modifier: -1))
            }
            for column in description.columns {
                types.insert(column.type)
                formatted.insert(.init(type: column.type, modifier: column.typeModifier))
                if column.table != 0 && column.columnNumber > 0 {
                    sources.insert(.init(table: column.table, number: Int16(clamping: column.columnNumber)))
                }
            }
        }
        if types.isEmpty { return CatalogAnswer() }
        let formattedList = Array(formatted)
        let sourceList = Array(sources)
        let parameters = [
            Self.arrayLiteral(types.sorted()),
            Self.arrayLiteral(formattedList.map(\.type)),
            Self.arrayLiteral(formattedList.map(\.modifier)),
            Self.arrayLiteral(sourceList.map(\.table)),
            Self.arrayLiteral(sourceList.map(\.number)),
        ]
        let text = try exec(CatalogAnswer.query, parameters: parameters)
        do {
            return try CatalogAnswer(json: Data(text.utf8))
        } catch {
            throw QueryDescriberError(
                code: .catalogQueryFailed, endpoint: endpoint, message: "unreadable answer: \(error)")
        }
    }

    /// Runs one catalog query with text parameters and returns the first value of the first row.
    private func exec(_ sql: String, parameters: [String]) throws -> String {
        let cStrings = parameters.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        let values = cStrings.map { UnsafePointer($0) }
        guard let result = PQexecParams(connection, sql, Int32(values.count), nil, values, nil, nil, 0) else {
            throw lost()
        }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_TUPLES_OK, PQntuples(result) == 1, let value = PQgetvalue(result, 0, 0)
        else {
            let message = PQresultErrorField(result, Int32(Character("M").asciiValue ?? 0)).map { String(cString: $0) }
            if message == nil, PQstatus(connection) != CONNECTION_OK { throw lost() }
            throw QueryDescriberError(
                code: .catalogQueryFailed, endpoint: endpoint, message: message ?? Self.errorMessage(connection))
        }
        return String(cString: value)
    }

    private static func arrayLiteral<Number: BinaryInteger>(_ numbers: [Number]) -> String {
        "{" + numbers.map { String($0) }.joined(separator: ",") + "}"
    }

    // MARK: - Connection strings and messages

    /// The options a connection string sets, or `nil` when libpq cannot parse it. libpq's own parse message is
    /// not kept: it may quote part of the string, password included.
    private static func parseConnectionString(_ text: String) -> [String: String]? {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(text, &errorMessage) else {
            if let errorMessage { PQfreemem(errorMessage) }
            return nil
        }
        defer { PQconninfoFree(options) }
        var parsed: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                parsed[String(cString: keyword)] = String(cString: value)
            }
            option += 1
        }
        return parsed
    }

    /// `user@host:port/database` from libpq options, without the password.
    private static func endpoint(_ options: [String: String]) -> String {
        func value(_ key: String) -> String? { options[key].flatMap { $0.isEmpty ? nil : $0 } }
        let host = value("host") ?? value("hostaddr") ?? "the default socket"
        var text = host
        if let port = value("port") { text += ":" + port }
        if let user = value("user") { text = user + "@" + text }
        if let database = value("dbname") { text += "/" + database }
        return text
    }

    private static func errorMessage(_ connection: OpaquePointer) -> String {
        guard let message = PQerrorMessage(connection) else { return "unknown libpq error" }
        let text = String(cString: message)
            .split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
        return text.isEmpty ? "unknown libpq error" : text
    }
}

/// Owns a `PGconn` and closes it when the describer goes away. Not `Sendable`: only the describer touches it.
private final class ConnectionHandle {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        PQfinish(pointer)
    }
}
