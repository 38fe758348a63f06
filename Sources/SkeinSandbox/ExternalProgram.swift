import Subprocess

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// One run of another program (pg_dump, git, a user's hook), awaited on its own exit.
///
/// The exit is awaited on the process itself (a pidfd), never on its inherited descriptors: a program that leaves a
/// child behind (a hook that starts `notify &`) ends when it exits. No thread waits meanwhile.
public struct ExternalProgram: Sendable {
    /// How the program ended and what it printed.
    public struct Result: Sendable {
        /// The exit status, or the signal's number when a signal ended the program.
        public var status: Int32
        /// A signal ended the program.
        public var signalled: Bool
        /// The standard output (empty when it went to the caller's).
        public var stdout: String
        /// The standard error (empty when it went to the caller's).
        public var stderr: String
    }

    /// A path, or a name looked up on `PATH`.
    public var executable: String
    public var arguments: [String]
    /// The whole environment; `nil` inherits this process's.
    public var environment: [String: String]?
    /// The directory it starts in; `nil`: this process's.
    public var workingDirectory: String?

    public init(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        workingDirectory: String? = nil
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
    }

    /// Runs the program with its output collected (up to `limit` bytes of each stream).
    public func collect(limit: Int = 16 << 20) async throws -> Result {
        let result = try await Subprocess.run(
            configuration, output: .string(limit: limit), error: .string(limit: limit))
        return Self.result(result.terminationStatus, stdout: result.standardOutput, stderr: result.standardError)
    }

    /// Runs the program with this process's standard output and error (a hook speaks to the user directly).
    public func runInheritingOutput() async throws -> Result {
        let result = try await Subprocess.run(
            configuration, output: .currentStandardOutput, error: .currentStandardError)
        return Self.result(result.terminationStatus, stdout: nil, stderr: nil)
    }

    /// Runs the program with its standard input, output and error on these open descriptors (each closed once the
    /// program has started); `started` gets its process id as soon as it runs (to signal it meanwhile).
    public func run(
        standardInput: Int32, standardOutput: Int32, standardError: Int32,
        started: @Sendable (Int32) -> Void
    ) async throws -> Result {
        let result = try await Subprocess.run(
            configuration,
            input: .fileDescriptor(FileDescriptor(rawValue: standardInput), closeAfterSpawningProcess: true),
            output: .fileDescriptor(FileDescriptor(rawValue: standardOutput), closeAfterSpawningProcess: true),
            error: .fileDescriptor(FileDescriptor(rawValue: standardError), closeAfterSpawningProcess: true)
        ) { execution in
            started(execution.processIdentifier.value)
        }
        return Self.result(result.terminationStatus, stdout: nil, stderr: nil)
    }

    private var configuration: Configuration {
        Configuration(
            executable: executable.contains("/") ? .path(FilePath(executable)) : .name(executable),
            arguments: Arguments(arguments),
            environment: environment.map { values in
                .custom(
                    Dictionary(uniqueKeysWithValues: values.map { (Environment.Key(stringLiteral: $0.key), $0.value) }))
            } ?? .inherit,
            workingDirectory: workingDirectory.map { FilePath($0) })
    }

    private static func result(_ status: TerminationStatus, stdout: String?, stderr: String?) -> Result {
        switch status {
        case .exited(let code):
            return Result(status: Int32(code), signalled: false, stdout: stdout ?? "", stderr: stderr ?? "")
        case .signaled(let signal):
            return Result(status: Int32(signal), signalled: true, stdout: stdout ?? "", stderr: stderr ?? "")
        }
    }
}
