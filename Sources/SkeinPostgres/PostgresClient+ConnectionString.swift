import Foundation
import NIOSSL
public import PostgresNIO
import SkeinConnection

/// Why a connection string cannot become a `PostgresClient.Configuration`.
public struct ClientConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public var description: String { message }
}

extension PostgresClient.Configuration {
    /// A `PostgresClient`'s configuration from a libpq connection string (a URL or `key=value` pairs), resolved as
    /// libpq and the `skein` CLI resolve it: `PG*` variables and `~/.pgpass` from `environment`, `sslmode` with
    /// libpq's meanings (`require` encrypts without checking the certificate, `verify-ca` checks the chain against
    /// `sslrootcert`, `verify-full` also the host name), unix-socket hosts, `connect_timeout` (default 10 s, as the
    /// CLI), `application_name` (default `skein`).
    ///
    /// ```swift
    /// let configuration = try PostgresClient.Configuration(
    ///     connectionString: ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "",
    ///     environment: ProcessInfo.processInfo.environment)
    /// let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    /// ```
    ///
    /// - Throws: ``ConnectionStringError`` for a string libpq would refuse; ``ClientConfigurationError`` for a
    ///   multi-host string (a `PostgresClient` has one host: it is refused, never cut to its first host), `sslmode=allow`
    ///   (a plain connection first, then TLS: a `PostgresClient` has no such fallback) or TLS files NIOSSL cannot load.
    public init(connectionString: String, environment: [String: String]) throws {
        let settings = try ConnectionSettings.resolve(
            try ConnectionString.parse(connectionString), environment: environment)
        guard settings.endpoints.count == 1, let endpoint = settings.endpoints.first else {
            throw ClientConfigurationError(
                message:
                    "the connection string names \(settings.endpoints.count) hosts (\(settings.endpoints.map(\.description).joined(separator: ", "))), and a PostgresClient connects to one: give it one host, or use the skein CLI or Connector, which try each in turn"
            )
        }
        switch endpoint.host {
        case .unixSocket:
            self.init(
                unixSocketPath: endpoint.socketPath ?? "", username: settings.user, password: settings.password,
                database: settings.database)
        case .tcp(let host):
            self.init(
                host: host, port: endpoint.port, username: settings.user, password: settings.password,
                database: settings.database, tls: try Self.tls(settings))
        }
        options.connectTimeout = .seconds(Int64(settings.connectTimeout ?? 10))
        options.additionalStartupParameters = [("application_name", settings.applicationName)]
        if let startupOptions = settings.options {
            options.additionalStartupParameters.append(("options", startupOptions))
        }
    }

    /// libpq's `sslmode` as a `PostgresClient`'s TLS setting.
    static func tls(_ settings: ConnectionSettings) throws -> TLS {
        func context(_ verification: CertificateVerification) throws -> TLSConfiguration {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = verification
            if let root = settings.sslRootCertificate, verification != .none { tls.trustRoots = .file(root) }
            if let certificate = settings.sslCertificate, let key = settings.sslKey {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            }
            return tls
        }
        do {
            switch settings.sslMode {
            case .disable: return .disable
            case .allow:
                throw ClientConfigurationError(
                    message:
                        "sslmode=allow (a plain connection first, TLS if the server insists) has no PostgresClient equivalent: use prefer, require or disable"
                )
            case .prefer: return .prefer(try context(.none))
            case .require:
                return .require(try context(settings.sslRootCertificate == nil ? .none : .noHostnameVerification))
            case .verifyCA: return .require(try context(.noHostnameVerification))
            case .verifyFull: return .require(try context(.fullVerification))
            }
        } catch let error as ClientConfigurationError {
            throw error
        } catch {
            throw ClientConfigurationError(
                message:
                    "the TLS files of the connection string cannot be loaded (\(error)); check sslrootcert, sslcert and sslkey (PEM files)"
            )
        }
    }
}
