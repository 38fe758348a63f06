public import Foundation
import SkeinSandbox
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// A program the tests run (skein, psql, sqlc, chromium …), awaited without holding a thread.
///
/// Two hazards of Foundation's `Process` on Linux, both seen as a CI run that hung until it was killed:
/// - Swift Testing runs tests on the cooperative pool, one thread per core. Two tests blocked in `waitUntilExit()`
///   or a pipe's `readDataToEndOfFile()` stop every other test on a 2-core machine, including the ones whose work
///   the blocked programs wait for (a lock to be let go, a barrier to be released).
/// - `Process` learns of an exit when every copy of a socket it hands the child is closed, and the child's own
///   children inherit that socket: a browser's helper that outlives the browser holds the wait open indefinitely.
///
/// So programs run through SkeinSandbox's `ExternalProgram` (swift-subprocess: the exit is awaited on a pidfd), their output goes to files, and a
/// program still running after `limit` is killed and reported with what it printed: a hang is a failure that names
/// the command.
public final class ChildProcess: Sendable {
    /// How a run ended.
    public struct Termination: Sendable, Equatable {
        /// The exit status, or the signal's number when a signal ended it.
        public var status: Int32
        /// A signal ended the program.
        public var signalled: Bool
        /// The program was killed because it was still running after its limit.
        public var timedOut: Bool
    }

    /// What a finished run printed.
    public struct Output: Sendable {
        public var termination: Termination
        public var stdout: String
        public var stderr: String
        public var status: Int32 { termination.status }
    }

    /// A command that did not finish in its limit (the program was killed).
    public struct TimedOut: Error, CustomStringConvertible {
        public var command: String
        public var limit: Duration
        public var output: String
        public var description: String {
            "\(command) was still running after \(limit.components.seconds) s and was killed; it printed:\n"
                + String(output.suffix(4000))
        }
    }

    /// A program that could not be started.
    public struct NotStarted: Error, CustomStringConvertible {
        public var command: String
        public var description: String { "\(command) could not be started" }
    }

    /// How long a test's program may run before it is killed: 10 minutes, far beyond any program's real run, so the
    /// limit never decides a test's outcome; only a hang reaches it.
    public static let defaultLimit: Duration = .seconds(600)

    public let command: String
    public let processIdentifier: Int32
    private let scratch: URL
    private let stdoutFile: URL
    private let stderrFile: URL
    private let combined: Bool
    private let ending: Task<Termination, Never>
    private let killedForTime = Flag()
    private let ended: Flag

    private final class Flag: Sendable {
        private let value = Mutex(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }

    /// Starts `executable` (a path, or a name looked up on `PATH`); returns once it runs.
    /// - Parameters:
    ///   - environment: the whole environment; `nil` inherits this process's.
    ///   - combineOutput: stdout and stderr go to one file, in the order written (read it as ``stdout``).
    ///   - input: bytes on the program's stdin (otherwise /dev/null).
    public init(
        _ executable: String, _ arguments: [String], directory: URL? = nil, environment: [String: String]? = nil,
        combineOutput: Bool = false, input: Data? = nil
    ) async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("skein-child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let stdoutFile = scratch.appendingPathComponent("stdout")
        let stderrFile = combineOutput ? stdoutFile : scratch.appendingPathComponent("stderr")
        let inputFile = scratch.appendingPathComponent("stdin")
        try (input ?? Data()).write(to: inputFile)
        let writing: FileDescriptor.OpenOptions = [.create, .truncate, .append]
        let out = try FileDescriptor.open(
            FilePath(stdoutFile.path), .writeOnly, options: writing, permissions: [.ownerReadWrite])
        let err =
            combineOutput
            ? try out.duplicate()
            : try FileDescriptor.open(
                FilePath(stderrFile.path), .writeOnly, options: writing, permissions: [.ownerReadWrite])
        let stdin = try FileDescriptor.open(FilePath(inputFile.path), .readOnly)

        let program = ExternalProgram(
            executable, arguments, environment: environment, workingDirectory: directory?.path)
        let (started, startedContinuation) = AsyncStream<Int32>.makeStream()
        let endedFlag = Flag()
        let launch = Task { () async throws -> Termination in
            defer {
                startedContinuation.finish()
                endedFlag.set()
            }
            let ended = try await program.run(
                standardInput: stdin.rawValue, standardOutput: out.rawValue, standardError: err.rawValue
            ) { pid in
                startedContinuation.yield(pid)
                startedContinuation.finish()
            }
            return Termination(status: ended.status, signalled: ended.signalled, timedOut: false)
        }
        var pid: Int32?
        for await value in started { pid = value }
        guard let pid else {
            // Not launched: the task ended with the reason.
            _ = try await launch.value
            throw NotStarted(command: executable)
        }
        self.command = ([executable] + arguments).joined(separator: " ")
        self.processIdentifier = pid
        self.scratch = scratch
        self.stdoutFile = stdoutFile
        self.stderrFile = stderrFile
        self.combined = combineOutput
        self.ended = endedFlag
        self.ending = Task {
            do {
                return try await launch.value
            } catch {
                // Launched, then lost to an error while awaiting the exit: reported as killed.
                return Termination(status: SIGKILL, signalled: true, timedOut: false)
            }
        }
    }

    deinit { try? FileManager.default.removeItem(at: scratch) }

    /// Whether the program has ended (without waiting for it).
    public var hasEnded: Bool { ended.isSet }

    /// Sends `signal` to the program.
    public func signal(_ signal: Int32) {
        kill(processIdentifier, signal)
    }

    /// What the program has written to stdout so far (with stderr, when combined).
    public var stdout: String {
        (try? String(contentsOf: stdoutFile, encoding: .utf8)) ?? ""
    }

    /// What the program has written to stderr so far (empty when combined).
    public var stderr: String {
        combined ? "" : (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? ""
    }

    /// Waits for the program to end; after `limit`, kills it (the termination then says ``Termination/timedOut``).
    @discardableResult
    public func wait(limit: Duration = ChildProcess.defaultLimit) async -> Termination {
        let watchdog = Task { [processIdentifier, killedForTime] in
            try await Task.sleep(for: limit)
            killedForTime.set()
            kill(processIdentifier, SIGKILL)
        }
        var termination = await ending.value
        watchdog.cancel()
        termination.timedOut = killedForTime.isSet
        return termination
    }

    /// Waits for the program and returns what it printed; a program killed at `limit` is ``TimedOut``.
    public func output(limit: Duration = ChildProcess.defaultLimit) async throws -> Output {
        let termination = await wait(limit: limit)
        if termination.timedOut {
            throw TimedOut(command: command, limit: limit, output: stdout + stderr)
        }
        return Output(termination: termination, stdout: stdout, stderr: stderr)
    }

    /// Runs a program to its end and returns what it printed.
    public static func run(
        _ executable: String, _ arguments: [String], directory: URL? = nil, environment: [String: String]? = nil,
        combineOutput: Bool = false, input: Data? = nil, limit: Duration = ChildProcess.defaultLimit
    ) async throws -> Output {
        let child = try await ChildProcess(
            executable, arguments, directory: directory, environment: environment, combineOutput: combineOutput,
            input: input)
        return try await child.output(limit: limit)
    }
}
