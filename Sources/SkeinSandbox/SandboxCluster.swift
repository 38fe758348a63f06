// Longer than 400 lines because: one cluster's lifecycle (create, start, stop, destroy) shares private helpers
// for the server's processes, files and ports; split, they would have to become internal API.
import Foundation
public import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A local PostgreSQL cluster in its own directory, listening on 127.0.0.1 and on a unix socket.
///
/// The directory holds the data directory (`data/`), the server log (`postgres.log`) and the unix socket.
/// Authentication is `trust` for local connections; the server listens on no other address.
///
/// Most callers want ``withEphemeralCluster(options:logger:isolation:_:)``, which always removes the cluster.
/// To manage one yourself:
///
/// ```swift
/// var cluster = try await SandboxCluster.create(options: SandboxOptions(installation: installation), logger: logger)
/// try await cluster.start(logger: logger)
/// let url = cluster.url // postgres://postgres@127.0.0.1:54012/postgres?sslmode=disable
/// try await cluster.destroy(logger: logger)
/// ```
public struct SandboxCluster: Sendable, Hashable {
    /// Whether the server is running.
    public enum Status: Sendable, Hashable {
        /// The server runs with this postmaster process ID.
        case running(pid: Int)
        /// No server runs on the data directory.
        case stopped
    }

    /// The cluster's own directory; ``destroy(logger:)`` removes it.
    public var directory: String
    /// The TCP port on 127.0.0.1 (0 until an automatic port is chosen by ``start(logger:)``).
    public var port: Int
    /// How the port is chosen when the server starts.
    public var portSelection: SandboxOptions.Port
    /// The database superuser, trusted without a password.
    public var superuser: String
    /// The installation whose programs run the cluster.
    public var installation: PostgresInstallation
    /// The operating-system account that runs the server, or `nil` for the current user.
    public var serverAccount: SystemAccount?
    /// How long `pg_ctl` waits for start and stop, in seconds.
    public var timeoutSeconds: Int

    /// The host for TCP connections: `127.0.0.1`.
    public var host: String { "127.0.0.1" }
    /// The database that always exists: `postgres`.
    public var database: String { "postgres" }
    /// The data directory, `<directory>/data`.
    public var dataDirectory: String { directory + "/data" }
    /// The server log, `<directory>/postgres.log`.
    public var logFile: String { directory + "/postgres.log" }
    /// The directory that holds the unix socket (libpq's `host=` for socket connections): ``directory``.
    public var socketDirectory: String { directory }
    /// The unix socket itself, `<socketDirectory>/.s.PGSQL.<port>`, as PostgresNIO's `unixSocketPath` wants it.
    public var socketPath: String { socketDirectory + "/.s.PGSQL.\(port)" }
    /// A libpq connection URL for the `postgres` database that psql, goose (pgx) and Skein accept.
    public var url: String { url(database: database) }

    /// A libpq connection URL for `database` on this cluster, such as
    /// `postgres://postgres@127.0.0.1:54012/app?sslmode=disable`.
    public func url(database: String) -> String {
        let user = superuser.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? superuser
        let name = database.addingPercentEncoding(withAllowedCharacters: Self.pathSegmentAllowed) ?? database
        return "postgres://\(user)@\(host):\(port)/\(name)?sslmode=disable"
    }

    private static let pathSegmentAllowed: CharacterSet = {
        var set = CharacterSet.urlPathAllowed
        set.remove(charactersIn: "/?#")
        return set
    }()

    /// Creates a cluster value for an existing directory without touching the disk.
    public init(
        directory: String,
        port: Int,
        portSelection: SandboxOptions.Port,
        superuser: String,
        installation: PostgresInstallation,
        serverAccount: SystemAccount?,
        timeoutSeconds: Int
    ) {
        self.directory = directory
        self.port = port
        self.portSelection = portSelection
        self.superuser = superuser
        self.installation = installation
        self.serverAccount = serverAccount
        self.timeoutSeconds = timeoutSeconds
    }

    // MARK: - Create

