import Foundation
import Logging
import PostgresNIO
import SkeinCore
import SkeinPostgres
import SkeinTestSupport
import Testing

@Suite("executor against a real PostgreSQL", .requiresPostgreSQL)
struct MigrationExecutorTests {
    let logger = Logger(label: "skein.tests", factory: { _ in SwiftLogNoOpLogHandler() })
    let store = VersionStore()

    static var examples: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/agentflow/migrations")
    }

    func plan(_ command: MigrationCommand, _ migrations: [Migration], on connection: PostgresConnection) async throws
        -> MigrationPlan
    {
        MigrationPlanner().plan(
            command, migrations: migrations,
            history: .rows(try await store.ensuredRecords(on: connection, logger: logger)))
    }

    func versions(on connection: PostgresConnection) async throws -> [Int64] {
        guard case .rows(let rows) = try await store.history(on: connection, logger: logger) else { return [] }
        return rows.sorted { $0.id < $1.id }.map(\.version)
    }

    func tableExists(_ name: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("SELECT to_regclass(\(name))::text", logger: logger)
        for try await value in rows.decode(String?.self) { return value != nil }
        return false
    }

    @Test("the AgentFlow examples go up, stay up, come down one by one and reset, with goose's rows")
    func examplesRoundTrip() async throws {
        let migrations = try MigrationCatalog(source: DirectorySource(directory: Self.examples.path)).migrations
        #expect(migrations.count >= 6)
        try await TestDatabase.withFreshDatabase { database in
            try await database.client.withConnection { connection in
                let up = try await plan(.up, migrations, on: connection)
                #expect(!up.hasErrors && up.steps.count == migrations.count)
                _ = try await MigrationExecutor().execute(up.steps, on: connection, logger: logger)
                #expect(try await versions(on: connection) == [0] + migrations.map(\.version))
                #expect(try await tableExists("workflow_run_steps", on: connection))

                let again = try await plan(.up, migrations, on: connection)
                #expect(again.steps.isEmpty && !again.hasErrors)

                let down = try await plan(.down, migrations, on: connection)
                _ = try await MigrationExecutor().execute(down.steps, on: connection, logger: logger)
                #expect(try await versions(on: connection) == [0] + migrations.dropLast().map(\.version))

                let reset = try await plan(.reset, migrations, on: connection)
                _ = try await MigrationExecutor().execute(reset.steps, on: connection, logger: logger)
                #expect(try await versions(on: connection) == [0])
                #expect(try await !tableExists("users", on: connection))
            }
        }
    }

    @Test("a syntax error in the 3rd of 5 files: the first two stay, nothing of the 3rd remains, the error says where")
    func failureInThirdFile() async throws {
        var texts: [String: String] = [:]
        for version in 1...5 {
            let second = version == 3 ? "CREATE TABLE t3_b (id int,, x int);" : "CREATE TABLE t\(version)_b (id int);"
            texts[String(format: "%05d_create_t%d.sql", version, version)] =
                "-- +goose Up\nCREATE TABLE t\(version)_a (id int);\n\n\(second)\n\n-- +goose Down\nDROP TABLE t\(version)_b;\nDROP TABLE t\(version)_a;\n"
        }
        let migrations = try MigrationCatalog(source: InMemorySource(texts: texts)).migrations
        try await TestDatabase.withFreshDatabase { database in
            try await database.client.withConnection { connection in
                let up = try await plan(.up, migrations, on: connection)
                do {
                    _ = try await MigrationExecutor().execute(up.steps, on: connection, logger: logger)
                    Issue.record("the third file must fail")
                } catch let failure as MigrationFailure {
                    #expect(failure.completed.map(\.migration.version) == [1, 2])
                    #expect(failure.failed.migration.version == 3)
                    #expect(failure.line == 4)
                    #expect(failure.sqlState == "42601")
                    #expect(failure.description.contains("migrations/00003_create_t3.sql:4"))
                    #expect(failure.description.contains("Applied 00001_create_t1.sql, 00002_create_t2.sql"))
                    #expect(failure.description.contains("nothing after it ran"))
                }
                #expect(try await versions(on: connection) == [0, 1, 2])
                #expect(try await tableExists("t2_b", on: connection))
                #expect(try await !tableExists("t3_a", on: connection))
                #expect(try await !tableExists("t4_a", on: connection))
            }
        }
    }

    @Test("a multi-command statement in a NO TRANSACTION file stays atomic")
    func atomicBlockWithoutTransaction() async throws {
        let text = """
            -- +goose NO TRANSACTION
            -- +goose Up
            CREATE TABLE kept (id int);
            -- +goose StatementBegin
            CREATE TABLE half (id int); SELECT 1/0;
            -- +goose StatementEnd

            -- +goose Down
            DROP TABLE kept;
            """
        let migrations = try MigrationCatalog(source: InMemorySource(texts: ["00001_no_tx.sql": text])).migrations
        try await TestDatabase.withFreshDatabase { database in
            try await database.client.withConnection { connection in
                let up = try await plan(.up, migrations, on: connection)
                await #expect(throws: MigrationFailure.self) {
                    _ = try await MigrationExecutor().execute(up.steps, on: connection, logger: logger)
                }
                #expect(try await tableExists("kept", on: connection))
                #expect(try await !tableExists("half", on: connection))
                #expect(try await versions(on: connection) == [0])
            }
        }
    }

    @Test("a version table written exactly as goose writes it is continued")
    func gooseInterop() async throws {
        let migrations = try MigrationCatalog(
            source: InMemorySource(texts: [
                "00001_a.sql": "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n",
                "00002_b.sql": "-- +goose Up\nCREATE TABLE b (id int);\n-- +goose Down\nDROP TABLE b;\n",
            ])
        ).migrations
        try await TestDatabase.withFreshDatabase { database in
            try await database.client.withConnection { connection in
                // What goose v3.17.0 leaves after `up-to 1`.
                for sql in [
                    "CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp NULL default now(), PRIMARY KEY(id))",
                    "INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (1, true)",
                    "CREATE TABLE a (id int)",
                ] {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
                }
                let up = try await plan(.up, migrations, on: connection)
                #expect(up.steps.map(\.migration.version) == [2])
                _ = try await MigrationExecutor().execute(up.steps, on: connection, logger: logger)
                #expect(try await versions(on: connection) == [0, 1, 2])
            }
        }
    }
}
