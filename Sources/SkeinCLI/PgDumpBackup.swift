import Foundation
import Logging
import SkeinConnection
import SkeinCore
import SkeinGovernance
import SkeinPostgres
import SkeinSandbox

/// `--backup DIR`: `pg_dump -Fc` of the database before the first step, checked with `pg_restore --list`.
///
/// The connection goes to pg_dump through libpq's environment variables (`PGHOST`, `PGPASSWORD`, …) of the
/// settings Skein itself connected with, so the password never appears on a command line or in output.
struct PgDumpBackup: Sendable {
    var directory: String
    var settings: ConnectionSettings
    var logger: Logger

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    var hook: BackupHook {
        let backup = self
        return BackupHook { plan in try await backup.take(before: plan) }
    }

    /// `<database>-<UTC yyyyMMddTHHmmssZ>-to-<target version>.dump` in the directory (created if needed).
    func take(before plan: MigrationPlan) async throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let safeName = settings.database.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" }
        let file = (directory as NSString).appendingPathComponent(
            "\(String(safeName))-\(formatter.string(from: Date()))-to-\(plan.versionAfter.map(String.init) ?? "0").dump"
        )
        let dump = try await Self.program("pg_dump", logger: logger)
        let restore = try await Self.program("pg_restore", logger: logger)
        let environment = libpqEnvironment()
        let dumped = try await ExternalProgram(
            dump, ["--format=custom", "--no-password", "--file", file], environment: environment
        ).collect()
        guard dumped.status == 0 else {
            try? FileManager.default.removeItem(atPath: file)
            throw Failure(
                description:
                    "pg_dump exited \(dumped.status): \(dumped.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        let listed = try await ExternalProgram(restore, ["--list", file], environment: environment).collect()
        guard listed.status == 0, !listed.stdout.isEmpty else {
            throw Failure(
                description:
                    "pg_restore --list cannot read \(file) (exit \(listed.status)): \(listed.stderr.trimmingCharacters(in: .whitespacesAndNewlines))"
            )
        }
        logger.info("backed up the database", metadata: ["backup.file": "\(file)"])
        return file
    }

    /// libpq's variables for the first endpoint of the settings Skein connected with.
    func libpqEnvironment() -> [String: String] {
        var environment = CLIContext.current.environment.filter { !$0.key.hasPrefix("PG") }
        if let endpoint = settings.endpoints.first {
            switch endpoint.host {
            case .tcp(let name): environment["PGHOST"] = name
            case .unixSocket(let directory): environment["PGHOST"] = directory
            }
            environment["PGPORT"] = String(endpoint.port)
        }
        environment["PGUSER"] = settings.user
        environment["PGDATABASE"] = settings.database
        if let password = settings.password { environment["PGPASSWORD"] = password }
        environment["PGSSLMODE"] = settings.sslMode.rawValue
        if let value = settings.sslRootCertificate { environment["PGSSLROOTCERT"] = value }
        if let value = settings.sslCertificate { environment["PGSSLCERT"] = value }
        if let value = settings.sslKey { environment["PGSSLKEY"] = value }
        environment["PGAPPNAME"] = "skein-backup"
        return environment
    }

    /// The program on PATH, else in the PostgreSQL installation Skein finds for its sandbox.
    static func program(_ name: String, logger: Logger) async throws -> String {
        for directory in (CLIContext.current.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        do {
            let installation = try await PostgresInstallation.locate(
                environment: CLIContext.current.environment, logger: logger)
            return installation.path(of: name)
        } catch {
            throw Failure(
                description:
                    "\(name) was not found on PATH or in a PostgreSQL installation; install PostgreSQL's client programs (Debian: postgresql-client)"
            )
        }
    }
}
