import Logging
import PostgresNIO
import SkeinConnection
import SkeinPostgres
import SkeinTestSupport
import Testing

@Suite("Connector against a real PostgreSQL", .requiresPostgreSQL)
struct ConnectorTests {
    /// A backend ended between the handshake and the `transaction_read_only` check (a switchover's shutdown) is a
    /// failed attempt naming what PostgreSQL said, and the connection is closed: a dropped open PostgresConnection
    /// traps in debug builds, which is how a Patroni switchover once crashed `skein up`.
    @Test("a backend ended before the read-write check is a failed attempt, not a crash")
    func backendEndedBeforeTheCheck() async throws {
        try await TestDatabase.withFreshDatabase { database in
            let name = "skein-terminated-\(database.name)"
            let client = database.client
            let relay = try await TerminatingRelay.start(
                upstreamHost: database.connection.host, upstreamPort: database.connection.port
            ) {
                _ = try? await client.query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = \(name)"
                ).collect()
            }
            defer { Task { try? await relay.stop() } }
            let direct = try ConnectionSettings.resolve(ConnectionString.parse(database.url), environment: [:])
            var settings = direct
            settings.endpoints = [.init(host: .tcp("127.0.0.1"), port: relay.port)]
            settings.sslMode = .disable
            settings.targetSessionAttributes = .readWrite
            settings.applicationName = name
            let logger = Logger(label: "skein.test", factory: { _ in SwiftLogNoOpLogHandler() })
            let error = await #expect(throws: ConnectionError.self) {
                try await Connector(settings: settings).connect(logger: logger)
            }
            #expect(error?.attempts.count == 1)
            let text = error.map { "\($0)" } ?? ""
            #expect(text.contains("terminating connection due to administrator command"), "\(text)")

            // The same settings, straight to the server, connect and find it writable.
            settings.endpoints = direct.endpoints
            let connection = try await Connector(settings: settings).connect(logger: logger)
            try await connection.close()
        }
    }
}
