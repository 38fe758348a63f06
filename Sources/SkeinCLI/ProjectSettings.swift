import ArgumentParser
import Foundation
import SkeinConfig
import SkeinCore

/// Options every migrations command shares.
struct MigrationsOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "Directory with the migration files (env GOOSE_MIGRATION_DIR; skein.yaml migrations-dir; default: migrations)."
    )
    var dir: String?

    @Option(name: .long, help: "Project configuration file (default: ./skein.yaml when present).")
    var config: String?

    @Flag(name: .long, help: .hidden)
    var goose = false

    @Flag(name: [.short, .long], help: "Print more detail.")
    var verbose = false
}

/// The resolved settings of one run: flags > environment > skein.yaml > defaults.
struct ProjectSettings {
    var directory: String
    var policy: PolicyEnforcement
    var style: OutputStyle
    var configuration: ProjectConfiguration

    static func resolve(
        _ options: MigrationsOptions, environment: [String: String] = CLIContext.current.environment
    )
        throws -> ProjectSettings
    {
        try resolve(directory: options.dir, config: options.config, goose: options.goose, environment: environment)
    }

    static func resolve(directory flag: String?, config: String?, goose: Bool, environment: [String: String]) throws
        -> ProjectSettings
    {
        let configuration = try loadConfiguration(path: config)
        let style = OutputStyle(goose: goose)
        let directory =
            flag ?? environment["GOOSE_MIGRATION_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? configuration.migrationsDirectory ?? "migrations"
        // goose mode: policy violations are warnings unless skein.yaml says `policy: enforce`.
        let policy = configuration.policy ?? (style == .goose ? .warn : .enforce)
        return ProjectSettings(directory: directory, policy: policy, style: style, configuration: configuration)
    }

    static func loadConfiguration(path: String?) throws -> ProjectConfiguration {
        let candidate = path ?? "skein.yaml"
        guard FileManager.default.fileExists(atPath: candidate) else {
            if let path {
                throw CLIFailure(.configuration, "configuration file \(path) does not exist; check --config")
            }
            return ProjectConfiguration()
        }
        guard let data = FileManager.default.contents(atPath: candidate),
            let text = String(data: data, encoding: .utf8)
        else {
            throw CLIFailure(
                .configuration, "cannot read \(candidate) as UTF-8 text; check its permissions and encoding")
        }
        do {
            return try ProjectConfiguration.parse(text, path: candidate)
        } catch {
            throw CLIFailure(.configuration, error.description)
        }
    }
}

extension ParsableCommand {
    /// Runs `body`, turning any error but an exit code into a ``CLIFailure`` (printed once by the entry point,
    /// in the invocation's grammar, exit status 1).
    func reportingFailures(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            throw Self.reported(error)
        }
    }

    /// ``reportingFailures(_:)`` for a body that awaits.
    func reportingFailures(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            throw Self.reported(error)
        }
    }

    private static func reported(_ error: any Error) -> any Error {
        if error is ExitCode || error is CLIFailure { return error }
        return CLIFailure(.run, "\(error)")
    }
}
