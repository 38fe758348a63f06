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
    var message: String
    /// 1 unless the failure says otherwise (130 after Ctrl-C).
    var exitCode: Int32

    init(_ code: Code, _ message: String, exitCode: Int32 = 1) {
        self.code = code
        self.message = message
        self.exitCode = exitCode
    }

    var description: String { message }

    /// The lines to print on stderr.
    func rendered(style: OutputStyle) -> String {
        switch style {
        case .goose: Console.gooseLogPrefix() + "goose run: \(message)"
        case .skein: "error: \(message)"
        }
    }
}
