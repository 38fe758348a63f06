import Foundation
public import Logging

/// A PostgreSQL server installation: the directory with `initdb`, `pg_ctl` and `postgres`, and its version.
///
/// ```swift
/// let installation = try await PostgresInstallation.locate(environment: ProcessInfo.processInfo.environment)
/// installation.binDirectory // "/usr/lib/postgresql/16/bin"; installation.majorVersion // 16
/// ```
public struct PostgresInstallation: Sendable, Hashable, Codable {
    /// The directory that holds `initdb`, `pg_ctl` and `postgres`.
    public var binDirectory: String
    /// The full version as `pg_ctl --version` reports it, such as `16.4`.
    public var version: String
    /// The major version, such as `16`.
    public var majorVersion: Int

    /// Creates a value without checking the directory; use ``init(binDirectory:logger:)`` to check it.
    public init(binDirectory: String, version: String, majorVersion: Int) {
        self.binDirectory = binDirectory
        self.version = version
        self.majorVersion = majorVersion
    }

    /// Checks that `binDirectory` holds `initdb` and `pg_ctl` and reads the version from `pg_ctl --version`.
    ///
    /// - Parameters:
    ///   - binDirectory: A directory such as `/usr/lib/postgresql/16/bin`.
    ///   - logger: Receives debug messages.
    /// - Throws: ``SandboxError/Code/installationNotFound`` when a program is missing,
    ///   ``SandboxError/Code/commandFailed`` when `pg_ctl --version` fails or prints no version.
    public init(binDirectory: String, logger: Logger) async throws {
        let directory = Self.normalized(binDirectory)
        for program in Self.requiredPrograms where !Self.isExecutable(directory + "/" + program) {
            throw SandboxError(code: .installationNotFound, program: program, searched: [directory])
        }
        let runner = ProgramRunner(binDirectory: directory, account: nil)
        let result = try await runner.run("pg_ctl", ["--version"], workingDirectory: "/", logger: logger)
        guard result.isSuccess, let version = PostgresVersion(parsing: result.output) else {
            throw SandboxError(
                code: .commandFailed,
                program: "pg_ctl --version",
                path: directory,
                logTail: result.tail(),
                exitStatus: result.statusText,
                reason: result.isSuccess ? "printed no version" : nil
            )
        }
        self.init(binDirectory: directory, version: version.text, majorVersion: version.major)
    }

    /// Finds the newest usable installation.
    ///
    /// Looks in this order and takes the first directory that has both `initdb` and `pg_ctl`:
    /// 1. the directories on `PATH` (from `environment`),
    /// 2. `pg_config --bindir` (with `pg_config` found on `PATH`),
    /// 3. Debian's `/usr/lib/postgresql/<version>/bin`, highest version first,
    /// 4. Homebrew's `/opt/homebrew/opt/postgresql@<version>/bin` and `/usr/local/opt/postgresql@<version>/bin`,
    ///    highest version first.
    ///
    /// - Parameters:
    ///   - environment: The process environment; only `PATH` is read.
    ///   - searchLocations: Where to look besides `PATH`; ``SearchLocations/standard`` by default.
    ///   - logger: Receives debug messages about each candidate.
    /// - Throws: ``SandboxError/Code/installationNotFound`` listing the places searched; `CancellationError`.
    public static func locate(
        environment: [String: String],
        searchLocations: SearchLocations = .standard,
        logger: Logger
    ) async throws -> PostgresInstallation {
        let candidates = await candidateDirectories(
            environment: environment,
            searchLocations: searchLocations,
            logger: logger
        )
        for directory in candidates where requiredPrograms.allSatisfy({ isExecutable(directory + "/" + $0) }) {
            do {
                let installation = try await PostgresInstallation(binDirectory: directory, logger: logger)
                logger.debug(
                    "found PostgreSQL",
                    metadata: [
                        "sandbox.bindir": "\(installation.binDirectory)", "sandbox.version": "\(installation.version)",
                    ]
                )
                return installation
            } catch let error as CancellationError {
                throw error
            } catch {
                logger.debug(
                    "skipping unusable PostgreSQL", metadata: ["sandbox.bindir": "\(directory)", "error": "\(error)"])
            }
        }
        throw SandboxError(code: .installationNotFound, program: "initdb", searched: candidates)
    }

