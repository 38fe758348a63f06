public import Logging
public import PostgresNIO
public import ServiceLifecycle
public import SkeinConnection
public import SkeinCore
import Synchronization

/// Migrates at start-up inside a `ServiceGroup`: runs the migrations, signals ``completion``, then stays until
/// the group shuts down, so a migration service that finishes does not stop the group. A service that must not
/// start before the schema is ready (an HTTP server) waits for ``completion`` first. When migrating fails, the
/// failure is logged at error level with PostgreSQL's own words, the service throws, and the group shuts down.
///
/// Given the connection string (the recommended form), the migrations run on one connection of their own, made
/// as the `skein` CLI makes it: a server that is down, a missing database or a wrong password fails at once, and
/// one that never answers within `connect_timeout` (default 10 s), each with psql's words for the cause
/// (``ConnectionError``). Given only the client, the first pooled connection is awaited at most
/// ``connectTimeout``; PostgresNIO's pool retries a failing server in the background and keeps the cause in its
/// own logs, so the error then says only that no connection came (``NoConnection``).
///
/// ```swift
/// let url = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""
/// let configuration = try PostgresClient.Configuration(connectionString: url, environment: environment)
/// let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
/// let catalog = try MigrationCatalog(source: DirectorySource(directory: migrationsDirectory))
/// let migrations = try MigrationService(
///     client: client, connectionString: url, environment: environment, migrations: catalog.migrations,
///     logger: logger)
/// let server = AfterMigrations(migrations.completion, then: app)  // app: your HTTP server's Service
/// let group = ServiceGroup(services: [client, migrations, server], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await group.run()
/// ```
public struct MigrationService: Service {
    public var client: PostgresClient
    public var migrations: [Migration]
    public var migrator: Migrator
    public var command: MigrationCommand
    public var logger: Logger
    /// The connection the migrations run on, when the service was given the connection string; `nil`: a
    /// connection of ``client``.
    public var connection: ConnectionSettings?
    /// How long to wait for ``client``'s first connection when there is no connection string.
    public var connectTimeout: Duration = .seconds(10)
    /// Resolved when the migrations have run (or failed).
    public let completion: MigrationCompletion

    /// Migrates on a connection of `client` (which the group runs).
    public init(
        client: PostgresClient, migrations: [Migration], migrator: Migrator = Migrator(),
        command: MigrationCommand = .up, logger: Logger
    ) {
        self.client = client
        self.migrations = migrations
        self.migrator = migrator
        self.command = command
        self.logger = logger
        self.completion = MigrationCompletion()
    }

    /// Migrates on a connection of its own to `connectionString` (a URL or `key=value` pairs, resolved with
    /// `PG*` variables and `~/.pgpass` from `environment`, as libpq does); `client` serves the lock-wait watch.
    /// - Throws: `ConnectionStringError` (SkeinConnection) for a string libpq would refuse.
    public init(
        client: PostgresClient, connectionString: String, environment: [String: String],
        migrations: [Migration], migrator: Migrator = Migrator(), command: MigrationCommand = .up, logger: Logger
    ) throws {
        self.init(client: client, migrations: migrations, migrator: migrator, command: command, logger: logger)
        self.connection = try ConnectionSettings.resolve(
            try ConnectionString.parse(connectionString), environment: environment)
    }

    /// No connection came from the client in time.
    public struct NoConnection: Error, Sendable, CustomStringConvertible {
        public var waited: Duration

        public var description: String {
            "no connection to PostgreSQL within \(waited.components.seconds) s: PostgresNIO keeps retrying and logs each attempt's cause (connection refused, a missing database, …) at info level on the client's backgroundLogger; give MigrationService the connection string (MigrationService(client:connectionString:environment:…)) to have the cause here"
        }
    }

    public func run() async throws {
        do {
            let outcome = try await migrate()
            logger.info(
                "migrations done",
                metadata: [
                    "migrations.count": "\(outcome.report.completed.count)",
                    "migrations.version": "\(outcome.plan.versionAfter ?? outcome.plan.currentVersion ?? 0)",
                ])
            completion.resolve(.success(outcome))
        } catch {
            logger.error("migrations failed: \(PostgresErrorText.oneLine(error))")
            completion.resolve(.failure(error))
            throw error
        }
        // Stay until the group shuts down: a service that returns would end the group.
        try? await gracefulShutdown()
    }

    func migrate() async throws -> Migrator.Outcome {
        if let connection {
            let held = try await Connector(settings: connection).connect(logger: logger)
            do {
                let outcome = try await migrator.run(
                    command, migrations: migrations, on: held, sideChannel: .client(client), logger: logger)
                try? await held.close()
                return outcome
            } catch {
                try? await held.close()
                throw error
            }
        }
        let (migrator, command, migrations, client, logger) = (migrator, command, migrations, client, logger)
        return try await Self.withConnection(of: client, within: connectTimeout) { held in
            try await migrator.run(
                command, migrations: migrations, on: held, sideChannel: .client(client), logger: logger)
        }
    }

    /// `client.withConnection`, giving up with ``NoConnection`` when no connection is leased within `timeout`
    /// (the pool's own retries would go on for about a minute).
    static func withConnection<T: Sendable>(
        of client: PostgresClient, within timeout: Duration,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let leased = Leased()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    leased.mark()
                    return try await body(connection)
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                if !leased.isMarked { throw NoConnection(waited: timeout) }
                return nil
            }
            while let result = try await group.next() {
                if let result {
                    group.cancelAll()
                    return result
                }
            }
            throw CancellationError()
        }
    }

    private final class Leased: Sendable {
        private let state = Mutex(false)
        func mark() { state.withLock { $0 = true } }
        var isMarked: Bool { state.withLock { $0 } }
    }
}

/// A one-shot signal: the outcome of a ``MigrationService`` run, for every waiter.
public final class MigrationCompletion: Sendable {
    private enum State {
        case waiting([CheckedContinuation<Migrator.Outcome, any Error>])
        case done(Result<Migrator.Outcome, any Error>)
    }

    private let state = Mutex(State.waiting([]))

    public init() {}

    /// Waits for the migrations; returns what ran, or throws why they failed.
    public func wait() async throws -> Migrator.Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let result: Result<Migrator.Outcome, any Error>? = state.withLock { state in
                switch state {
                case .done(let result): return result
                case .waiting(var waiters):
                    waiters.append(continuation)
                    state = .waiting(waiters)
                    return nil
                }
            }
            if let result { continuation.resume(with: result) }
        }
    }

    func resolve(_ result: Result<Migrator.Outcome, any Error>) {
        let waiters = state.withLock { state -> [CheckedContinuation<Migrator.Outcome, any Error>] in
            guard case .waiting(let waiters) = state else { return [] }
            state = .done(result)
            return waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }
}

/// Runs `service` only once the migrations are done; if they fail, it never starts.
public struct AfterMigrations<Wrapped: Service>: Service {
    public var completion: MigrationCompletion
    public var service: Wrapped

    public init(_ completion: MigrationCompletion, then service: Wrapped) {
        self.completion = completion
        self.service = service
    }

    public func run() async throws {
        _ = try await completion.wait()
        try await service.run()
    }
}
