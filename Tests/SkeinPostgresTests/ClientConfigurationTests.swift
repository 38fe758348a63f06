import Foundation
import Logging
import PostgresNIO
import SkeinPostgres
import SkeinTestSupport
import Testing

@Suite("PostgresClient.Configuration from a libpq connection string", .requiresPostgreSQL)
struct ClientConfigurationTests {
    @Test("a URL and a key=value string both make a client that connects and queries")
    func connects() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let keyValue =
            "host=\(database.host) port=\(database.port) user=\(database.user) dbname=\(database.database) sslmode=disable"
        for text in [database.text, keyValue] {
            let configuration = try PostgresClient.Configuration(connectionString: text, environment: [:])
            let client = PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "test"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                let rows = try await client.query("SELECT current_database(), current_setting('application_name')")
                for try await (name, application) in rows.decode((String, String).self) {
                    #expect(name == database.database)
                    #expect(application == "skein")
                }
                group.cancelAll()
            }
        }
    }

    @Test("PG* variables fill what the string leaves out, as libpq's do")
    func environment() throws {
        let configuration = try PostgresClient.Configuration(
            connectionString: "postgres:///app", environment: ["PGHOST": "127.0.0.1", "PGPORT": "6543", "PGUSER": "u"])
        #expect(configuration.host == "127.0.0.1" && configuration.port == 6543)
        #expect(configuration.username == "u" && configuration.database == "app")
    }

    @Test("a multi-host string is refused, never cut to its first host; so is sslmode=allow")
    func refused() {
        #expect(throws: ClientConfigurationError.self) {
            try PostgresClient.Configuration(
                connectionString: "postgres://a,b/app?target_session_attrs=read-write", environment: [:])
        }
        #expect(throws: ClientConfigurationError.self) {
            try PostgresClient.Configuration(connectionString: "postgres://h/app?sslmode=allow", environment: [:])
        }
        #expect(throws: (any Error).self) {
            try PostgresClient.Configuration(connectionString: "host=h port=abc", environment: [:])
        }
    }
}
