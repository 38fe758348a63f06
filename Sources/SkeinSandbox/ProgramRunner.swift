import Logging
import Subprocess

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// The outcome of one finished program run.
struct ProgramOutput: Sendable {
    var program: String
    var status: TerminationStatus
    var output: String

    var isSuccess: Bool { status.isSuccess }

    /// The exit code, or `nil` when a signal ended the program.
    var exitCode: Int32? {
        if case .exited(let code) = status { return Int32(code) }
        return nil
    }

    var statusText: String {
        switch status {
        case .exited(let code): return "exit status \(code)"
        case .signaled(let signal): return "killed by signal \(signal)"
        }
    }

    /// The last `count` non-empty lines of the output.
    func tail(_ count: Int = 20) -> String {
        lastLines(of: output, count: count)
    }
}

func lastLines(of text: String, count: Int) -> String {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
    return lines.suffix(count).joined(separator: "\n")
}

/// Runs PostgreSQL's programs with a small, fixed environment, optionally as another user.
struct ProgramRunner: Sendable {
    var binDirectory: String
    var account: SystemAccount?

    /// Runs `binDirectory/program` with `arguments` in `workingDirectory` and collects stdout and stderr together.
    func run(
        _ program: String,
        _ arguments: [String],
        workingDirectory: String,
        logger: Logger
    ) async throws -> ProgramOutput {
        let path = binDirectory + "/" + program
        // Dropping privileges goes through util-linux's `setpriv`, not Subprocess's `userID`/`groupID`: those
        // call setgroups/setuid between fork and exec, where glibc's set*id broadcast to the parent's other
        // threads can deadlock the child (seen here with `pg_ctl status` in a release build).
        var executable = path
        var fullArguments = arguments
        if let account {
            guard let setpriv = Self.setprivPath() else {
                throw SandboxError(
                    code: .commandFailed, program: program, path: path,
                    reason:
                        "running PostgreSQL as \(account.name) needs setpriv (util-linux); install util-linux, or run Skein as an unprivileged user"
                )
            }
            executable = setpriv
            fullArguments =
                ["--reuid=\(account.userID)", "--regid=\(account.groupID)", "--clear-groups", "--", path] + arguments
        }
        let environment: Environment = .custom([
            "PATH": "\(binDirectory):/usr/bin:/bin",
            "LC_ALL": "C",
            "LANG": "C",
            "HOME": workingDirectory,
        ])
        logger.debug(
            "running \(program)",
            metadata: ["sandbox.program": "\(path)", "sandbox.arguments": "\(arguments.joined(separator: " "))"]
        )
        do {
            // The program runs in a task of its own, which the cancellation of the caller's task does not reach:
            // killing initdb or pg_ctl midway leaves their children (the bootstrap backend, the postmaster)
            // writing into the directory that the caller's clean-up is about to remove. They finish in seconds;
            // callers check for cancellation afterwards.
            let result = try await Task {
                try await Subprocess.run(
                    .path(FilePath(executable)),
                    arguments: Arguments(fullArguments),
                    environment: environment,
                    workingDirectory: FilePath(workingDirectory),
                    output: .string(limit: 4 << 20),
                    error: .combinedWithOutput
                )
            }.value
            return ProgramOutput(program: program, status: result.terminationStatus, output: result.standardOutput)
        } catch let error as CancellationError {
            throw error
        } catch {
            try Task.checkCancellation()
            throw SandboxError(code: .commandFailed, program: program, path: path, reason: "\(error)")
        }
    }

    /// util-linux's `setpriv`, where Debian and most Linux distributions install it.
    static func setprivPath() -> String? {
        ["/usr/bin/setpriv", "/bin/setpriv", "/usr/sbin/setpriv"].first { access($0, X_OK) == 0 }
    }
}
