public import Logging
public import PostgresNIO
public import ServiceLifecycle
public import SkeinCore
import Synchronization

/// Migrates at start-up inside a `ServiceGroup`: runs the migrations on a running `PostgresClient`, signals
/// ``completion``, then stays until the group shuts down, so a migration service that finishes does not stop
/// the group. A service that must not start before the schema is ready (an HTTP server) waits for
/// ``completion`` first. When migrating fails, the service throws and the group shuts down.
///
/// ```swift
/// let client = PostgresClient(configuration: configuration)
/// let catalog = try MigrationCatalog(source: DirectorySource(directory: migrationsDirectory))
/// let migrations = MigrationService(client: client, migrations: catalog.migrations, logger: logger)
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
    /// Resolved when the migrations have run (or failed).
    public let completion: MigrationCompletion

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

    public func run() async throws {
        do {
            let outcome = try await migrator.run(command, migrations: migrations, client: client, logger: logger)
            logger.info(
                "migrations done",
                metadata: [
                    "migrations.count": "\(outcome.report.completed.count)",
                    "migrations.version": "\(outcome.plan.versionAfter ?? outcome.plan.currentVersion ?? 0)",
                ])
            completion.resolve(.success(outcome))
        } catch {
            logger.error("migrations failed", metadata: ["error": "\(error)"])
            completion.resolve(.failure(error))
            throw error
        }
        // Stay until the group shuts down: a service that returns would end the group.
        try? await gracefulShutdown()
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
