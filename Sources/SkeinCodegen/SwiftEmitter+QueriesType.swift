import Foundation

extension SwiftEmitter {
    // MARK: - The Queries type

    func queriesType(_ analysis: PackageAnalysis) -> String {
        let a = access
        var out = Writer()
        out.line(Self.header)
        out.line("// swift-format-ignore-file")
        out.line("// skein generate: the type the queries are methods of.")
        out.line()
        imports(
            into: &out,
            foundationInPublicAPI: options.emitProtocol
                && SwiftDecisions.usesFoundation(analysis.files.flatMap(\.queries).flatMap(SwiftDecisions.publicFields)),
            runtime: options.emitProtocol
                && SwiftDecisions.usesRuntime(analysis.files.flatMap(\.queries).flatMap(SwiftDecisions.publicFields)))
        out.line()
        out.line("/// The package's queries, run through a `PostgresClient` (each call leases a connection) or on one")
        out.line("/// `PostgresConnection` (for instance inside a transaction: see `withTransaction`).")
        out.line("\(a)struct Queries: Sendable {")
        out.line("    \(a)enum Executor: Sendable {")
        out.line("        case client(PostgresClient)")
        out.line("        case connection(PostgresConnection)")
        out.line("    }")
        out.line()
        out.line("    \(a)var executor: Executor")
        out.line("    \(a)var logger: Logger")
        out.line()
        out.line("    \(a)init(client: PostgresClient, logger: Logger) {")
        out.line("        self.executor = .client(client)")
        out.line("        self.logger = logger")
        out.line("    }")
        out.line()
        out.line("    \(a)init(connection: PostgresConnection, logger: Logger) {")
        out.line("        self.executor = .connection(connection)")
        out.line("        self.logger = logger")
        out.line("    }")
        out.line()
        out.line(
            "    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws (and its error"
        )
        out.line("    /// rethrown).")
        out.line("    \(a)func withTransaction<Result: Sendable>(")
        out.line("        _ body: (Queries) async throws -> Result")
        out.line("    ) async throws -> Result {")
        out.line("        let logger = logger")
        out.line("        do {")
        out.line("            switch executor {")
        out.line("            case .client(let client):")
        out.line("                return try await client.withTransaction(logger: logger) { connection in")
        out.line("                    try await body(Queries(connection: connection, logger: logger))")
        out.line("                }")
        out.line("            case .connection(let connection):")
        out.line("                return try await connection.withTransaction(logger: logger) { connection in")
        out.line("                    try await body(Queries(connection: connection, logger: logger))")
        out.line("                }")
        out.line("            }")
        out.line("        } catch let error as PostgresTransactionError {")
        out.line("            // Rolled back cleanly: the body's own error is the one to see.")
        out.line("            if let bodyError = error.closureError, error.rollbackError == nil { throw bodyError }")
        out.line("            throw error")
        out.line("        }")
        out.line("    }")
        out.line()
        out.line("    /// Runs `body` with queries on one connection (leased from the client for the call).")
        out.line("    \(a)func withConnection<Result: Sendable>(")
        out.line("        _ body: (Queries) async throws -> Result")
        out.line("    ) async throws -> Result {")
        out.line("        let logger = logger")
        out.line("        switch executor {")
        out.line("        case .client(let client):")
        out.line("            return try await client.withConnection { connection in")
        out.line("                try await body(Queries(connection: connection, logger: logger))")
        out.line("            }")
        out.line("        case .connection:")
        out.line("            return try await body(self)")
        out.line("        }")
        out.line("    }")
        out.line()
        out.line("    /// The statement's rows as they arrive.")
        out.line("    \(a)func stream<Statement: PostgresPreparedStatement>(")
        out.line("        _ statement: Statement")
        out.line("    ) async throws -> AsyncThrowingMapSequence<PostgresRowSequence, Statement.Row> {")
        out.line("        switch executor {")
        out.line("        case .client(let client): return try await client.execute(statement, logger: logger)")
        out.line(
            "        case .connection(let connection): return try await connection.execute(statement, logger: logger)")
        out.line("        }")
        out.line("    }")
        out.line()
        out.line("    /// Every row of the statement.")
        out.line(
            "    \(a)func all<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [Statement.Row] {"
        )
        out.line("        var rows: [Statement.Row] = []")
        out.line("        for try await row in try await stream(statement) { rows.append(row) }")
        out.line("        return rows")
        out.line("    }")
        out.line()
        out.line("    /// The statement's first row, or `nil` when it returns none.")
        out.line(
            "    \(a)func first<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> Statement.Row? {"
        )
        out.line("        try await all(statement).first")
        out.line("    }")
        let plans = analysis.files.flatMap(\.queries)
        let one = plans.contains(where: \.alwaysReturnsRow)
        if one {
            out.line()
            out.line(
                "    /// The statement's row, for a query that always returns one (`INSERT … RETURNING`); throws `NoRow`"
            )
            out.line(
                "    /// if PostgreSQL returned none all the same (a trigger or rule added since the code was generated)."
            )
            out.line(
                "    \(a)func one<Statement: PostgresPreparedStatement>(_ statement: Statement, query: String) async throws -> Statement.Row {"
            )
            out.line("        guard let row = try await first(statement) else { throw NoRow(query: query) }")
            out.line("        return row")
            out.line("    }")
        }
        out.line("}")
        if one {
            out.line()
            out.line("/// A query that always returns its row returned none.")
            out.line("\(a)struct NoRow: Error, CustomStringConvertible {")
            out.line("    \(a)var query: String")
            out.line()
            out.line("    \(a)var description: String {")
            out.line(
                "        \"\\(query) returned no row: a trigger or rule on its table may suppress the insert now; run skein generate again\""
            )
            out.line("    }")
            out.line("}")
        }
        if plans.contains(where: { $0.query.command == .copyfrom }) {
            out.line()
            copyHelpers(into: &out)
        }
        if options.emitProtocol {
            out.line()
            out.line("/// Every query of the package, for mocking: `Queries` conforms.")
            out.line("\(a)protocol Querier: Sendable {")
            for plan in plans {
                for signature in signatures(plan) { out.line("    \(signature.declaration)") }
            }
            out.line("}")
            out.line()
            out.line("extension Queries: Querier {}")
        }
        return out.text
    }

