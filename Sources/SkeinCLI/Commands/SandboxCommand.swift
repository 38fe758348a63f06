import ArgumentParser
import Foundation
import Logging
import SkeinSandbox

/// `skein sandbox start|stop|status|env`: a named local PostgreSQL that stays up across commands.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Keep a throwaway local PostgreSQL running across commands.",
        discussion: """
            Start a local cluster once and point every command at it:

              skein sandbox start
              eval "$(skein sandbox env)"
              skein up
              skein sandbox stop

            Clusters live in /tmp/skein-sandbox-<uid>/<name>/, listen on 127.0.0.1 and a unix socket, trust local \
            connections, and run without fsync: never keep data you need in them. Under root the server runs as \
            the 'postgres' user (or 'nobody').
            """,
        subcommands: [Start.self, Stop.self, Status.self, Env.self]
    )
}

extension SandboxCommand {
    /// The flags every sandbox subcommand takes.
    struct Selection: ParsableArguments {
        @Option(name: .long, help: "The sandbox's name (letters, digits, '-', '_').")
        var name = "default"

        @Flag(name: .long, help: "Log each step to stderr.")
        var verbose = false

        var store: SandboxStore { .standard(temporaryDirectory: "/tmp") }

        var logger: Logger {
            var logger = Logger(label: "skein.sandbox") { StreamLogHandler.standardError(label: $0) }
            logger.logLevel = verbose ? .debug : .warning
            return logger
        }

        /// Exits with status 2 when the name is not valid.
        func validatedName() throws -> String {
            do {
                try SandboxStore.validate(name: name)
            } catch {
                SandboxOutput.error("\(error)")
                throw ExitCode(2)
            }
            return name
        }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start the sandbox (creating it first) and print its URL.",
            discussion:
                "Does nothing but print the URL when the sandbox is already running. Exit status: 0 started or running, 1 failed, 2 bad flag."
        )

        @OptionGroup var selection: Selection

        @Option(name: .long, help: "The TCP port (default: a free one).")
        var port: Int?

        func run() async throws {
            let name = try selection.validatedName()
            let environment = CLIContext.current.environment
            let store = selection.store
            let logger = selection.logger
            let port = port
            let outcome = try await SandboxOutput.reportingErrors {
                try await SignalCancellation.run {
                    let installation = try await PostgresInstallation.locate(environment: environment, logger: logger)
                    var options = SandboxOptions(installation: installation)
                    if let port { options.port = .fixed(port) }
                    return try await store.start(name: name, options: options, logger: logger)
                }
            }
            let state = outcome.state
            switch outcome {
            case .created:
                SandboxOutput.note(
                    "Started sandbox '\(name)' (PostgreSQL \(state.cluster.installation.version)) in \(state.cluster.directory)."
                )
            case .restarted:
                SandboxOutput.note("Restarted sandbox '\(name)' (PostgreSQL \(state.cluster.installation.version)).")
            case .alreadyRunning:
                SandboxOutput.note("Sandbox '\(name)' is already running.")
            }
            SandboxOutput.print(state.cluster.url)
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop the sandbox and delete it with its data.",
            discussion: "Exit status: 0 removed or no such sandbox, 1 failed, 2 bad flag."
        )

        @OptionGroup var selection: Selection

        func run() async throws {
            let name = try selection.validatedName()
            let store = selection.store
            let logger = selection.logger
            let removed = try await SandboxOutput.reportingErrors {
                try await store.stop(name: name, logger: logger)
            }
            if removed == nil {
                SandboxOutput.print("No sandbox named '\(name)'.")
            } else {
                SandboxOutput.print("Stopped and removed sandbox '\(name)'.")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say whether the sandbox is running.",
            discussion: "Exit status: 0 running, 1 not running (or failed), 2 bad flag."
        )

        @OptionGroup var selection: Selection

        func run() async throws {
            let name = try selection.validatedName()
            let store = selection.store
            let logger = selection.logger
            let status = try await SandboxOutput.reportingErrors {
                try await store.status(name: name, logger: logger)
            }
            switch status {
            case .running(let state):
                let cluster = state.cluster
                SandboxOutput.print(
                    """
                    Sandbox '\(name)' is running: PostgreSQL \(cluster.installation.version), pid \(state.pid).
                      url:    \(cluster.url)
                      socket: \(cluster.socketDirectory) (port \(cluster.port))
                      data:   \(cluster.dataDirectory)
                      log:    \(cluster.logFile)
                    """
                )
            case .stopped(let state):
                SandboxOutput.print(
                    "Sandbox '\(name)' exists but is not running (data: \(state.cluster.dataDirectory)). Start it with `skein sandbox start\(nameFlag(name))`."
                )
                throw ExitCode(1)
            case .absent:
                SandboxOutput.print(
                    "Sandbox '\(name)' is not running. Start it with `skein sandbox start\(nameFlag(name))`.")
                throw ExitCode(1)
            }
        }
    }

    struct Env: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print shell exports for the running sandbox: eval \"$(skein sandbox env)\".",
            discussion:
                "Prints DATABASE_URL, PGHOST, PGPORT, PGUSER and PGDATABASE. Exit status: 0 printed, 1 not running, 2 bad flag."
        )

        @OptionGroup var selection: Selection

        func run() async throws {
            let name = try selection.validatedName()
            let store = selection.store
            let logger = selection.logger
            let status = try await SandboxOutput.reportingErrors {
                try await store.status(name: name, logger: logger)
            }
            guard case .running(let state) = status else {
                SandboxOutput.error("\(SandboxError(code: .notRunning, name: name))")
                throw ExitCode(1)
            }
            SandboxOutput.print(Self.exports(for: state.cluster))
        }

        /// The `export` lines for `cluster`, quoted for POSIX shells.
        static func exports(for cluster: SandboxCluster) -> String {
            [
                ("DATABASE_URL", cluster.url),
                ("PGHOST", cluster.host),
                ("PGPORT", "\(cluster.port)"),
                ("PGUSER", cluster.superuser),
                ("PGDATABASE", cluster.database),
            ]
            .map { "export \($0.0)=\(shellQuoted($0.1))" }
            .joined(separator: "\n")
        }
    }
}

private func nameFlag(_ name: String) -> String {
    name == "default" ? "" : " --name \(name)"
}

/// Quotes `value` for POSIX shells: `'…'`, with `'` written as `'\''`.
func shellQuoted(_ value: String) -> String {
    "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// Where sandbox commands write: results to stdout, notes and errors to stderr.
enum SandboxOutput {
    static func print(_ text: String) { Console.out(text) }

    static func note(_ text: String) { Console.err(text) }

    static func error(_ text: String) { Console.err("error: " + text) }

    /// Runs `body`; on failure writes the error to stderr and exits with 1 (130/143 after Ctrl-C/SIGTERM).
    static func reportingErrors<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let interrupted as SignalCancellation.Interrupted {
            note(interrupted.description)
            throw ExitCode(interrupted.exitCode)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            self.error("\(error)")
            throw ExitCode(1)
        }
    }
}
