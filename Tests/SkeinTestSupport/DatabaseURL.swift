import Foundation
public import PostgresNIO

/// The parts of a libpq connection URL (`postgres://user:password@host:port/database?sslmode=…`) that tests need
/// to configure a `PostgresClient`.
///
/// A small stand-in until SkeinPostgres parses connection strings; it understands `host=` (also a unix socket
/// directory), `port=`, `user=`, `password=`, `dbname=` and `sslmode=` query parameters.
public struct DatabaseURL: Sendable, Hashable {
    /// The TLS mode, as libpq's `sslmode` names it.
    public enum TLSMode: String, Sendable, Hashable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    /// The host name, IP address, or a unix socket directory (starts with `/`).
    public var host: String
    /// The port.
    public var port: Int
    /// The user name.
    public var user: String
    /// The password, if any.
    public var password: String?
    /// The database.
    public var database: String
    /// The TLS mode; `prefer` by default, as in libpq.
    public var tlsMode: TLSMode
    /// The URL as given (its database is replaced by ``replacingDatabase(with:)``).
    public var text: String

    /// Parses `postgres://` and `postgresql://` URLs.
    ///
    /// - Throws: ``TestDatabaseError`` when the text is not such a URL.
    public init(parsing text: String) throws {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme)
        else {
            throw TestDatabaseError("\(TestDatabase.urlVariable) is not a postgres:// URL")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] { query[item.name] = item.value ?? "" }
        let host = (components.percentEncodedHost.flatMap { $0.removingPercentEncoding }).flatMap {
            $0.isEmpty ? nil : $0
        }
        self.host = query["host"] ?? host ?? "localhost"
        self.port = query["port"].flatMap(Int.init) ?? components.port ?? 5432
        self.user = query["user"] ?? components.user ?? "postgres"
        self.password = query["password"] ?? components.password
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = query["dbname"] ?? (path.isEmpty ? self.user : path)
        guard let mode = TLSMode(rawValue: query["sslmode"] ?? "prefer") else {
            throw TestDatabaseError("\(TestDatabase.urlVariable) has an unknown sslmode '\(query["sslmode"] ?? "")'")
        }
        self.tlsMode = mode
        self.text = text
    }

    /// The same URL for another database on the same server.
    public func replacingDatabase(with database: String) -> DatabaseURL {
        var copy = self
        copy.database = database
        if var components = URLComponents(string: text) {
            components.path = "/" + database
            components.queryItems = components.queryItems?.filter { $0.name != "dbname" }
            if components.queryItems?.isEmpty == true { components.queryItems = nil }
            copy.text = components.string ?? text
        }
        return copy
    }

    /// A PostgresNIO configuration for a single connection to this URL.
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        if host.hasPrefix("/") {
            return PostgresConnection.Configuration(
                unixSocketPath: host + "/.s.PGSQL.\(port)",
                username: user,
                password: password,
                database: database
            )
        }
        let tls: PostgresConnection.Configuration.TLS
        switch tlsMode {
        case .disable:
            tls = .disable
        case .allow, .prefer, .require:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            let context = try NIOSSLContext(configuration: configuration)
            tls = tlsMode == .require ? .require(context) : .prefer(context)
        case .verifyCA, .verifyFull:
            tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(
            host: host,
            port: port,
            username: user,
            password: password,
            database: database,
            tls: tls
        )
        configuration.options.connectTimeout = .seconds(Self.connectTimeoutSeconds)
        return configuration
    }

    /// How long a test's helper connection may take: a minute, not PostgresNIO's 10 s. Suites run in parallel, each
    /// starting processes and clusters; on a loaded two-core machine the shared server can take that long to fork
    /// a backend, and a test is not a timing test.
    public static let connectTimeoutSeconds: Int64 = 60

    /// A PostgresNIO configuration for a client (connection pool) to this URL.
    public var clientConfiguration: PostgresClient.Configuration {
        if host.hasPrefix("/") {
            return PostgresClient.Configuration(
                unixSocketPath: host + "/.s.PGSQL.\(port)",
                username: user,
                password: password,
                database: database
            )
        }
        let tls: PostgresClient.Configuration.TLS
        switch tlsMode {
        case .disable:
            tls = .disable
        case .allow, .prefer, .require:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            tls = tlsMode == .require ? .require(configuration) : .prefer(configuration)
        case .verifyCA, .verifyFull:
            tls = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host,
            port: port,
            username: user,
            password: password,
            database: database,
            tls: tls
        )
        configuration.options.connectTimeout = .seconds(Self.connectTimeoutSeconds)
        return configuration
    }
}

/// A failure of the test database helper, with a message that says what to do.
public struct TestDatabaseError: Error, CustomStringConvertible, Sendable {
    /// What happened and what to do.
    public var description: String

    /// Creates an error.
    public init(_ description: String) {
        self.description = description
    }
}