    func copyHelpers(into out: inout Writer) {
        out.line("/// Values in `COPY … FROM STDIN` text format.")
        out.line("enum CopyText {")
        out.line("    static func text(_ value: String) -> String {")
        out.line("        var escaped = \"\"")
        out.line("        escaped.reserveCapacity(value.utf8.count)")
        out.line("        for character in value.unicodeScalars {")
        out.line("            switch character {")
        out.line("            case \"\\\\\": escaped += \"\\\\\\\\\"")
        out.line("            case \"\\t\": escaped += \"\\\\t\"")
        out.line("            case \"\\n\": escaped += \"\\\\n\"")
        out.line("            case \"\\r\": escaped += \"\\\\r\"")
        out.line("            default: escaped.unicodeScalars.append(character)")
        out.line("            }")
        out.line("        }")
        out.line("        return escaped")
        out.line("    }")
        out.line()
        out.line("    /// `2026-11-27 17:00:00.123456+00`: microseconds, as PostgreSQL stores them.")
        out.line("    static func timestamp(_ date: Date) -> String {")
        out.line("        var calendar = Calendar(identifier: .gregorian)")
        out.line("        calendar.timeZone = TimeZone(identifier: \"UTC\") ?? .current")
        out.line("        let microseconds = (date.timeIntervalSince1970 * 1_000_000).rounded()")
        out.line("        let seconds = (microseconds / 1_000_000).rounded(.down)")
        out.line("        let fraction = Int(microseconds - seconds * 1_000_000)")
        out.line("        let parts = calendar.dateComponents(")
        out.line(
            "            [.era, .year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: seconds))"
        )
        out.line("        func pad(_ value: Int?, _ width: Int) -> String {")
        out.line("            let digits = String(value ?? 0)")
        out.line("            return String(repeating: \"0\", count: max(0, width - digits.count)) + digits")
        out.line("        }")
        out.line("        return pad(parts.year, 4) + \"-\" + pad(parts.month, 2) + \"-\" + pad(parts.day, 2) + \" \"")
        out.line(
            "            + pad(parts.hour, 2) + \":\" + pad(parts.minute, 2) + \":\" + pad(parts.second, 2) + \".\"")
        out.line("            + pad(fraction, 6) + \"+00\" + (parts.era == 0 ? \" BC\" : \"\")")
        out.line("    }")
        out.line()
        out.line("    /// `bytea` in hex: `\\\\x0102` (the backslash escaped for COPY).")
        out.line("    static func bytes(_ buffer: ByteBuffer) -> String {")
        out.line("        \"\\\\\" + hex(buffer)")
        out.line("    }")
        out.line()
        out.line("    /// `bytea` in hex as its input function reads it: `\\x0102`.")
        out.line("    static func hex(_ buffer: ByteBuffer) -> String {")
        out.line("        let hex = buffer.readableBytesView.map { byte in")
        out.line("            let digits = String(byte, radix: 16)")
        out.line("            return byte < 16 ? \"0\" + digits : digits")
        out.line("        }")
        out.line("        return \"\\\\x\" + hex.joined()")
        out.line("    }")
        out.line()
        out.line(
            "    /// An array literal, `{\"a\",\"b \\\"c\\\"\"}`: every element quoted, its quotes and backslashes")
        out.line("    /// escaped; then escaped for COPY as any text.")
        out.line("    static func array(_ elements: [String]) -> String {")
        out.line("        var literal = \"{\"")
        out.line("        for (index, element) in elements.enumerated() {")
        out.line("            literal += index == 0 ? \"\\\"\" : \",\\\"\"")
        out.line("            for character in element.unicodeScalars {")
        out.line("                if character == \"\\\"\" || character == \"\\\\\" { literal += \"\\\\\" }")
        out.line("                literal.unicodeScalars.append(character)")
        out.line("            }")
        out.line("            literal += \"\\\"\"")
        out.line("        }")
        out.line("        return text(literal + \"}\")")
        out.line("    }")
        out.line("}")
    }
}
