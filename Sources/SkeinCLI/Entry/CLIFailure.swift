/// Why a command could not finish, with the message that says what to do. Commands throw it; the entry point
/// renders it once, in the invocation's grammar (`error: …` in Skein's, goose's `goose run: …` log line in
/// goose's), and exits with ``exitCode``.
struct CLIFailure: Error, CustomStringConvertible {
    enum Code: Sendable {
        /// `skein.yaml` or `--config` is unusable.
        case configuration
        /// The migrations directory cannot be read or has errors.
        case migrations
        /// The policy or the plan refuses what was asked.
        case refused
        /// A file or directory cannot be read or written.
        case fileSystem
        /// A database (or the server programs for a throwaway one) cannot be reached or used.
        case database
        /// A flag's value is unusable.
        case usage
        /// A run failed (a migration, a timeout, an interruption).
        case run
    }

    var code: Code
    /// What Skein's grammar prints after `error: `.
    var message: String
    /// 1 unless the failure says otherwise (130 after Ctrl-C).
    var exitCode: Int32
    /// In goose's grammar: goose v3.17's own words for the same failure (after `goose run: `), printed as the last
    /// line of stderr, so scripts that grep goose's lines keep working; `nil` when goose has no such failure (then
    /// ``message`` is used).
    var gooseLine: String?
    /// In goose's grammar: Skein's context, printed before goose's line as `skein: ` log lines.
    var gooseContext: [String] = []
    /// The word after `goose ` in goose's line: `run` (its `log.Fatalf("goose run: %v")`), or `validate`.
    var gooseCommand = "run"
    /// ``message`` is diagnostics, each line already `file:line: error[code]: …` (code generation's): printed as
    /// it is, as lint and check-queries print theirs, not after `error: `.
    var isDiagnostics = false

    init(
        _ code: Code, _ message: String, exitCode: Int32 = 1, gooseLine: String? = nil, gooseContext: [String] = [],
        gooseCommand: String = "run"
    ) {
        self.code = code
        self.message = message
        self.exitCode = exitCode
        self.gooseLine = gooseLine
        self.gooseContext = gooseContext
        self.gooseCommand = gooseCommand
    }

    /// A failure whose message is already diagnostics (``isDiagnostics``).
    static func diagnostics(_ code: Code, _ message: String) -> CLIFailure {
        var failure = CLIFailure(code, message)
        failure.isDiagnostics = true
        return failure
    }

    var description: String { message }

    /// The lines to print on stderr.
    func rendered(style: OutputStyle) -> String {
        switch style {
        case .goose:
            let prefix = Console.gooseLogPrefix()
            return
                (gooseContext.map { prefix + "skein: " + $0 } + [
                    prefix + "goose \(gooseCommand): \(gooseLine ?? message)"
                ])
                .joined(separator: "\n")
        case .skein:
            return isDiagnostics ? message : "error: \(message)"
        }
    }
}