    /// Creates a new cluster with `initdb` in a new directory; the server is not started.
    ///
    /// On any failure (and on cancellation) the new directory is removed again.
    ///
    /// - Parameters:
    ///   - options: The installation, parent directory, port and settings.
    ///   - directory: The cluster's directory; it must not exist yet. By default a new
    ///     `skein-XXXXXX` directory in ``SandboxOptions/parentDirectory``.
    ///   - logger: Receives info and debug messages.
    /// - Throws: ``SandboxError`` with ``SandboxError/Code/noUnprivilegedUser``, ``SandboxError/Code/fileSystem``
    ///   or ``SandboxError/Code/commandFailed`` (initdb); `CancellationError` when the task is cancelled.
    public static func create(
        options: SandboxOptions,
        directory: String? = nil,
        logger: Logger
    ) async throws -> SandboxCluster {
        let account = try options.serverUser.resolve()
        let clusterDirectory =
            try directory.map { try makeDirectory($0) } ?? makeTemporaryDirectory(in: options.parentDirectory)
        let initialPort: Int
        switch options.port {
        case .automatic: initialPort = 0
        case .fixed(let port): initialPort = port
        }
        let cluster = SandboxCluster(
            directory: clusterDirectory,
            port: initialPort,
            portSelection: options.port,
            superuser: options.superuser,
            installation: options.installation,
            serverAccount: account,
            timeoutSeconds: options.timeoutSeconds
        )
        do {
            let socketLength = (cluster.socketDirectory + "/.s.PGSQL.65535").utf8.count
            guard socketLength < 100 else {
                throw SandboxError(
                    code: .fileSystem,
                    path: cluster.socketDirectory,
                    reason: "the unix socket path would be \(socketLength) bytes; PostgreSQL allows fewer than 100"
                )
            }
            try cluster.handOver(cluster.directory)
            logger.info(
                "creating PostgreSQL cluster",
                metadata: [
                    "sandbox.directory": "\(cluster.directory)", "sandbox.version": "\(options.installation.version)",
                ]
            )
            let template = InitdbTemplate(options: options, account: account)
            let useTemplate = InitdbTemplate.isEnabled()
            if useTemplate,
                await template.copy(
                    to: cluster.dataDirectory, runner: cluster.runner, workingDirectory: cluster.directory,
                    logger: logger)
            {
                try Task.checkCancellation()
                try cluster.writeConfiguration(settings: options.settings)
                return cluster
            }
            let result = try await cluster.runner.run(
                "initdb",
                [
                    "--pgdata=\(cluster.dataDirectory)", "--auth=trust", "--username=\(options.superuser)",
                    "--encoding=UTF8", "--no-locale", "--no-sync",
                ],
                workingDirectory: cluster.directory,
                logger: logger
            )
            try Task.checkCancellation()
            guard result.isSuccess else {
                throw SandboxError(
                    code: .commandFailed,
                    program: "initdb",
                    path: cluster.dataDirectory,
                    logTail: result.tail(),
                    exitStatus: result.statusText
                )
            }
            if useTemplate {
                await template.save(
                    from: cluster.dataDirectory, runner: cluster.runner, workingDirectory: cluster.directory,
                    logger: logger)
            }
            try cluster.writeConfiguration(settings: options.settings)
            return cluster
        } catch {
            try? FileManager.default.removeItem(atPath: cluster.directory)
            throw error
        }
    }

    // MARK: - Start and stop

    /// Starts the server and waits until it accepts connections (`pg_ctl start -w`).
    ///
    /// With ``SandboxOptions/Port/automatic`` a free port is chosen (the previous one if it is still free), and
    /// another one is tried when the server finds the port taken; ``port`` and ``url`` then change.
    ///
    /// - Throws: ``SandboxError/Code/startFailed`` with the log file and its last lines,
    ///   ``SandboxError/Code/noFreePort``; `CancellationError` when the task is cancelled.
    public mutating func start(logger: Logger) async throws {
        let attempts = portSelection == .automatic ? 5 : 1
        for attempt in 1...attempts {
            if portSelection == .automatic, port == 0 || attempt > 1 || !FreePort.isFree(port) {
                port = try FreePort.find()
            }
            try writePortConfiguration()
            let logOffset = Self.fileSize(logFile)
            logger.info(
                "starting PostgreSQL", metadata: ["sandbox.directory": "\(directory)", "sandbox.port": "\(port)"])
            let result = try await runner.run(
                "pg_ctl",
                ["start", "-w", "-t", "\(timeoutSeconds)", "-s", "-D", dataDirectory, "-l", logFile],
                workingDirectory: directory,
                logger: logger
            )
            try Task.checkCancellation()
            if result.isSuccess { return }
            let log = Self.readTail(of: logFile, from: logOffset)
            if attempts > attempt, log.contains("Address already in use") {
                logger.debug("port taken, trying another one", metadata: ["sandbox.port": "\(port)"])
                continue
            }
            let tail = lastLines(of: log.isEmpty ? result.output : log, count: 20)
            throw SandboxError(
                code: .startFailed,
                program: "pg_ctl start",
                path: dataDirectory,
                logFile: logFile,
                logTail: tail,
                exitStatus: result.statusText,
                reason: "pg_ctl start \(result.statusText)"
            )
        }
    }

