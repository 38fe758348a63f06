import Foundation
import Logging
import PostgresNIO
import SkeinCodegen
import SkeinTestSupport
import Testing

/// Generated code behind a real PgBouncer 1.18 (docs/codegen.md#behind-pgbouncer): its queries are named prepared
/// statements (PostgresNIO's `PostgresPreparedStatement`), which PgBouncer before 1.21 does not carry across server
/// connections in transaction mode. Session mode works; transaction mode fails with PostgreSQL's own error.
@Suite(
    "Generated code behind PgBouncer: session mode works, transaction mode (1.18) fails clearly",
    .requiresPostgreSQL,
    .enabled(if: PgBouncerPool.unavailableReason == nil, Comment(rawValue: PgBouncerPool.unavailableReason ?? "")))
struct PgBouncerPreparedTests {
    static let logger = Logger(label: "skein.tests.generated")

    /// The fixture's schema on a fresh database, one user, and queries through a pool in `mode`.
    func throughPool(mode: String, _ body: (Queries) async throws -> Void) async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixture")
        try await CodeGenerator.apply(
            try SchemaSource.load(["schema"], base: fixture.path),
            on: try QueryDescriber(connectionString: database.text))
        let pool = try await PgBouncerPool.start(for: database, mode: mode)
        do {
            if mode == "transaction" { try await pool.warm(database) }
            let client = PostgresClient(
                configuration: try pool.url(for: database).clientConfiguration, backgroundLogger: Self.logger)
            try await TestDatabase.withClientRunning(client) {
                try await body(Queries(client: client, logger: Self.logger))
            }
        } catch {
            await pool.stop()
            throw error
        }
        await pool.stop()
    }

    @Test("session pooling: every call works")
    func sessionMode() async throws {
        try await throughPool(mode: "session") { queries in
            let created = try await queries.createUser(RoundTripTests.newUser("pool@example.com"))
            for _ in 0..<6 {
                #expect(try await queries.getUserByID(id: created.id)?.email == "pool@example.com")
            }
        }
    }

    @Test("transaction pooling on PgBouncer 1.18: PostgreSQL's 'prepared statement does not exist' (SQLSTATE 26000)")
    func transactionModeFailsClearly() async throws {
        try await throughPool(mode: "transaction") { queries in
            var failure: (any Error)?
            for _ in 0..<6 where failure == nil {
                do {
                    _ = try await queries.getUserByID(id: 1)
                } catch {
                    failure = error
                }
            }
            let error = try #require(failure, "six calls through transaction pooling never changed server connection")
            let psql = try #require(error as? PSQLError, "\(String(reflecting: error))")
            #expect(psql.serverInfo?[.sqlState] == "26000", "\(String(reflecting: error))")
            #expect(psql.serverInfo?[.message]?.contains("prepared statement") == true, "\(String(reflecting: error))")
        }
    }
}
