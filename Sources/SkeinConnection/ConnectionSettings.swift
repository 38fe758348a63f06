/// Where and how to connect, resolved with libpq's precedence: the connection string's keywords, then
/// libpq's `PG*` environment variables, then `~/.pgpass` for the password, then libpq's defaults.
/// Pure: the environment and the password file's contents are parameters.
public struct ConnectionSettings: Sendable, Hashable, CustomStringConvertible {
    /// One server to try (libpq tries them in order).
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        public enum Host: Sendable, Hashable {
            case tcp(String)
            /// A unix-socket directory; the socket is `<directory>/.s.PGSQL.<port>`.
            case unixSocket(directory: String)
        }

        public var host: Host
        public var port: Int

        public init(host: Host, port: Int) {
            self.host = host
            self.port = port
        }

        /// The socket file for `.unixSocket`.
        public var socketPath: String? {
            guard case .unixSocket(let directory) = host else { return nil }
            return (directory.hasSuffix("/") ? directory : directory + "/") + ".s.PGSQL.\(port)"
        }

        public var description: String {
            switch host {
            case .tcp(let name): name.contains(":") ? "[\(name)]:\(port)" : "\(name):\(port)"
            case .unixSocket(let directory): "\(directory) (unix socket, port \(port))"
            }
        }
    }

    /// libpq's `sslmode`.
    public enum SSLMode: String, Sendable, Hashable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    /// libpq's `target_session_attrs` (Skein honours `any` and `read-write`).
    public enum TargetSessionAttributes: String, Sendable, Hashable {
        case any
        case readWrite = "read-write"
        case readOnly = "read-only"
        case primary, standby
        case preferStandby = "prefer-standby"
    }

    /// Where the password came from (never the password itself, for `skein env` and messages).
    public enum PasswordSource: Sendable, Hashable {
        case none
        case connectionString
        case environment
        case passwordFile(String)
    }

    public var endpoints: [Endpoint]
    public var user: String
    public var database: String
    public var password: String?
    public var passwordSource: PasswordSource
    public var sslMode: SSLMode
    public var sslRootCertificate: String?
    public var sslCertificate: String?
    public var sslKey: String?
    /// Seconds; `nil` waits forever (libpq's default).
    public var connectTimeout: Int?
    public var applicationName: String
    /// Sent as the `options` startup parameter (`-c search_path=app`), as libpq sends it.
    public var options: String?
    public var targetSessionAttributes: TargetSessionAttributes

    /// The default unix-socket directory: Debian's libpq uses /var/run/postgresql.
    public static let defaultSocketDirectory = "/var/run/postgresql"

    /// Resolves a connection string.
    /// - Parameters:
    ///   - connection: the parsed connection string; its parameters win, and the environment fills only those it
    ///     leaves out or empty.
    ///   - environment: the process environment (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGPASSFILE`, …).
    ///   - operatingSystemUser: libpq's default user name (asked for only when neither the string nor the
    ///     environment names a user).
    ///   - homeDirectory: where `.pgpass` is looked for when neither `passfile` nor `PGPASSFILE` names a password
    ///     file; `nil`: no default password file.
    ///   - passwordFile: reads a password file's contents by path (`nil` when absent or not private).
    public static func resolve(
        _ connection: ConnectionString, environment: [String: String], operatingSystemUser: @autoclosure () -> String,
        homeDirectory: String?, passwordFile: (String) -> String? = { _ in nil }
    ) throws(ConnectionStringError) -> ConnectionSettings {
        try connection.validate()
        let environmentKeywords: [String: String] = [
            "PGHOST": "host", "PGHOSTADDR": "hostaddr", "PGPORT": "port", "PGDATABASE": "dbname", "PGUSER": "user",
            "PGPASSWORD": "password", "PGPASSFILE": "passfile", "PGSSLMODE": "sslmode",
            "PGSSLROOTCERT": "sslrootcert", "PGSSLCERT": "sslcert", "PGSSLKEY": "sslkey",
            "PGCONNECT_TIMEOUT": "connect_timeout", "PGAPPNAME": "application_name", "PGOPTIONS": "options",
            "PGTARGETSESSIONATTRS": "target_session_attrs",
        ]
        var parameters = connection.parameters
        var passwordFromEnvironment = false
        for (variable, keyword) in environmentKeywords {
            guard parameters[keyword] == nil || parameters[keyword] == "", let value = environment[variable],
                !value.isEmpty
            else { continue }
            parameters[keyword] = value
            if keyword == "password" { passwordFromEnvironment = true }
        }
        try ConnectionString(parameters: parameters).validate()

        let hostList = (parameters["hostaddr"].flatMap { $0.isEmpty ? nil : $0 } ?? parameters["host"] ?? "")
            .split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let portList = (parameters["port"] ?? "").split(separator: ",", omittingEmptySubsequences: false)
            .map(String.init)
        var endpoints: [Endpoint] = []
        for (index, name) in hostList.enumerated() {
            let portText = portList.count == 1 ? portList[0] : (index < portList.count ? portList[index] : "")
            let port = Int(portText) ?? 5432
            if name.isEmpty {
                endpoints.append(Endpoint(host: .unixSocket(directory: defaultSocketDirectory), port: port))
            } else if name.hasPrefix("/") {
                endpoints.append(Endpoint(host: .unixSocket(directory: name), port: port))
            } else {
                endpoints.append(Endpoint(host: .tcp(name), port: port))
            }
        }
        let user = nonEmpty(parameters["user"]) ?? operatingSystemUser()
        let database = nonEmpty(parameters["dbname"]) ?? user

        var password = nonEmpty(parameters["password"])
        var source: PasswordSource =
            password == nil ? .none : (passwordFromEnvironment ? .environment : .connectionString)
        if password == nil {
            let path = nonEmpty(parameters["passfile"]) ?? homeDirectory.map { $0 + "/.pgpass" }
            if let path, let contents = passwordFile(path) {
                let hostForFile: String
                switch endpoints.first?.host {
                case .tcp(let name): hostForFile = name
                default: hostForFile = "localhost"
                }
                if let match = PasswordFile.password(
                    in: contents, host: hostForFile, port: endpoints.first?.port ?? 5432, database: database,
                    user: user)
                {
                    password = match
                    source = .passwordFile(path)
                }
            }
        }
        return ConnectionSettings(
            endpoints: endpoints, user: user, database: database, password: password, passwordSource: source,
            sslMode: SSLMode(rawValue: nonEmpty(parameters["sslmode"]) ?? "prefer") ?? .prefer,
            sslRootCertificate: nonEmpty(parameters["sslrootcert"]), sslCertificate: nonEmpty(parameters["sslcert"]),
            sslKey: nonEmpty(parameters["sslkey"]),
            connectTimeout: nonEmpty(parameters["connect_timeout"]).flatMap { Int($0) }.flatMap {
                $0 > 0 ? max($0, 2) : nil
            },
            applicationName: nonEmpty(parameters["application_name"]) ?? "skein",
            options: nonEmpty(parameters["options"]),
            targetSessionAttributes: TargetSessionAttributes(
                rawValue: nonEmpty(parameters["target_session_attrs"]) ?? "any")
                ?? .any)
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    /// The settings as `skein env` prints them; the password is masked.
    public var description: String {
        var lines = [
            "hosts: " + endpoints.map(\.description).joined(separator: ", "), "user: \(user)", "database: \(database)",
            "sslmode: \(sslMode.rawValue)", "application_name: \(applicationName)",
        ]
        switch passwordSource {
        case .none: lines.append("password: (none)")
        case .connectionString: lines.append("password: ******** (from the connection string)")
        case .environment: lines.append("password: ******** (from PGPASSWORD)")
        case .passwordFile(let path): lines.append("password: ******** (from \(path))")
        }
        if let options { lines.append("options: \(options)") }
        if let connectTimeout { lines.append("connect_timeout: \(connectTimeout)s") }
        if targetSessionAttributes != .any { lines.append("target_session_attrs: \(targetSessionAttributes.rawValue)") }
        return lines.joined(separator: "\n")
    }
}