    /// How ``stop(mode:logger:)`` shuts the server down (`pg_ctl stop -m`).
    public enum StopMode: String, Sendable, Hashable {
        /// Waits for clients to disconnect.
        case smart
        /// Disconnects clients and shuts down cleanly.
        case fast
        /// Quits at once, as after a crash; the fastest for throwaway data.
        case immediate
    }

    /// Stops the server if it runs and waits until it has (`pg_ctl stop`); the directory stays.
    ///
    /// The wait is Skein's own: `pg_ctl stop -w` looks every 100 ms, which was most of an immediate stop (103 ms
    /// where the server is gone in a few). It waits for what `pg_ctl` waits for: the postmaster removing
    /// `postmaster.pid` as it exits.
    ///
    /// - Throws: ``SandboxError/Code/commandFailed`` when `pg_ctl stop` fails or the server is still there after
    ///   the timeout.
    public func stop(mode: StopMode = .fast, logger: Logger) async throws {
        guard case .running = try await status(logger: logger) else { return }
        logger.info("stopping PostgreSQL", metadata: ["sandbox.directory": "\(directory)"])
        let result = try await runner.run(
            "pg_ctl", ["stop", "-W", "-s", "-m", mode.rawValue, "-D", dataDirectory],
            workingDirectory: directory,
            logger: logger
        )
        guard result.isSuccess else {
            throw SandboxError(
                code: .commandFailed,
                program: "pg_ctl stop",
                path: dataDirectory,
                logTail: result.tail(),
                exitStatus: result.statusText
            )
        }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(timeoutSeconds)
        var pause = Duration.milliseconds(1)
        while FileManager.default.fileExists(atPath: dataDirectory + "/postmaster.pid") {
            guard clock.now < deadline else {
                throw SandboxError(
                    code: .commandFailed,
                    program: "pg_ctl stop",
                    path: dataDirectory,
                    logTail: lastLines(of: Self.readTail(of: logFile, from: 0), count: 20),
                    exitStatus: "the server did not stop within \(timeoutSeconds) s"
                )
            }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(50))
        }
    }

    /// Whether the server runs (`pg_ctl status`).
    ///
    /// - Throws: ``SandboxError/Code/commandFailed`` when `pg_ctl` cannot be run.
    public func status(logger: Logger) async throws -> Status {
        guard FileManager.default.fileExists(atPath: dataDirectory) else { return .stopped }
        let result = try await runner.run(
            "pg_ctl", ["status", "-D", dataDirectory], workingDirectory: directory, logger: logger)
        if result.isSuccess {
            return .running(pid: postmasterPID ?? 0)
        }
        if result.exitCode == 3 || result.exitCode == 4 { return .stopped }
        throw SandboxError(
            code: .commandFailed,
            program: "pg_ctl status",
            path: dataDirectory,
            logTail: result.tail(),
            exitStatus: result.statusText
        )
    }

    /// Stops the server at once and removes the cluster's directory.
    ///
    /// If `pg_ctl stop` fails, the postmaster is sent `SIGQUIT`. Safe to call on a cluster that never started.
    ///
    /// - Throws: ``SandboxError/Code/fileSystem`` when the directory cannot be removed.
    public func destroy(logger: Logger) async throws {
        do {
            try await stop(mode: .immediate, logger: logger)
        } catch {
            logger.warning("pg_ctl stop failed; sending SIGQUIT", metadata: ["error": "\(error)"])
        }
        logger.info("removing PostgreSQL cluster", metadata: ["sandbox.directory": "\(directory)"])
        try destroyImmediately()
    }

    /// Stops the server with `SIGQUIT`, waits up to ``timeoutSeconds`` for it to exit, and removes the directory,
    /// without `async` code.
    ///
    /// Meant for `atexit` handlers and other places where async code cannot run; prefer ``destroy(logger:)``.
    ///
    /// - Throws: ``SandboxError/Code/fileSystem`` when the directory cannot be removed.
    public func destroyImmediately() throws {
        if let pid = postmasterPID, pid > 0, kill(pid_t(pid), SIGQUIT) == 0 {
            let deadline = ContinuousClock.now + .seconds(timeoutSeconds)
            let pidFile = dataDirectory + "/postmaster.pid"
            while kill(pid_t(pid), 0) == 0, FileManager.default.fileExists(atPath: pidFile),
                ContinuousClock.now < deadline
            {
                usleep(10_000)
            }
        }
        guard FileManager.default.fileExists(atPath: directory) else { return }
        do {
            try FileManager.default.removeItem(atPath: directory)
        } catch {
            throw SandboxError(code: .fileSystem, path: directory, reason: "\(error)")
        }
    }

    /// The postmaster's process ID from `postmaster.pid`, if the file exists.
    public var postmasterPID: Int? {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8) else {
            return nil
        }
        return text.split(separator: "\n").first.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    // MARK: - Internals

    var runner: ProgramRunner {
        ProgramRunner(binDirectory: installation.binDirectory, account: serverAccount)
    }

    static let configurationFile = "skein.conf"
    static let portConfigurationFile = "skein-port.conf"

    /// Appends Skein's settings to `postgresql.conf` through an include of `skein.conf`.
    func writeConfiguration(settings: [String: String]) throws {
        var lines = [
            "# Written by Skein for a throwaway cluster.",
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = \(Self.quoteSetting(socketDirectory))",
            "unix_socket_permissions = 0700",
        ]
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) {
            lines.append("\(key) = \(Self.quoteSetting(value))")
        }
        try write(lines.joined(separator: "\n") + "\n", to: dataDirectory + "/" + Self.configurationFile)
        let main = dataDirectory + "/postgresql.conf"
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: main))
            defer { try? handle.close() }
            try handle.seekToEnd()
            let include = "\ninclude '\(Self.configurationFile)'\ninclude '\(Self.portConfigurationFile)'\n"
            try handle.write(contentsOf: Data(include.utf8))
        } catch {
            throw SandboxError(code: .fileSystem, path: main, reason: "\(error)")
        }
    }

    func writePortConfiguration() throws {
        try write("port = \(port)\n", to: dataDirectory + "/" + Self.portConfigurationFile)
    }

    private func write(_ text: String, to path: String) throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            try handOver(path)
        } catch let error as SandboxError {
            throw error
        } catch {
            throw SandboxError(code: .fileSystem, path: path, reason: "\(error)")
        }
    }

    /// Gives `path` to the server account (when switching users) with owner-only permissions.
    func handOver(_ path: String) throws {
        guard let account = serverAccount else { return }
        if chown(path, uid_t(account.userID), gid_t(account.groupID)) != 0 {
            throw SandboxError(
                code: .fileSystem, path: path, reason: "cannot give it to user \(account.name): \(errnoText())")
        }
    }

    static func quoteSetting(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
    }

    static func makeTemporaryDirectory(in parent: String) throws -> String {
        var template = Array((PostgresInstallation.normalized(parent) + "/skein-XXXXXX").utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard let created else {
            throw SandboxError(
                code: .fileSystem, path: parent, reason: "cannot create a directory in it: \(errnoText())")
        }
        return String(cString: created)
    }

    static func makeDirectory(_ path: String) throws -> String {
        guard mkdir(path, 0o700) == 0 else {
            throw SandboxError(code: .fileSystem, path: path, reason: "cannot create it: \(errnoText())")
        }
        return path
    }

    static func fileSize(_ path: String) -> UInt64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.uint64Value ?? 0
    }

    /// The text of `path` from byte `offset` on (the last 64 KiB at most).
    static func readTail(of path: String, from offset: UInt64) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        let end = (try? handle.seekToEnd()) ?? 0
        let start = max(offset, end > 65_536 ? end - 65_536 : 0)
        guard (try? handle.seek(toOffset: start)) != nil, let data = try? handle.readToEnd() else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}
