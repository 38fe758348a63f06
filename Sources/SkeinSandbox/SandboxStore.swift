import Foundation
public import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The named sandboxes of one user: long-lived local clusters that outlive the command that started them
/// (`skein sandbox start|stop|status|env`).
///
/// Each sandbox lives in `<root>/<name>/`, with its data directory, log, unix socket and a `state.json`
/// (``SandboxState``).
///
/// ```swift
/// let store = SandboxStore.standard(temporaryDirectory: environment["TMPDIR"] ?? "/tmp")
/// let outcome = try await store.start(name: "default", options: options, logger: logger)
/// let url = outcome.state.cluster.url
/// ```
public struct SandboxStore: Sendable, Hashable {
    /// The directory that holds one directory per sandbox.
    public var root: String

    /// Creates a store in `root`.
    public init(root: String) {
        self.root = PostgresInstallation.normalized(root)
    }

    /// The store for the current user: `<temporaryDirectory>/skein-sandbox-<uid>`.
    ///
    /// Under root this is `/tmp/skein-sandbox-0`, reachable by the `postgres` user that runs the servers.
    ///
    /// - Parameters:
    ///   - temporaryDirectory: Usually `$TMPDIR` or `/tmp`.
    ///   - userID: The user whose sandboxes these are; the effective user ID by default.
    public static func standard(temporaryDirectory: String = "/tmp", userID: UInt32? = nil) -> SandboxStore {
        let userID = userID ?? UInt32(geteuid())
        return SandboxStore(root: PostgresInstallation.normalized(temporaryDirectory) + "/skein-sandbox-\(userID)")
    }

    /// What ``start(name:options:logger:)`` did.
    public enum StartOutcome: Sendable, Hashable {
        /// A new cluster was created and started.
        case created(SandboxState)
        /// The existing, stopped cluster was started again (its data is kept).
        case restarted(SandboxState)
        /// The cluster was already running; nothing changed.
        case alreadyRunning(SandboxState)

        /// The sandbox's state after the start.
        public var state: SandboxState {
            switch self {
            case .created(let state), .restarted(let state), .alreadyRunning(let state): state
            }
        }
    }

    /// Whether a named sandbox exists and runs.
    public enum Status: Sendable, Hashable {
        /// The server runs.
        case running(SandboxState)
        /// The sandbox exists, but its server does not run.
        case stopped(SandboxState)
        /// There is no sandbox of that name.
        case absent
    }

