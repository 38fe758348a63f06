import Foundation
import Logging
import PostgresNIO
import SkeinConnection
import SkeinCore
import SkeinPostgres
import SkeinTestSupport
import Testing

/// A transactional file goes to the server as one pipeline; what the server runs, what a run records and what a
/// failure says must be what one query per round trip gives, and PostgresNIO's connection must stay usable.
@Suite("command pipeline: a file in one write, the rows and the failures as if sent one by one", .requiresPostgreSQL)
struct CommandPipelineTests {
    let logger = Logger(label: "skein.tests", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A connection ``Connector`` opens, as the CLI's: the pipeline's stage is on it from the start.
    func withConnection(
        _ database: FreshDatabase, _ body: (PostgresConnection) async throws -> Void
    ) async throws {
        let settings = try ConnectionSettings.resolve(ConnectionString.parse(database.url), environment: [:])
        let connection = try await Connector(settings: settings).connect(logger: logger)
        do {
            try await body(connection)
        } catch {
            try? await connection.close()
            throw error
        }
        try? await connection.close()
    }

    func migrations(_ texts: [String: String]) throws -> [Migration] {
        try MigrationCatalog(source: InMemorySource(texts: texts)).migrations
    }

    func migrator(pipelines: Bool) -> Migrator {
        var configuration = Migrator.Configuration()
        configuration.pipelines = pipelines
        return Migrator(configuration: configuration)
    }

    func strings(_ sql: String, on connection: PostgresConnection) async throws -> [String] {
        var values: [String] = []
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        for try await value in rows.decode(String.self) { values.append(value) }
        return values
    }

    /// What a run leaves in goose's table and Skein's, without ids and clock readings.
    func recorded(on connection: PostgresConnection) async throws -> [String] {
        try await strings(
            "SELECT format('%s %s', version_id, is_applied) FROM goose_db_version ORDER BY id", on: connection)
            + strings(
                """
                SELECT format('%s %s %s %s %s', version_id, file, checksum_file, checksum_up, checksum_down)
                FROM goose_db_version_skein_applied ORDER BY version_id
                """, on: connection)
            + strings(
                """
                SELECT format('%s %s %s %s %s %s %s %s', action, version_id, file, direction, outcome, checksum,
                    skein_version, command IS NOT NULL)
                FROM goose_db_version_skein_audit WHERE action = 'migrate' ORDER BY id
                """, on: connection)
    }

    @Test("pipelined and one by one record the same rows; the audit row's duration is the server's, from BEGIN on")
    func sameRows() async throws {
        let texts = [
            "00001_a.sql":
                "-- +goose Up\nCREATE TABLE a (id int PRIMARY KEY, note text);\n-- +goose Down\nDROP TABLE a;\n",
            "00002_rows.sql": """
            -- +goose Up
            INSERT INTO a VALUES (1, 'one'), (2, 'two');
            SELECT id FROM a ORDER BY id;
            DO $$ BEGIN RAISE NOTICE 'a notice the pipeline reads past'; PERFORM pg_sleep(0.05); END $$;
            -- +goose Down
            DELETE FROM a;
            """,
        ]
        var results: [[String]] = []
        for pipelines in [true, false] {
            try await TestDatabase.withFreshDatabase { database in
                try await withConnection(database) { connection async throws in
                    let migrator = migrator(pipelines: pipelines)
                    let outcome = try await migrator.run(
                        .up, migrations: try migrations(texts), on: connection, logger: logger)
                    // The pipeline is in use (its stage found the connection's channel), or explicitly not.
                    #expect(outcome.report.pipelined == (pipelines ? 2 : 0))
                    results.append(try await recorded(on: connection))
                    // The migration's DO block sleeps 50 ms: a duration measured from BEGIN includes it.
                    let durations = try await strings(
                        """
                        SELECT (duration_seconds >= 0.05 AND duration_seconds < 60 AND started_at <= finished_at)::text
                        FROM goose_db_version_skein_audit WHERE action = 'migrate' AND version_id = 2
                        """, on: connection)
                    #expect(durations == ["true"], "pipelines: \(pipelines)")
                    #expect(
                        try await strings("SELECT string_agg(note, ',' ORDER BY id) FROM a", on: connection) == [
                            "one,two"
                        ])
                    _ = try await migrator.run(.down, migrations: try migrations(texts), on: connection, logger: logger)
                    #expect(try await strings("SELECT count(*)::text FROM a", on: connection) == ["0"])
                }
            }
        }
        #expect(results.count == 2 && results[0] == results[1])
        #expect(results.first?.count == 7)
    }

    @Test("a failure carries every field PostgreSQL sent: SQLSTATE, detail, hint, the position in its command")
    func failureFields() async throws {
        let texts = [
            "00001_a.sql": """
            -- +goose Up
            CREATE TABLE a (id int PRIMARY KEY);
            INSERT INTO a VALUES (1);
            INSERT INTO a VALUES (1);
            """,
            "00002_b.sql": "-- +goose Up\nCREATE TABLE b (id int);\nSELECT no_such_function(1);\n",
        ]
        try await TestDatabase.withFreshDatabase { database in
            try await withConnection(database) { connection async throws in
                let duplicate = await #expect(throws: MigrationFailure.self) {
                    try await migrator(pipelines: true).run(
                        .up, migrations: try migrations(["00001_a.sql": texts["00001_a.sql"]!]), on: connection,
                        logger: logger)
                }
                #expect(duplicate?.line == 4)
                #expect(duplicate?.sqlState == "23505")
                #expect(duplicate?.detail == "Key (id)=(1) already exists.")
                #expect(duplicate?.command == "INSERT INTO a VALUES (1)")

                let missing = await #expect(throws: MigrationFailure.self) {
                    try await migrator(pipelines: true).run(
                        .up, migrations: try migrations(texts.filter { $0.key == "00002_b.sql" }), on: connection,
                        logger: logger)
                }
                #expect(missing?.line == 3)
                #expect(missing?.sqlState == "42883")
                #expect(missing?.hint?.contains("No function matches") == true, "\(String(describing: missing?.hint))")
                #expect(missing?.server?.position == 8)
                // Nothing of either file is left, and PostgresNIO's queries still work, outside any transaction.
                #expect(
                    try await strings("SELECT format('%s %s', to_regclass('a'), to_regclass('b'))", on: connection)
                        == [" "])
                #expect(try await strings("SELECT count(*)::text FROM goose_db_version", on: connection) == ["1"])
            }
        }
    }

    @Test("a backend ended in the middle of a pipeline: the failure names it, the run does not wait for an answer")
    func backendEnded() async throws {
        let texts = [
            "00001_a.sql": """
            -- +goose Up
            CREATE TABLE a (id int);
            SELECT pg_terminate_backend(pg_backend_pid());
            CREATE TABLE b (id int);
            """
        ]
        try await TestDatabase.withFreshDatabase { database in
            try await withConnection(database) { connection async throws in
                let failure = await #expect(throws: MigrationFailure.self) {
                    try await migrator(pipelines: true).run(
                        .up, migrations: try migrations(texts), on: connection, logger: logger)
                }
                #expect(failure?.sqlState == "57P01")
                #expect(failure?.line == 3)
            }
            try await withConnection(database) { connection async throws in
                #expect(
                    try await strings("SELECT format('%s %s', to_regclass('a'), to_regclass('b'))", on: connection)
                        == [" "])
            }
        }
    }
}
