import PostgresNIO
import SkeinTestSupport
import Testing

@Suite("Test databases", .requiresPostgreSQL)
struct TestDatabaseTests {
    @Test("gives each test its own, isolated database")
    func freshDatabasesAreIsolated() async throws {
        try await TestDatabase.withFreshDatabase { first in
            try await TestDatabase.withFreshDatabase { second in
                #expect(first.name != second.name)
                #expect(first.name.hasPrefix("skein_test_"))
                #expect(first.url.contains("/\(first.name)"))

                try await first.client.query("CREATE TABLE only_in_first (id int)")
                try await first.client.query("INSERT INTO only_in_first VALUES (1), (2)")

                var current = ""
                for try await (name, ) in try await second.client.query("SELECT current_database()").decode(String.self)
                {
                    current = name
                }
                #expect(current == second.name)
                #expect(try await count(tablesNamed: "only_in_first", in: second.client) == 0)
                #expect(try await count(tablesNamed: "only_in_first", in: first.client) == 1)
            }
        }
    }

    @Test("hands over a URL that reaches the same database")
    func urlReachesTheDatabase() async throws {
        try await TestDatabase.withFreshDatabase { database in
            try await database.client.query("CREATE TABLE marker (id int)")
            let url = try DatabaseURL(parsing: database.url)
            #expect(url.database == database.name)
            let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: Fixtures.logger)
            let found = try await TestDatabase.withClientRunning(client) {
                try await count(tablesNamed: "marker", in: client)
            }
            #expect(found == 1)
        }
    }

    @Test("parses libpq URLs")
    func parsesURLs() throws {
        let url = try DatabaseURL(parsing: "postgresql://app:s%40cret@db.example:6543/orders?sslmode=require")
        #expect(url.host == "db.example")
        #expect(url.port == 6543)
        #expect(url.user == "app")
        #expect(url.password == "s@cret")
        #expect(url.database == "orders")
        #expect(url.tlsMode == .require)
        #expect(
            url.replacingDatabase(with: "skein_test_1").text
                == "postgresql://app:s%40cret@db.example:6543/skein_test_1?sslmode=require")

        let socket = try DatabaseURL(parsing: "postgres:///app?host=/var/run/postgresql&user=me")
        #expect(socket.host == "/var/run/postgresql")
        #expect(socket.user == "me")
        #expect(socket.database == "app")
        #expect(socket.clientConfiguration.unixSocketPath == "/var/run/postgresql/.s.PGSQL.5432")

        #expect(throws: TestDatabaseError.self) { try DatabaseURL(parsing: "mysql://x") }
    }
}

private func count(tablesNamed name: String, in client: PostgresClient) async throws -> Int {
    var result = -1
    let rows = try await client.query("SELECT count(*)::int FROM pg_tables WHERE tablename = \(name)")
    for try await (value, ) in rows.decode(Int.self) { result = value }
    return result
}
