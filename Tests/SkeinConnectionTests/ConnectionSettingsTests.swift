import SkeinConnection
import Testing

@Suite("connection settings: libpq precedence, PG* variables, .pgpass")
struct ConnectionSettingsTests {
    func resolve(
        _ text: String, environment: [String: String] = [:], pgpass: [String: String] = [:]
    ) throws -> ConnectionSettings {
        try ConnectionSettings.resolve(
            try ConnectionString.parse(text), environment: environment, operatingSystemUser: "deploy",
            homeDirectory: "/home/deploy", passwordFile: { pgpass[$0] })
    }

    @Test("libpq's defaults: unix socket, port 5432, user = OS user, database = user, sslmode prefer")
    func defaults() throws {
        let settings = try resolve("")
        #expect(settings.endpoints == [.init(host: .unixSocket(directory: "/var/run/postgresql"), port: 5432)])
        #expect(settings.endpoints.first?.socketPath == "/var/run/postgresql/.s.PGSQL.5432")
        #expect(settings.user == "deploy" && settings.database == "deploy")
        #expect(settings.sslMode == .prefer && settings.applicationName == "skein")
    }

    @Test("the string wins over PG* variables, which fill what it leaves out")
    func precedence() throws {
        let environment = [
            "PGHOST": "envhost", "PGPORT": "6543", "PGUSER": "envuser", "PGDATABASE": "envdb", "PGAPPNAME": "ci",
        ]
        let settings = try resolve("postgresql://app@db.example.com/agentflow", environment: environment)
        #expect(settings.endpoints == [.init(host: .tcp("db.example.com"), port: 6543)])
        #expect(settings.user == "app" && settings.database == "agentflow" && settings.applicationName == "ci")
        let fromEnvironment = try resolve("", environment: environment)
        #expect(fromEnvironment.endpoints == [.init(host: .tcp("envhost"), port: 6543)])
    }

    @Test("multiple hosts with their ports, in order; one port for all")
    func multiHost() throws {
        let settings = try resolve("postgresql://h1:5432,h2:5433/db?target_session_attrs=read-write")
        #expect(settings.endpoints == [.init(host: .tcp("h1"), port: 5432), .init(host: .tcp("h2"), port: 5433)])
        #expect(settings.targetSessionAttributes == .readWrite)
        let shared = try resolve("host=h1,h2 port=6000")
        #expect(shared.endpoints.map(\.port) == [6000, 6000])
        let socket = try resolve("postgresql:///agentflow?host=/tmp&port=55432")
        #expect(socket.endpoints.first?.socketPath == "/tmp/.s.PGSQL.55432")
    }

    @Test("password: string, then PGPASSWORD, then the password file; never shown")
    func password() throws {
        let inString = try resolve("postgresql://app:s3cret@db/x", environment: ["PGPASSWORD": "other"])
        #expect(inString.password == "s3cret" && inString.passwordSource == .connectionString)
        #expect(!inString.description.contains("s3cret"))
        let fromEnvironment = try resolve("postgresql://app@db/x", environment: ["PGPASSWORD": "envpass"])
        #expect(fromEnvironment.password == "envpass" && fromEnvironment.passwordSource == .environment)
        let file = "# comment\nother:*:*:*:nope\ndb:5432:x:app:from\\:file\n*:*:*:*:fallback\n"
        let fromFile = try resolve("postgresql://app@db/x", pgpass: ["/home/deploy/.pgpass": file])
        #expect(fromFile.password == "from:file")
        #expect(fromFile.passwordSource == .passwordFile("/home/deploy/.pgpass"))
        let custom = try resolve(
            "postgresql://app@db/x", environment: ["PGPASSFILE": "/etc/pgpass"],
            pgpass: ["/etc/pgpass": "*:*:*:app:custom"])
        #expect(custom.password == "custom")
        let socket = try resolve(
            "host=/tmp user=app dbname=x", pgpass: ["/home/deploy/.pgpass": "localhost:5432:x:app:local"])
        #expect(socket.password == "local")
    }

    @Test("connect_timeout follows libpq: 0 waits forever, 1 means 2")
    func connectTimeout() throws {
        #expect(try resolve("connect_timeout=10").connectTimeout == 10)
        #expect(try resolve("connect_timeout=1").connectTimeout == 2)
        #expect(try resolve("connect_timeout=0").connectTimeout == nil)
    }

    @Test("unusable values from the environment are rejected too")
    func badEnvironment() {
        #expect(throws: ConnectionStringError.self) { try resolve("", environment: ["PGPORT": "abc"]) }
        #expect(throws: ConnectionStringError.self) { try resolve("", environment: ["PGSSLMODE": "sometimes"]) }
    }
}