    /// The directories ``locate(environment:searchLocations:logger:)`` tries, in order, without duplicates.
    ///
    /// Runs `pg_config --bindir` when `pg_config` is on `PATH`.
    public static func candidateDirectories(
        environment: [String: String],
        searchLocations: SearchLocations = .standard,
        logger: Logger
    ) async -> [String] {
        var result: [String] = []
        func add(_ directory: String) {
            let directory = normalized(directory)
            if !directory.isEmpty, !result.contains(directory) { result.append(directory) }
        }
        let path = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        path.forEach(add)
        if let configDirectory = path.first(where: { isExecutable($0 + "/pg_config") }) {
            let runner = ProgramRunner(binDirectory: normalized(configDirectory), account: nil)
            if let output = try? await runner.run("pg_config", ["--bindir"], workingDirectory: "/", logger: logger),
                output.isSuccess
            {
                let directory = output.output.trimmingCharacters(in: .whitespacesAndNewlines)
                if !directory.isEmpty { add(directory) }
            }
        }
        for root in searchLocations.versionedRoots {
            for directory in versionedDirectories(in: root) { add(directory) }
        }
        return result
    }

    /// Whether some directory on `PATH` or in `searchLocations` holds `initdb` and `pg_ctl`, without running
    /// anything; a quick check before ``locate(environment:searchLocations:logger:)``.
    package static func isProbablyInstalled(
        environment: [String: String],
        searchLocations: SearchLocations = .standard
    ) -> Bool {
        let path = (environment["PATH"] ?? "").split(separator: ":").map { normalized(String($0)) }
        let versioned = searchLocations.versionedRoots.flatMap { versionedDirectories(in: $0) }
        return (path + versioned).contains { directory in
            requiredPrograms.allSatisfy { isExecutable(directory + "/" + $0) }
        }
    }

    /// The full path of one of the installation's programs, such as `psql`.
    public func path(of program: String) -> String {
        binDirectory + "/" + program
    }

    static let requiredPrograms = ["initdb", "pg_ctl"]

    static func isExecutable(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: path)
    }

    static func normalized(_ directory: String) -> String {
        var directory = directory
        while directory.count > 1, directory.hasSuffix("/") { directory.removeLast() }
        return directory
    }

    /// The `bin` directories below one ``SearchLocations/VersionedRoot``, highest version first.
    static func versionedDirectories(in root: SearchLocations.VersionedRoot) -> [String] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: root.directory) else { return [] }
        let versioned: [(version: [Int], name: String)] = entries.compactMap { entry in
            guard entry.hasPrefix(root.prefix) else { return nil }
            let suffix = entry.dropFirst(root.prefix.count)
            if suffix.isEmpty { return nil }
            let parts = suffix.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
            guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
            return (parts.map { $0! }, entry)
        }
        return
            versioned
            .sorted { $0.version.lexicographicallyPrecedes($1.version) }
            .reversed()
            .map { root.directory + "/" + $0.name + "/bin" }
    }
}

extension PostgresInstallation {
    /// Directories that hold one PostgreSQL installation per version, searched after `PATH` and `pg_config`.
    public struct SearchLocations: Sendable, Hashable {
        /// A directory whose entries are `<prefix><version>`, each with a `bin` directory.
        public struct VersionedRoot: Sendable, Hashable {
            /// The directory to list, such as `/usr/lib/postgresql`.
            public var directory: String
            /// The entry name before the version, such as `postgresql@` (empty for Debian).
            public var prefix: String

            /// Creates a root.
            public init(directory: String, prefix: String) {
                self.directory = directory
                self.prefix = prefix
            }
        }

        /// The roots, searched in this order.
        public var versionedRoots: [VersionedRoot]

        /// Creates search locations.
        public init(versionedRoots: [VersionedRoot]) {
            self.versionedRoots = versionedRoots
        }

        /// Debian's `/usr/lib/postgresql`, then Homebrew on Apple silicon and on Intel.
        public static let standard = SearchLocations(versionedRoots: [
            VersionedRoot(directory: "/usr/lib/postgresql", prefix: ""),
            VersionedRoot(directory: "/opt/homebrew/opt", prefix: "postgresql@"),
            VersionedRoot(directory: "/usr/local/opt", prefix: "postgresql@"),
        ])

        /// Nothing besides `PATH` and `pg_config`.
        public static let none = SearchLocations(versionedRoots: [])
    }
}

/// A version as PostgreSQL's programs print it (`pg_ctl (PostgreSQL) 16.4 (Debian 16.4-1)`).
public struct PostgresVersion: Sendable, Hashable {
    /// The version number, such as `16.4` or `17beta1`.
    public var text: String
    /// The major version, such as `16`.
    public var major: Int

    /// Reads the version from the output of `pg_ctl --version`, `initdb --version` or `postgres --version`.
    ///
    /// - Returns: `nil` when the text holds no `(PostgreSQL) <version>`.
    public init?(parsing output: String) {
        guard let marker = output.range(of: "(PostgreSQL) ") else { return nil }
        let rest = output[marker.upperBound...]
        let text = String(rest.prefix { !$0.isWhitespace })
        let digits = text.prefix { $0.isNumber }
        guard let major = Int(digits) else { return nil }
        self.text = text
        self.major = major
    }
}
