import Foundation
public import Logging
import NIOCore
import NIOSSL
public import PostgresNIO
public import SkeinConnection

/// Opens the one held connection with libpq's semantics on PostgresNIO: endpoints tried in order,
/// `target_session_attrs=read-write` checked with `transaction_read_only`, `sslmode` mapped onto NIOSSL.
public struct Connector: Sendable {
    public var settings: ConnectionSettings

    public init(settings: ConnectionSettings) {
        self.settings = settings
    }

    /// Connects to the first endpoint that accepts (and is writable when asked).
    public func connect(logger: Logger) async throws -> PostgresConnection {
        var attempts: [ConnectionError.Attempt] = []
        for (index, endpoint) in settings.endpoints.enumerated() {
            for tls in try tlsAttempts(for: endpoint) {
                do {
                    var configuration: PostgresConnection.Configuration
                    switch endpoint.host {
                    case .unixSocket:
                        configuration = .init(
                            unixSocketPath: endpoint.socketPath!, username: settings.user, password: settings.password,
                            database: settings.database)
                    case .tcp(let host):
                        configuration = .init(
                            host: host, port: endpoint.port, username: settings.user, password: settings.password,
                            database: settings.database, tls: tls)
                    // PostgresNIO sends the host name as SNI (never an IP address, which TLS forbids);
                    // verify-full then checks the certificate against it, or against the IP address.
                    }
                    if let timeout = settings.connectTimeout {
                        configuration.options.connectTimeout = .seconds(Int64(timeout))
                    }
                    configuration.options.additionalStartupParameters = [("application_name", settings.applicationName)]
                    if let options = settings.options {
                        configuration.options.additionalStartupParameters.append(("options", options))
                    }
                    let connection = try await PostgresConnection.connect(
                        configuration: configuration, id: index, logger: logger)
                    // Before the first query, so migrations can be pipelined on it (``CommandPipeline``).
                    await CommandPipeline.install(on: connection)
                    if settings.targetSessionAttributes == .readWrite {
                        let readOnly: Bool
                        do {
                            readOnly = try await isReadOnly(connection, logger: logger)
                        } catch {
                            // The server went away between the handshake and the check (a switchover's shutdown):
                            // the connection must still be closed before it is dropped.
                            try? await connection.close()
                            throw error
                        }
                        if readOnly {
                            try? await connection.close()
                            attempts.append(.init(endpoint: endpoint, failure: .readOnly))
                            break
                        }
                    }
                    return connection
                } catch {
                    let (failure, address) = ConnectionError.failure(error, connectTimeout: settings.connectTimeout)
                    attempts.append(.init(endpoint: endpoint, address: address, failure: failure))
                }
            }
        }
        throw ConnectionError(
            attempts: attempts, user: settings.user, database: settings.database,
            passwordSource: settings.passwordSource)
    }

    private func isReadOnly(_ connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("SHOW transaction_read_only", logger: logger)
        var readOnly = false
        for try await value in rows.decode(String.self) { readOnly = value == "on" }
        return readOnly
    }

    /// libpq's `sslmode`, as the TLS settings to try in order.
    func tlsAttempts(for endpoint: ConnectionSettings.Endpoint) throws -> [PostgresConnection.Configuration.TLS] {
        if case .unixSocket = endpoint.host { return [.disable] }
        func context(_ verification: CertificateVerification) throws -> NIOSSLContext {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = verification
            if let root = settings.sslRootCertificate, verification != .none {
                tls.trustRoots = .file(root)
            }
            if let certificate = settings.sslCertificate, let key = settings.sslKey {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            }
            return try NIOSSLContext(configuration: tls)
        }
        switch settings.sslMode {
        case .disable: return [.disable]
        case .allow: return [.disable, .require(try context(.none))]
        case .prefer: return [.prefer(try context(.none))]
        case .require:
            // libpq: with a root certificate given, require verifies the chain like verify-ca.
            return [.require(try context(settings.sslRootCertificate == nil ? .none : .noHostnameVerification))]
        case .verifyCA: return [.require(try context(.noHostnameVerification))]
        case .verifyFull: return [.require(try context(.fullVerification))]
        }
    }
}
