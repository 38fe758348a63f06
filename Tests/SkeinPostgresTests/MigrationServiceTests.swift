import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import SkeinCore
import SkeinPostgres
import SkeinTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

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
        var migrations = MigrationService(client: client, migrations: catalog.migrations, logger: logger)
        // The pool's first connection is awaited, not raced against a clock: a loaded 2-core CI machine may take
        // longer than the 10 s default (the no-connection path has tests of its own).
        migrations.connectTimeout = .seconds(600)
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
        // The connection string form: the migrations' own connection, made at once, so the failure is the
        // migration's (with only the client, the pool's first connection is awaited at most connectTimeout).
        let migrations = try MigrationService(
            client: client, connectionString: database.text, environment: [:], migrations: catalog.migrations,
            logger: logger)
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

/// Collects what a logger says at `minimum` and above.
private struct CollectingLogHandler: LogHandler {
    let lines: Observations
    var minimum: Logger.Level = .error
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        if event.level >= minimum { lines.append("\(event.level): \(event.message)") }
    }
}

/// A loopback port that accepts TCP connections (the kernel completes the handshake) and never answers.
private final class SilentListener: Sendable {
    let descriptor: Int32
    let port: Int

    init() throws {
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketDescriptor, $0, length) }
        }
        guard bound == 0, listen(socketDescriptor, 16) == 0 else {
            close(socketDescriptor)
            throw TestDatabaseError("cannot listen on loopback")
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketDescriptor, $0, &length) }
        }
        descriptor = socketDescriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}

/// A wrong database URL fails the start-up at once (or within connect_timeout), with the cause in the error and
/// in the error-level log; never the pool's circuit breaker a minute later.
@Suite("MigrationService: a start-up that cannot connect says why, within connect_timeout", .requiresPostgreSQL)
struct MigrationServiceConnectionTests {
    static let catalog = InMemorySource(texts: ["00001_t.sql": "-- +goose Up\nCREATE TABLE t (id int);\n"])

    /// Runs a service for `url` in a group with its client; returns the error the group ended with and the
    /// error-level log lines.
    func failure(connectionString url: String?, clientURL: String? = nil, timeout: Duration = .seconds(10))
        async throws -> (error: any Error, log: [String])
    {
        let lines = Observations()
        let logger = Logger(label: "app", factory: { _ in CollectingLogHandler(lines: lines) })
        let quiet = Logger(label: "pool", factory: { _ in SwiftLogNoOpLogHandler() })
        let configuration = try PostgresClient.Configuration(
            connectionString: clientURL ?? url ?? "", environment: [:])
        let client = PostgresClient(configuration: configuration, backgroundLogger: quiet)
        let migrations = try MigrationCatalog(source: Self.catalog).migrations
        var service =
            if let url {
                try MigrationService(
                    client: client, connectionString: url, environment: [:], migrations: migrations, logger: logger)
            } else {
                MigrationService(client: client, migrations: migrations, logger: logger)
            }
        service.connectTimeout = timeout
        let group = ServiceGroup(services: [client, service], logger: quiet)
        do {
            try await group.run()
        } catch {
            return (error, lines.all)
        }
        throw TestDatabaseError("the group ran without an error")
    }

    @Test("a refused port: psql's words and its question", .timeLimit(.minutes(5)))
    func refused() async throws {
        let (error, log) = try await failure(connectionString: "postgres://app@127.0.0.1:1/app?sslmode=disable")
        let connection = try #require(error as? ConnectionError)
        #expect(connection.attempts.first?.failure.reason == "Connection refused")
        #expect(
            "\(connection)"
                == """
                connection to server at "127.0.0.1", port 1 failed: Connection refused
                  Is the server running on that host and accepting TCP/IP connections?
                """)
        #expect(
            log.contains { $0.hasPrefix("error: migrations failed: connection to server at \"127.0.0.1\", port 1") })
    }

    @Test("a missing database: the server's FATAL, SQLSTATE 3D000, and no \"is the server running\"")
    func missingDatabase() async throws {
        let url = try await TestDatabase.makeFreshDatabase().replacingDatabase(with: "skein_no_such_database").text
        let (error, log) = try await failure(connectionString: url)
        let connection = try #require(error as? ConnectionError)
        guard case .server(let server) = connection.attempts.last?.failure else {
            Issue.record("not the server's answer: \(connection)")
            return
        }
        #expect(server.sqlState == "3D000")
        #expect("\(connection)".contains("FATAL: database \"skein_no_such_database\" does not exist (SQLSTATE 3D000)"))
        #expect("\(connection)".contains("createdb skein_no_such_database"))
        #expect(!"\(connection)".contains("Is the server running"))
        #expect(log.contains { $0.contains("skein_no_such_database\" does not exist") })
    }

    @Test("a server that accepts and never answers: timeout expired at connect_timeout", .timeLimit(.minutes(5)))
    func silent() async throws {
        let listener = try SilentListener()
        let (error, _) = try await failure(
            connectionString: "postgres://app@127.0.0.1:\(listener.port)/app?sslmode=disable&connect_timeout=1")
        let connection = try #require(error as? ConnectionError)
        #expect(connection.attempts.first?.failure == .timedOut(seconds: 2))  // libpq's minimum, as the CLI
        #expect("\(connection)".contains("timeout expired"))
        withExtendedLifetime(listener) {}
    }

    @Test("given only a client, a refused port ends the start-up after connectTimeout", .timeLimit(.minutes(5)))
    func clientOnly() async throws {
        let (error, log) = try await failure(
            connectionString: nil, clientURL: "postgres://app@127.0.0.1:1/app?sslmode=disable", timeout: .seconds(1))
        let noConnection = try #require(error as? MigrationService.NoConnection)
        #expect(noConnection.waited == .seconds(1))
        #expect(log.contains { $0.contains("no connection to PostgreSQL within 1 s") })
    }
}

@Suite("MigrationService: what a fresh database's start-up logs", .requiresPostgreSQL)
struct MigrationServiceLogTests {
    @Test("Skein's tables on a fresh database: one \"created\" line, no \"upgraded\"")
    func freshDatabase() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let lines = Observations()
        let logger = Logger(label: "app", factory: { _ in CollectingLogHandler(lines: lines, minimum: .info) })
        let quiet = Logger(label: "pool", factory: { _ in SwiftLogNoOpLogHandler() })
        let client = PostgresClient(configuration: database.clientConfiguration, backgroundLogger: quiet)
        let migrations = try MigrationCatalog(source: MigrationServiceConnectionTests.catalog).migrations
        let service = try MigrationService(
            client: client, connectionString: database.text, environment: [:], migrations: migrations,
            logger: logger)
        let group = ServiceGroup(services: [client, service], logger: quiet)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            _ = try await service.completion.wait()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let tables = lines.all.filter { $0.contains("Skein's tables") }
        #expect(tables == ["info: created Skein's tables"])
    }
}
