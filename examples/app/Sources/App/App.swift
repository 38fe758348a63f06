import Foundation
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle
import SkeinCore
import SkeinPostgres

/// The app: migrates its database at start-up, then serves the queries `skein generate` wrote. Any start-up
/// failure (a bad migration, the database down, a wrong URL) is logged with its cause and ends the process with
/// exit status 1: no backtrace, no `Fatal error`.
@main
struct App {
    static func main() async {
        var logger = Logger(label: "app")
        logger.logLevel = .info
        do {
            try await run(logger: logger)
        } catch {
            logger.error("start-up failed: \(PostgresErrorText.describe(error))")
            exit(1)
        }
    }

    static func run(logger: Logger) async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["DATABASE_URL"], !url.isEmpty else {
            throw StartupError("DATABASE_URL is not set (a libpq connection string: postgres://user@host/db)")
        }
        // One connection string for both: the pool the routes use, and the migrations' own connection.
        let configuration = try PostgresClient.Configuration(connectionString: url, environment: environment)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)

        // The migrations ship inside the executable's bundle (resources: [.copy("migrations")]).
        guard let directory = Bundle.module.url(forResource: "migrations", withExtension: nil) else {
            throw StartupError(
                "the migrations are not in the bundle (Package.swift: resources: [.copy(\"migrations\")])")
        }
        let catalog = try MigrationCatalog(source: DirectorySource(directory: directory.path))
        if catalog.diagnostics.hasErrors {
            throw StartupError(catalog.diagnostics.map(\.description).joined(separator: "\n"))
        }
        var migrator = Migrator.Configuration()
        migrator.statements.lockTimeout = .seconds(5)
        let migrations = try MigrationService(
            client: client, connectionString: url, environment: environment, migrations: catalog.migrations,
            migrator: Migrator(configuration: migrator), logger: logger)

        let queries = Queries(client: client, logger: logger)
        let router = Router()
        router.get("health") { _, _ in "ok" }
        router.get("users/count") { _, _ in
            "\(try await queries.countUsers() ?? 0)"
        }
        router.get("users/:id") { _, context -> User in
            let id = try context.parameters.require("id", as: Int64.self)
            guard let user = try await queries.getUserByID(id: id) else { throw HTTPError(.notFound) }
            return user
        }
        router.post("users") { request, context -> User in
            let body = try await request.decode(as: NewUser.self, context: context)
            // An INSERT … RETURNING of one row: the generated method returns the row itself.
            return try await queries.createUser(.init(email: body.email, displayName: body.displayName))
        }
        let port = Int(environment["PORT"] ?? "") ?? 8080
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)

        // The HTTP server starts only once the migrations have run; if they fail, it never starts and run()
        // throws their error.
        let group = ServiceGroup(
            services: [client, migrations, AfterMigrations(migrations.completion, then: app)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}

struct NewUser: Decodable {
    var email: String
    var displayName: String?
}

extension User: ResponseEncodable {}

struct StartupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
