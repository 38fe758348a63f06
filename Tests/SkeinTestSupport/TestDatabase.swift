import Foundation
import Logging
public import PostgresNIO
import SkeinSandbox
import Synchronization

/// One fresh, empty database for one test.
public struct FreshDatabase: Sendable {
    /// The database's name, `skein_test_<random>`.
    public var name: String
    /// A libpq URL for the database, for running `skein`, psql or goose against it.
    public var url: String
    /// A running client connected to the database.
    public var client: PostgresClient
    /// The parsed ``url``, to build further clients.
    public var connection: DatabaseURL
}

/// Real PostgreSQL for tests: one server per test process, one fresh database per test.
///
/// With `SKEIN_TEST_DATABASE_URL` set, tests use that server (the user needs `CREATEDB`); otherwise one
/// throwaway cluster (SkeinSandbox) starts on first use and is removed when the test process exits. Each test gets
/// its own database, cloned from a template database created once per run (`skein_template_<run>`). Databases are
/// not dropped one by one: at exit the throwaway cluster is deleted, or, on an external server, all of this run's
/// databases are dropped `WITH (FORCE)`.
///
/// ```swift
/// @Test(.requiresPostgreSQL)
/// func createsTables() async throws {
///     try await TestDatabase.withFreshDatabase { database in
///         try await database.client.query("CREATE TABLE t (id int)")
///     }
/// }
/// ```
///
/// When the environment has `CI=true`, a missing server is a failure, never a skip.
public enum TestDatabase {
    /// The variable that points tests at an existing server.
    public static let urlVariable = "SKEIN_TEST_DATABASE_URL"

    /// Whether tests that need PostgreSQL should run: a URL is configured, PostgreSQL seems to be installed,
    /// or `CI=true` (where a missing server must fail the tests).
    public static var isAvailable: Bool {
        unavailableReason == nil
    }

    /// Why tests that need PostgreSQL are skipped, or `nil` when they run.
    public static var unavailableReason: String? {
        let environment = ProcessInfo.processInfo.environment
        if environment[urlVariable].map({ !$0.isEmpty }) == true { return nil }
        if environment["CI"] == "true" { return nil }
        if PostgresInstallation.isProbablyInstalled(environment: environment) { return nil }
        return "no PostgreSQL: set \(urlVariable) to a server's URL or install PostgreSQL (apt-get install postgresql)"
    }

    /// Runs `body` with a new, empty database and a client connected to it.
    ///
    /// The database stays until the end of the test run (see ``TestDatabase``).
    ///
    /// - Throws: What `body` throws, or an error that says why no database could be made.
    public static func withFreshDatabase<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (FreshDatabase) async throws -> Result
    ) async throws -> Result {
        let database = try await makeFreshDatabase()
        let client = PostgresClient(configuration: database.clientConfiguration, backgroundLogger: quietLogger)
        let fresh = FreshDatabase(name: database.database, url: database.text, client: client, connection: database)
        return try await withClientRunning(client) { try await body(fresh) }
    }

    /// Creates a new, empty database and returns its URL, without a client.
    ///
    /// The database stays until the end of the test run.
    public static func makeFreshDatabase() async throws -> DatabaseURL {
        let server = try await TestServer.shared.server()
        let name = "skein_test_" + randomSuffix()
        try await execute(
            "CREATE DATABASE \(quoteIdentifier(name)) TEMPLATE \(quoteIdentifier(server.template))",
            on: server.admin
        )
        TestServer.register(database: name)
        return server.admin.replacingDatabase(with: name)
    }

    /// Runs `body` while `client.run()` runs in a child task, and stops the client afterwards.
    ///
    /// A `PostgresClient` runs once: pass a new client to each call.
    public static func withClientRunning<Result>(
        _ client: PostgresClient,
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> Result
    ) async throws -> Result {
        try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    /// Runs one SQL command on `url` over a connection of its own.
    ///
    /// Connection failures surface at once (a `PostgresClient` retries for a minute).
    public static func execute(_ sql: String, on url: DatabaseURL) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: try url.connectionConfiguration(),
            id: 1,
            logger: quietLogger
        )
        do {
            for try await _ in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: quietLogger) {}
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    /// Quotes an SQL identifier, doubling `"`.
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func randomSuffix() -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    static let quietLogger = Logger(label: "skein.test", factory: { _ in SwiftLogNoOpLogHandler() })
}

