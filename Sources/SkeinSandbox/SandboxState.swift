public import Foundation

/// The state file of a named sandbox (`<store>/<name>/state.json`): where the cluster lives and how to reach it.
///
/// ```json
/// {
///   "format" : 1,
///   "name" : "default",
///   "url" : "postgres://postgres@127.0.0.1:54012/postgres?sslmode=disable",
///   "port" : 54012,
///   ...
/// }
/// ```
public struct SandboxState: Sendable, Hashable {
    /// The version of the file format this type writes.
    public static let currentFormat = 1

    /// The sandbox's name, such as `default`.
    public var name: String
    /// The cluster the state describes.
    public var cluster: SandboxCluster
    /// The postmaster's process ID when the state was written, or 0.
    public var pid: Int

    /// Creates a state value.
    public init(name: String, cluster: SandboxCluster, pid: Int) {
        self.name = name
        self.cluster = cluster
        self.pid = pid
    }

    /// Reads a state file's contents.
    ///
    /// - Parameters:
    ///   - data: The JSON text.
    ///   - path: The file's path, for error messages.
    /// - Throws: ``SandboxError/Code/invalidState`` when the JSON is malformed, lacks a field or has a newer format.
    public init(decoding data: Data, path: String) throws {
        let file: StateFile
        do {
            file = try JSONDecoder().decode(StateFile.self, from: data)
        } catch {
            throw SandboxError(code: .invalidState, path: path, reason: Self.describe(error))
        }
        guard file.format <= Self.currentFormat else {
            throw SandboxError(
                code: .invalidState,
                path: path,
                name: file.name,
                reason:
                    "it has format \(file.format), but this skein reads format \(Self.currentFormat) at most; use a newer skein"
            )
        }
        let portSelection: SandboxOptions.Port = file.fixedPort ? .fixed(file.port) : .automatic
        self.init(
            name: file.name,
            cluster: SandboxCluster(
                directory: file.directory,
                port: file.port,
                portSelection: portSelection,
                superuser: file.superuser,
                installation: PostgresInstallation(
                    binDirectory: file.binDirectory,
                    version: file.postgresVersion,
                    majorVersion: file.postgresMajorVersion
                ),
                serverAccount: file.serverUser,
                timeoutSeconds: file.timeoutSeconds
            ),
            pid: file.pid
        )
    }

    /// The state as pretty-printed JSON with sorted keys, ending in a newline.
    public func encoded() -> Data {
        let fixedPort: Bool
        if case .fixed = cluster.portSelection { fixedPort = true } else { fixedPort = false }
        let file = StateFile(
            format: Self.currentFormat,
            name: name,
            url: cluster.url,
            host: cluster.host,
            port: cluster.port,
            fixedPort: fixedPort,
            superuser: cluster.superuser,
            database: cluster.database,
            directory: cluster.directory,
            dataDirectory: cluster.dataDirectory,
            socketDirectory: cluster.socketDirectory,
            logFile: cluster.logFile,
            pid: pid,
            postgresVersion: cluster.installation.version,
            postgresMajorVersion: cluster.installation.majorVersion,
            binDirectory: cluster.installation.binDirectory,
            serverUser: cluster.serverAccount,
            timeoutSeconds: cluster.timeoutSeconds
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and integers cannot fail.
        let data = (try? encoder.encode(file)) ?? Data()
        return data + Data("\n".utf8)
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _):
            return "the field '\(key.stringValue)' is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "the field '\(field)' has the wrong type"
        case DecodingError.dataCorrupted:
            return "it is not valid JSON"
        default:
            return "\(error)"
        }
    }
}

/// The on-disk layout; the derived fields (`url`, `host`, `dataDirectory`, …) are written for people and scripts
/// and ignored when reading.
private struct StateFile: Codable {
    var format: Int
    var name: String
    var url: String?
    var host: String?
    var port: Int
    var fixedPort: Bool
    var superuser: String
    var database: String?
    var directory: String
    var dataDirectory: String?
    var socketDirectory: String?
    var logFile: String?
    var pid: Int
    var postgresVersion: String
    var postgresMajorVersion: Int
    var binDirectory: String
    var serverUser: SystemAccount?
    var timeoutSeconds: Int
}
