import Foundation
import Logging
import PostgresNIO
import SkeinCore
import SkeinPostgres
import SkeinTestSupport
import Testing

/// Skein's grammar sets the run's timeouts on the session once and keeps them across files that cannot change the
/// session (DDL, DML), resets the session after any other file (`SET`, `SELECT`, `DO`, `NO TRANSACTION`), and leaves
/// the connection as it found it when the run ends, also when it fails.
@Suite("the run's session: timeouts set once, reset after files that may change it and at the end", .requiresPostgreSQL)
struct RunSessionTests {
    let logger = Logger(label: "skein.tests", factory: { _ in SwiftLogNoOpLogHandler() })

    func setting(_ name: String, on connection: PostgresConnection) async throws -> String {
        let rows = try await connection.query("SELECT current_setting(\(name))", logger: logger)
        for try await value in rows.decode(String.self) { return value }
        return ""
    }

    func run(_ texts: [String: String], on connection: PostgresConnection) async throws {
        let migrations = try MigrationCatalog(source: InMemorySource(texts: texts)).migrations
        let plan = MigrationPlanner().plan(
            .up, migrations: migrations,
            history: .rows(try await VersionStore().ensuredRecords(on: connection, logger: logger)))
        _ = try await MigrationExecutor(
            settings: StatementSettings(lockTimeout: .seconds(2), statementTimeout: .seconds(600))
        ).execute(plan.steps, on: connection, logger: logger)
    }

    @Test("DDL files keep the timeouts; a SET is gone by the next file; a NO TRANSACTION file starts from the server's")
    func keptAndReset() async throws {
        try await TestDatabase.withFreshDatabase { database in
            try await database.client.withConnection { connection in
                try await run(
                    [
                        "00001_a.sql":
                            "-- +goose Up\nCREATE TABLE seen (file int, lock text, statement text, work_mem text);\n",
                        "00002_b.sql":
                            "-- +goose Up\nINSERT INTO seen SELECT 2, current_setting('lock_timeout'), current_setting('statement_timeout'), current_setting('work_mem');\n",
                        "00003_c.sql": "-- +goose Up\nSET work_mem = '7MB';\n",
                        "00004_d.sql":
                            "-- +goose Up\nINSERT INTO seen SELECT 4, current_setting('lock_timeout'), current_setting('statement_timeout'), current_setting('work_mem');\n",
                        "00005_e.sql":
                            "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY seen_file ON seen (file);\n"
                            + "INSERT INTO seen SELECT 5, current_setting('lock_timeout'), current_setting('statement_timeout'), current_setting('work_mem');\n",
                    ], on: connection)
                var seen: [[String]] = []
                let found = try await connection.query(
                    "SELECT file::text, lock, statement, work_mem FROM seen ORDER BY file", logger: logger)
                for try await (file, lock, statement, workMem) in found.decode((String, String, String, String).self) {
                    seen.append([file, lock, statement, workMem])
                }
                #expect(
                    seen == [["2", "2s", "10min", "4MB"], ["4", "2s", "10min", "4MB"], ["5", "2s", "10min", "4MB"]])
                // The run leaves nothing on the connection (it may be an app's, back to its pool).
                #expect(try await setting("lock_timeout", on: connection) == "0")
                #expect(try await setting("statement_timeout", on: connection) == "0")
                #expect(try await setting("work_mem", on: connection) == "4MB")
            }
        }
    }

    @Test("a run that fails after DDL files leaves no timeout on the connection")
    func failedRun() async throws {
        try await TestDatabase.withFreshDatabase { database in
            try await database.client.withConnection { connection async throws in
                await #expect(throws: MigrationFailure.self) {
                    try await run(
                        [
                            "00001_a.sql": "-- +goose Up\nCREATE TABLE a (id int);\n",
                            "00002_b.sql": "-- +goose Up\nCREATE TABLE b (id int,, x int);\n",
                        ], on: connection)
                }
                #expect(try await setting("lock_timeout", on: connection) == "0")
                #expect(try await setting("statement_timeout", on: connection) == "0")
            }
        }
    }

    @Test("which statements may change the session")
    func classifier() {
        for sql in [
            "CREATE TABLE t (id int)", "  -- note\nALTER TABLE t ADD COLUMN x int", "/* x */ DROP TABLE t",
            "INSERT INTO t VALUES (1)", "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS 'SELECT 1'",
        ] {
            #expect(!MigrationExecutor.mayChangeSession(sql), "\(sql)")
        }
        for sql in [
            "SET work_mem = '7MB'", "select set_config('a.b', 'c', false)", "DO $$ BEGIN PERFORM 1; END $$",
            "CALL p()", "WITH x AS (SELECT 1) SELECT * FROM x", "CREATE TABLE t AS SELECT f()",
            "CREATE MATERIALIZED VIEW v AS SELECT 1", "SET ROLE other", "/* unterminated",
            "INSERT INTO t SELECT set_config('x.y', 'z', false)",
        ] {
            #expect(MigrationExecutor.mayChangeSession(sql), "\(sql)")
        }
    }
}
