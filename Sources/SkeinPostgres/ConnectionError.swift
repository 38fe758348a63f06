import Foundation
import NIOCore
import NIOPosix
import PostgresNIO
public import SkeinConnection
public import SkeinCore

#if canImport(Glibc)
    import Glibc
#endif

/// Why no connection could be made, in psql's words: a line per server tried (`connection to server at
/// "127.0.0.1", port 1 failed: Connection refused`), psql's "Is the server running …?" only where it applies (a
/// refused connection or a missing socket, not a wrong password or a missing database), what the server said
/// when it refused (severity, message, SQLSTATE, detail, hint), and what to do next. Never the password.
public struct ConnectionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One server tried.
    public struct Attempt: Sendable, Hashable {
        public var endpoint: ConnectionSettings.Endpoint
        /// The address a host name resolved to, when the failure names it (psql: `"localhost" (127.0.0.1)`).
        public var address: String?
        public var failure: Failure

        public init(endpoint: ConnectionSettings.Endpoint, address: String? = nil, failure: Failure) {
            self.endpoint = endpoint
            self.address = address
            self.failure = failure
        }

        /// psql's line: `connection to server at "HOST" (ADDRESS), port P failed: REASON`, or `… on socket "PATH" …`.
        public var line: String {
            let server: String
            switch endpoint.host {
            case .tcp(let host):
                let resolved = address.flatMap { $0 == host ? nil : " (\($0))" } ?? ""
                server = "at \"\(host)\"\(resolved), port \(endpoint.port)"
            case .unixSocket:
                server = "on socket \"\(endpoint.socketPath ?? "")\""
            }
            return "connection to server \(server) failed: \(failure.reason)"
        }

        /// psql's second line, where it applies.
        public var question: String? {
            guard case .system(let code, _) = failure else { return nil }
            switch (endpoint.host, code) {
            case (.tcp, ECONNREFUSED): return "Is the server running on that host and accepting TCP/IP connections?"
            case (.unixSocket, ECONNREFUSED), (.unixSocket, ENOENT):
                return "Is the server running locally and accepting connections on that socket?"
            default: return nil
            }
        }
    }

    /// What went wrong with one server.
    public enum Failure: Sendable, Hashable {
        /// The operating system refused the connection (`errno`: ECONNREFUSED, ENOENT for a missing socket,
        /// EHOSTUNREACH, …), with its words (`strerror`).
        case system(errno: Int32, message: String)
        /// The host name has no address.
        case unknownHost(String)
        /// No answer within `connect_timeout` (libpq's "timeout expired").
        case timedOut(seconds: Int?)
        /// The server answered and refused (a missing database, a wrong password, no `pg_hba.conf` entry, …).
        case server(ServerError)
        /// `target_session_attrs=read-write` and the server is read-only.
        case readOnly
        /// Anything else (TLS, an authentication method PostgresNIO lacks, …), in words.
        case other(String)

        /// The words after `failed: `.
        public var reason: String {
            switch self {
            case .system(_, let message): message
            case .unknownHost(let host): "could not translate host name \"\(host)\" to address"
            case .timedOut(let seconds): "timeout expired" + (seconds.map { " (connect_timeout=\($0))" } ?? "")
            case .server(let error): error.gooseText
            case .readOnly: "session is read-only (target_session_attrs=read-write)"
            case .other(let text): text
            }
        }
    }

    public var attempts: [Attempt]
    /// The user and database asked for, for the advice (`createdb NAME`).
    public var user: String
    public var database: String
    /// Where the password came from, for the advice on a wrong one.
    public var passwordSource: ConnectionSettings.PasswordSource?

    public init(
        attempts: [Attempt], user: String, database: String, passwordSource: ConnectionSettings.PasswordSource? = nil
    ) {
        self.attempts = attempts
        self.user = user
        self.database = database
        self.passwordSource = passwordSource
    }

    /// What to do next, from the last server's failure.
    public var advice: String? {
        guard let failure = attempts.last?.failure else { return nil }
        switch failure {
        case .system: return nil  // psql's question says it
        case .unknownHost: return "check the host name in the connection string (or PGHOST)"
        case .timedOut:
            return
                "nothing answered in time: check the host and port, and any firewall in between; connect_timeout=N in the connection string waits longer"
        case .readOnly: return "connect to the primary, or list every server (host=a,b) so the writable one is found"
        case .other: return nil
        case .server(let error):
            switch error.sqlState {
            case "3D000":
                return "create it (createdb \(database)), or fix the database name in the connection string"
            case "28P01":
                let from: String
                switch passwordSource {
                case .connectionString: from = " (it came from the connection string)"
                case .environment: from = " (it came from PGPASSWORD)"
                case .passwordFile(let path): from = " (it came from \(path))"
                case .some(.none), nil: from = " (none was given)"
                }
                return
                    "check the password for user \"\(user)\"\(from): the connection string, PGPASSWORD or ~/.pgpass"
            case "28000":
                return
                    "the server's pg_hba.conf has no entry that lets user \"\(user)\" reach database \"\(database)\" from here, or the role does not exist: ask its administrator"
            case "53300": return "the server has no free connection slots: try again, or connect through a pooler"
            case "57P03": return "the server is starting up, shutting down or in recovery: try again shortly"
            default: return nil
            }
        }
    }

    /// psql's lines, then the server's detail and hint, then the advice.
    public var lines: [String] {
        var lines: [String] = []
        for attempt in attempts {
            lines.append(attempt.line)
            if case .server(let error) = attempt.failure {
                if let detail = error.detail { lines.append("  DETAIL: \(detail)") }
                if let hint = error.hint { lines.append("  HINT: \(hint)") }
            }
            if let question = attempt.question { lines.append("  \(question)") }
        }
        return lines
    }

    public var description: String {
        (lines + (advice.map { ["  \($0)"] } ?? [])).joined(separator: "\n")
    }

    /// pgx's words for the last failure, as goose prints them after `failed to connect to `host=… user=…
    /// database=…`: ` (`dial error (dial tcp 127.0.0.1:1: connect: connection refused)`, `server error (FATAL:
    /// … (SQLSTATE 3D000))`), so a goose user's log alerts keep matching.
    public var gooseReason: String {
        guard let attempt = attempts.last else { return "no server to connect to" }
        let target: String
        switch attempt.endpoint.host {
        case .tcp(let host):
            let address = attempt.address ?? host
            target = "dial tcp \(address.contains(":") ? "[\(address)]" : address):\(attempt.endpoint.port)"
        case .unixSocket: target = "dial unix \(attempt.endpoint.socketPath ?? "")"
        }
        switch attempt.failure {
        case .system(_, let message): return "dial error (\(target): connect: \(message.lowercased()))"
        case .unknownHost(let host): return "hostname resolving error (lookup \(host): no such host)"
        case .timedOut: return "dial error (\(target): i/o timeout)"
        case .server(let error):
            return "server error (\(error.gooseText))"
        case .readOnly, .other: return attempt.failure.reason
        }
    }

    /// The failure of one attempt, read from what PostgresNIO threw.
    static func failure(_ error: any Error, connectTimeout: Int?) -> (Failure, address: String?) {
        if let server = ServerError(postgres: error) { return (.server(server), nil) }
        var underlying: any Error = error
        if let psql = error as? PSQLError {
            if psql.code == .sslUnsupported {
                return (.other("the server does not support TLS (sslmode requires it)"), nil)
            }
            if psql.code == .authMechanismRequiresPassword {
                return (
                    .other("the server asks for a password and none was given (PGPASSWORD, ~/.pgpass, or the URL)"), nil
                )
            }
            guard let inner = psql.underlying else { return (.other("\(psql.code)"), nil) }
            underlying = inner
        }
        if let connection = underlying as? NIOConnectionError {
            if let single = connection.connectionErrors.last {
                let (failure, _) = Self.failure(single.error, connectTimeout: connectTimeout)
                return (failure, single.target.ipAddress)
            }
            if connection.dnsAError != nil || connection.dnsAAAAError != nil {
                return (.unknownHost(connection.host), nil)
            }
            return (.timedOut(seconds: connectTimeout), nil)
        }
        if let io = underlying as? IOError {
            return (.system(errno: io.errnoCode, message: String(cString: strerror(io.errnoCode))), nil)
        }
        if let channel = underlying as? ChannelError, case .connectTimeout = channel {
            return (.timedOut(seconds: connectTimeout), nil)
        }
        return (.other("\(underlying)"), nil)
    }
}
