/// The error every SkeinSandbox operation throws.
///
/// The ``description`` says what happened and what to do next. The context is available as fields, so a caller
/// can render it differently or branch on ``code``.
///
/// ```swift
/// do {
///     let installation = try await PostgresInstallation.locate(environment: environment)
/// } catch let error as SandboxError where error.code == .installationNotFound {
///     logger.error("\(error)") // "initdb not found: install PostgreSQL (…) or put its bin directory on PATH. …"
/// }
/// ```
public struct SandboxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a stable category.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case installationNotFound = "installation-not-found"
            case noUnprivilegedUser = "no-unprivileged-user"
            case commandFailed = "command-failed"
            case startFailed = "start-failed"
            case noFreePort = "no-free-port"
            case fileSystem = "file-system"
            case invalidName = "invalid-name"
            case invalidState = "invalid-state"
            case notRunning = "not-running"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// No directory with both `initdb` and `pg_ctl` was found.
        public static let installationNotFound = Code(.installationNotFound)
        /// Running as root, and neither the `postgres` nor the `nobody` user exists to run the server as.
        public static let noUnprivilegedUser = Code(.noUnprivilegedUser)
        /// A PostgreSQL program (`initdb`, `pg_ctl`, `pg_config`) failed or could not be run.
        public static let commandFailed = Code(.commandFailed)
        /// The server did not start; ``SandboxError/logFile`` and ``SandboxError/logTail`` say why.
        public static let startFailed = Code(.startFailed)
        /// No free TCP port on 127.0.0.1 could be found.
        public static let noFreePort = Code(.noFreePort)
        /// A file or directory could not be created, read, written or removed.
        public static let fileSystem = Code(.fileSystem)
        /// A sandbox name is not of the form `[A-Za-z0-9_-]{1,40}`.
        public static let invalidName = Code(.invalidName)
        /// A sandbox state file could not be parsed.
        public static let invalidState = Code(.invalidState)
        /// The named sandbox does not exist or its server is not running.
        public static let notRunning = Code(.notRunning)

        /// The stable, kebab-case identifier of the code, such as `start-failed`.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// The program involved (`initdb`, `pg_ctl`, …), if any.
    public var program: String?
    /// The file or directory involved, if any.
    public var path: String?
    /// The server log file, for ``Code/startFailed``.
    public var logFile: String?
    /// The last lines of the server log (or a program's output), if any.
    public var logTail: String?
    /// The exit status of the program that failed, if any.
    public var exitStatus: String?
    /// The sandbox name involved, if any.
    public var name: String?
    /// The places searched, for ``Code/installationNotFound``.
    public var searched: [String]
    /// A short explanation from the operating system or a parser, if any.
    public var reason: String?

    /// Creates an error; normally only SkeinSandbox creates them.
    public init(
        code: Code,
        program: String? = nil,
        path: String? = nil,
        logFile: String? = nil,
        logTail: String? = nil,
        exitStatus: String? = nil,
        name: String? = nil,
        searched: [String] = [],
        reason: String? = nil
    ) {
        self.code = code
        self.program = program
        self.path = path
        self.logFile = logFile
        self.logTail = logTail
        self.exitStatus = exitStatus
        self.name = name
        self.searched = searched
        self.reason = reason
    }

    /// What happened, where, and what to do next.
    public var description: String {
        var text: String
        switch code {
        case .installationNotFound:
            text =
                "\(program ?? "initdb") not found: install PostgreSQL (Debian: apt-get install postgresql; "
                + "macOS: brew install postgresql@17) or put its bin directory on PATH."
            if !searched.isEmpty {
                text += " Searched: \(searched.joined(separator: ", "))."
            }
        case .noUnprivilegedUser:
            text =
                "PostgreSQL refuses to run as root, and neither the 'postgres' nor the 'nobody' user exists to run it as: "
                + "create one (useradd --system postgres) or run skein as a non-root user."
        case .commandFailed:
            text = "\(program ?? "A PostgreSQL program") failed"
            if let exitStatus { text += " (\(exitStatus))" }
            if let path { text += " for \(path)" }
            if let reason { text += ": \(reason)" }
            text += "."
            if let logTail, !logTail.isEmpty { text += " Output:\n\(Self.indent(logTail))" }
        case .startFailed:
            text = "PostgreSQL did not start"
            if let path { text += " in \(path)" }
            if let reason { text += ": \(reason)" }
            text += "."
            if let logFile { text += " See the server log \(logFile)" }
            if let logTail, !logTail.isEmpty {
                text += ", which ends with:\n\(Self.indent(logTail))"
            } else {
                text += "."
            }
        case .noFreePort:
            text = "Found no free TCP port on 127.0.0.1"
            if let reason { text += ": \(reason)" }
            text += ". Stop some local servers or pass a fixed port."
        case .fileSystem:
            text = "Cannot use \(path ?? "a file")"
            if let reason { text += ": \(reason)" }
            text += ". Check that the directory exists and is writable (set TMPDIR to use another one)."
        case .invalidName:
            text =
                "'\(name ?? "")' is not a valid sandbox name: use 1 to 40 letters, digits, '-' or '_'."
        case .invalidState:
            text = "Cannot read the sandbox state file \(path ?? "")"
            if let reason { text += ": \(reason)" }
            text += ". Remove the sandbox with `skein sandbox stop"
            if let name, name != "default" { text += " --name \(name)" }
            text += "` and start it again."
        case .notRunning:
            text = "No sandbox named '\(name ?? "default")' is running: start one with `skein sandbox start"
            if let name, name != "default" { text += " --name \(name)" }
            text += "`."
        default:
            text = "Sandbox error \(code)."
        }
        return text
    }

    private static func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    }
}
