import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import SkeinCore
import SkeinPostgres
import SkeinTestSupport
import Synchronization
import Testing

private final class Observations: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

/// Stands in for an HTTP server: when it starts "accepting traffic" it records whether the schema is there,
/// then serves until the group shuts down.
private struct StandInServer: Service {
    let client: PostgresClient
    let observations: Observations
    let started: AsyncStream<Void>.Continuation

    func run() async throws {
        var tableExists = false
        for try await value in try await client.query("SELECT to_regclass('workflow_run_steps') IS NOT NULL")
            .decode(Bool.self)
        {
            tableExists = value
        }
        observations.append(tableExists ? "schema ready" : "schema missing")
        started.yield()
        try? await gracefulShutdown()
        observations.append("server stopped")
    }
}

@Suite("migrating at start-up in a ServiceGroup", .requiresPostgreSQL)
struct MigrationServiceTests {
    let logger = Logger(label: "skein.tests", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test("migrations finish before the server starts; a finished migration service does not stop the group")
    func startUp() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let catalog = try MigrationCatalog(source: DirectorySource(directory: MigrationExecutorTests.examples.path))
        let client = PostgresClient(configuration: database.clientConfiguration, backgroundLogger: logger)
        let migrations = MigrationService(client: client, migrations: catalog.migrations, logger: logger)
        let observations = Observations()
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        let server = AfterMigrations(
            migrations.completion,
            then: StandInServer(client: client, observations: observations, started: startedContinuation))
        let group = ServiceGroup(services: [client, migrations, server], logger: logger)

        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for await _ in started { break }
            let outcome = try await migrations.completion.wait()
            #expect(outcome.report.completed.count == catalog.migrations.count)
            // The migration service has finished its work; the group keeps running.
            try await Task.sleep(for: .milliseconds(300))
            #expect(observations.all == ["schema ready"])
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(observations.all == ["schema ready", "server stopped"])
    }

    @Test("when migrating fails the server never starts and the group stops with the error")
    func failure() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let source = InMemorySource(texts: [
            "00001_bad.sql": "-- +goose Up\nCREATE TABLE (;\n-- +goose Down\nSELECT 1;\n"
        ])
        let catalog = try MigrationCatalog(source: source)
        let client = PostgresClient(configuration: database.clientConfiguration, backgroundLogger: logger)
        let migrations = MigrationService(client: client, migrations: catalog.migrations, logger: logger)
        let observations = Observations()
        let (_, startedContinuation) = AsyncStream<Void>.makeStream()
        let server = AfterMigrations(
            migrations.completion,
            then: StandInServer(client: client, observations: observations, started: startedContinuation))
        let group = ServiceGroup(services: [client, migrations, server], logger: logger)
        await #expect(throws: MigrationFailure.self) { try await group.run() }
        #expect(observations.all.isEmpty)
    }
}