    /// Checks that `name` is 1 to 40 letters, digits, `-` or `_`.
    ///
    /// - Throws: ``SandboxError/Code/invalidName``.
    public static func validate(name: String) throws {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "_")
        }
        guard allowed, (1...40).contains(name.utf8.count) else {
            throw SandboxError(code: .invalidName, name: name)
        }
    }

    /// The directory of the sandbox `name`.
    public func directory(for name: String) -> String { root + "/" + name }

    /// The state file of the sandbox `name`.
    public func stateFile(for name: String) -> String { directory(for: name) + "/state.json" }

    /// Starts the sandbox `name`, creating it first if needed. Idempotent: a running sandbox is left alone.
    ///
    /// - Parameters:
    ///   - name: The sandbox's name (see ``validate(name:)``).
    ///   - options: Used when the sandbox is created; ``SandboxOptions/parentDirectory`` is ignored.
    ///   - logger: Receives info and debug messages.
    /// - Throws: ``SandboxError`` (``SandboxError/Code/invalidName``, ``SandboxError/Code/invalidState``,
    ///   ``SandboxError/Code/startFailed``, …); `CancellationError`. A sandbox that was being created when the
    ///   error happened is removed again.
    public func start(name: String, options: SandboxOptions, logger: Logger) async throws -> StartOutcome {
        try Self.validate(name: name)
        switch try await status(name: name, logger: logger) {
        case .running(let state):
            return .alreadyRunning(state)
        case .stopped(var state):
            try await state.cluster.start(logger: logger)
            state.pid = state.cluster.postmasterPID ?? 0
            try write(state)
            return .restarted(state)
        case .absent:
            try prepareRoot()
            let directory = directory(for: name)
            if FileManager.default.fileExists(atPath: directory) {
                // A directory without a state file is what an interrupted start leaves behind.
                try removeLeftovers(directory)
            }
            var cluster = try await SandboxCluster.create(options: options, directory: directory, logger: logger)
            do {
                try await cluster.start(logger: logger)
                let state = SandboxState(name: name, cluster: cluster, pid: cluster.postmasterPID ?? 0)
                try write(state)
                return .created(state)
            } catch {
                let cluster = cluster
                try? await Task { try await cluster.destroy(logger: logger) }.value
                throw error
            }
        }
    }

    /// Whether the sandbox `name` exists and runs.
    ///
    /// - Throws: ``SandboxError/Code/invalidName``, ``SandboxError/Code/invalidState``.
    public func status(name: String, logger: Logger) async throws -> Status {
        try Self.validate(name: name)
        guard let state = try readState(name: name) else { return .absent }
        switch try await state.cluster.status(logger: logger) {
        case .running(let pid):
            var state = state
            state.pid = pid
            return .running(state)
        case .stopped:
            return .stopped(state)
        }
    }

    /// Reads the state file of `name`, or returns `nil` when there is none.
    ///
    /// - Throws: ``SandboxError/Code/invalidName``, ``SandboxError/Code/invalidState``.
    public func readState(name: String) throws -> SandboxState? {
        try Self.validate(name: name)
        let path = stateFile(for: name)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try SandboxState(decoding: data, path: path)
        } catch var error as SandboxError {
            error.name = name
            throw error
        }
    }

    /// Stops the sandbox `name` and removes it with its data.
    ///
    /// Also removes a sandbox whose state file is unreadable (its server is sent `SIGQUIT`).
    ///
    /// - Returns: The state of the removed sandbox, or `nil` when there was none (which is not an error).
    /// - Throws: ``SandboxError/Code/invalidName``, ``SandboxError/Code/fileSystem``.
    @discardableResult
    public func stop(name: String, logger: Logger) async throws -> SandboxState? {
        try Self.validate(name: name)
        let directory = directory(for: name)
        let state: SandboxState?
        do {
            state = try readState(name: name)
        } catch let error as SandboxError where error.code == .invalidState {
            logger.warning("removing a sandbox with an unreadable state file", metadata: ["error": "\(error)"])
            state = nil
        }
        if let state {
            try await Task { try await state.cluster.destroy(logger: logger) }.value
        } else if FileManager.default.fileExists(atPath: directory) {
            try removeLeftovers(directory)
        }
        return state
    }

    // MARK: - Internals

    private func write(_ state: SandboxState) throws {
        let path = stateFile(for: state.name)
        do {
            try state.encoded().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw SandboxError(code: .fileSystem, path: path, reason: "\(error)")
        }
    }

    /// Stops a server found in `directory` with `SIGQUIT` and removes the directory.
    private func removeLeftovers(_ directory: String) throws {
        let leftover = SandboxCluster(
            directory: directory,
            port: 0,
            portSelection: .automatic,
            superuser: "postgres",
            installation: PostgresInstallation(binDirectory: "", version: "", majorVersion: 0),
            serverAccount: nil,
            timeoutSeconds: 30
        )
        try leftover.destroyImmediately()
    }

    /// Creates the root (mode 0755, so that the server user can reach its sandbox's directory) and checks that
    /// it belongs to the current user, so no other user can plant a sandbox in it.
    private func prepareRoot() throws {
        if mkdir(root, 0o755) != 0, errno != EEXIST {
            throw SandboxError(code: .fileSystem, path: root, reason: "cannot create it: \(errnoText())")
        }
        var info = stat()
        guard lstat(root, &info) == 0 else {
            throw SandboxError(code: .fileSystem, path: root, reason: errnoText())
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == geteuid() else {
            throw SandboxError(
                code: .fileSystem,
                path: root,
                reason: "it is not a directory owned by the current user; remove it"
            )
        }
    }
}
