import Foundation
import Logging
import PostgresNIO
import SkeinCore
import SkeinPostgres
import SkeinTestSupport
import Synchronization
import Testing

/// A transactional file's commands are queued on the connection without waiting for each other; what a run says and
/// leaves must be what sending them one by one says and leaves.
@Suite("queued commands: one wait per file, the failure and the events as if sent one by one", .requiresPostgreSQL)
struct QueuedCommandsTests {
    final class Events: Sendable {
        let list = Mutex<[String]>([])
    }

    let logger = Logger(label: "skein.tests", factory: { _ in SwiftLogNoOpLogHandler() })

    func run(_ texts: [String: String], on connection: PostgresConnection, events: Events) async throws {
        let migrations = try MigrationCatalog(source: InMemorySource(texts: texts)).migrations
        let plan = MigrationPlanner().plan(
            .up, migrations: migrations,
            history: .rows(try await VersionStore().ensuredRecords(on: connection, logger: logger)))
        _ = try await MigrationExecutor(
            observer: { event in
                switch event {
                case .executing(_, let statement): events.list.withLock { $0.append("executing \(statement.line)") }
                case .transaction(_, let boundary): events.list.withLock { $0.append("\(boundary)") }
                default: break
                }
            }
        ).execute(plan.steps, on: connection, logger: logger)
    }

    func exists(_ table: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("SELECT to_regclass(\(table))::text", logger: logger)
        for try await value in rows.decode(String?.self) { return value != nil }
        return false
    }

    @Test("a failing third statement: its line and command, nothing of the file left, no event for the fourth")
    func failureInTheMiddle() async throws {
        try await TestDatabase.withFreshDatabase { database in
            try await database.client.withConnection { connection async throws in
                let events = Events()
                let failure = await #expect(throws: MigrationFailure.self) {
                    try await run(
                        [
                            "00001_a.sql": """
                            -- +goose Up
                            CREATE TABLE a (id int);
                            INSERT INTO a VALUES (1);
                            INSERT INTO a VALUES ('x');
                            CREATE TABLE b (id int);
                            """
                        ], on: connection, events: events)
                }
                #expect(failure?.line == 4)
                #expect(failure?.sqlState == "22P02")
                #expect(failure?.command == "INSERT INTO a VALUES ('x')")
                #expect(failure?.server?.position == 23)
                #expect(try await !exists("a", on: connection))
                #expect(try await !exists("b", on: connection))
                #expect(events.list.withLock { $0 } == ["begin", "executing 2", "executing 3", "executing 4"])
                // The connection is usable, outside any transaction.
                let rows = try await connection.query("SELECT count(*)::int FROM goose_db_version", logger: logger)
                for try await count in rows.decode(Int.self) { #expect(count == 1) }
            }
        }
    }

    @Test("a COMMIT inside the file: sent one by one, so nothing after a failure runs (queued, the rest would commit)")
    func commitInsideTheFile() async throws {
        try await TestDatabase.withFreshDatabase { database in
            try await database.client.withConnection { connection async throws in
                let events = Events()
                let failure = await #expect(throws: MigrationFailure.self) {
                    try await run(
                        [
                            "00001_a.sql": """
                            -- +goose Up
                            CREATE TABLE a (id int);
                            INSERT INTO missing VALUES (1);
                            COMMIT;
                            CREATE TABLE b (id int);
                            """
                        ], on: connection, events: events)
                }
                #expect(failure?.line == 3)
                #expect(failure?.sqlState == "42P01")
                #expect(try await !exists("a", on: connection))
                #expect(try await !exists("b", on: connection))
                #expect(events.list.withLock { $0 } == ["begin", "executing 2", "executing 3"])
            }
        }
    }

    @Test("a successful file: every statement heard in order, then the commit; the version recorded")
    func success() async throws {
        try await TestDatabase.withFreshDatabase { database in
            try await database.client.withConnection { connection async throws in
                let events = Events()
                try await run(
                    [
                        "00001_a.sql": """
                        -- +goose Up
                        CREATE TABLE a (id int);
                        -- +goose StatementBegin
                        INSERT INTO a VALUES (1); INSERT INTO a VALUES (2);
                        -- +goose StatementEnd
                        CREATE TABLE b (id int);
                        """,
                        "00002_b.sql": "-- +goose Up\nINSERT INTO b SELECT id FROM a;\n",
                    ], on: connection, events: events)
                #expect(
                    events.list.withLock { $0 } == [
                        "begin", "executing 2", "executing 4", "executing 6", "commit", "begin", "executing 2",
                        "commit",
                    ])
                let rows = try await connection.query("SELECT count(*)::int FROM b", logger: logger)
                for try await count in rows.decode(Int.self) { #expect(count == 2) }
            }
        }
    }
}