/// The one server of this test process.
actor TestServer {
    struct Server: Sendable {
        /// The maintenance database (`postgres` or the URL's database), used to create databases.
        var admin: DatabaseURL
        var template: String
    }

    static let shared = TestServer()

    private var setup: Task<Server, any Error>?

    func server() async throws -> Server {
        if let setup { return try await setup.value }
        let task = Task { try await Self.makeServer() }
        setup = task
        return try await task.value
    }

    private static func makeServer() async throws -> Server {
        let environment = ProcessInfo.processInfo.environment
        let runID = TestDatabase.randomSuffix()
        let template = "skein_template_" + runID
        let admin: DatabaseURL
        if let text = environment[TestDatabase.urlVariable], !text.isEmpty {
            admin = try DatabaseURL(parsing: text)
            state.withLock { $0.external = admin }
        } else {
            admin = try await startCluster(environment: environment)
        }
        installExitHandler()
        do {
            try await TestDatabase.execute(
                "CREATE DATABASE \(TestDatabase.quoteIdentifier(template)) TEMPLATE template0",
                on: admin
            )
        } catch {
            throw TestDatabaseError(
                "Cannot create the template database on the test server \(redacted(admin)): \(String(reflecting: error)). "
                    + "Check that the server runs and that \(TestDatabase.urlVariable) is right; the user needs CREATEDB."
            )
        }
        register(database: template)
        return Server(admin: admin, template: template)
    }

    private static func startCluster(environment: [String: String]) async throws -> DatabaseURL {
        let logger = TestDatabase.quietLogger
        let installation: PostgresInstallation
        do {
            installation = try await PostgresInstallation.locate(environment: environment, logger: logger)
        } catch let error as SandboxError {
            throw TestDatabaseError("\(error) Or set \(TestDatabase.urlVariable) to an existing server's URL.")
        }
        // A run's cluster grows to about 1.5 GB (a database per test, and the WAL that creating them writes), and a
        // full /dev/shm stops the server mid-run: memory only with room for two such runs at once (another checkout's
        // run, started at the same time, sees the same free space), else the disk.
        var options = SandboxOptions(
            installation: installation,
            parentDirectory: SandboxOptions.scratchParentDirectory(environment: environment, minimumFreeBytes: 3 << 30))
        // Suites run in parallel, each with its own databases, clients (pools) and CLI processes.
        options.settings["max_connections"] = "400"
        var cluster = try await SandboxCluster.create(options: options, logger: logger)
        state.withLock { $0.cluster = cluster }
        try await cluster.start(logger: logger)
        state.withLock { $0.cluster = cluster }
        return try DatabaseURL(parsing: cluster.url)
    }

    // MARK: - Clean-up at exit

    struct State: Sendable {
        var cluster: SandboxCluster?
        var external: DatabaseURL?
        var databases: [String] = []
        var exitHandlerInstalled = false
    }

    static let state = Mutex(State())

    static func register(database: String) {
        state.withLock { $0.databases.append(database) }
    }

    private static func installExitHandler() {
        let install = state.withLock { state in
            defer { state.exitHandlerInstalled = true }
            return !state.exitHandlerInstalled
        }
        if install { atexit { TestServer.cleanUpAtExit() } }
    }

    /// Deletes the throwaway cluster, or drops this run's databases on the external server.
    static func cleanUpAtExit() {
        let current = state.withLock { $0 }
        if let cluster = current.cluster {
            try? cluster.destroyImmediately()
        }
        if let external = current.external, !current.databases.isEmpty {
            // atexit cannot await: run the drops on the concurrency pool and wait for them here.
            let done = DispatchSemaphore(value: 0)
            Task.detached {
                for name in current.databases.reversed() {
                    try? await TestDatabase.execute(
                        "DROP DATABASE IF EXISTS \(TestDatabase.quoteIdentifier(name)) WITH (FORCE)",
                        on: external
                    )
                }
                done.signal()
            }
            _ = done.wait(timeout: .now() + 120)
        }
    }

    private static func redacted(_ url: DatabaseURL) -> String {
        "\(url.user)@\(url.host):\(url.port)/\(url.database)"
    }
}
