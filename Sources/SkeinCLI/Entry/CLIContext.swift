import Foundation

/// Everything a command reads from or writes to the world outside its arguments: the environment, the two
/// output streams, whether it may take over the process's signals, and the grammar it was invoked in. Passed
/// into ``SkeinCommandLine/run(arguments:environment:output:error:signals:)`` and bound as a task-local for the
/// command's work, so CLI runs in one process (tests) share no state.
struct CLIContext: Sendable {
    /// Whether Ctrl-C and SIGTERM cancel the command (the executable) or are left alone (in-process runs).
    enum SignalHandling: Sendable, Equatable {
        case install
        case none
    }

    var environment: [String: String]
    var output: OutputSink
    var error: OutputSink
    var signals: SignalHandling
    /// goose's grammar or Skein's, decided by the first arguments.
    var style: OutputStyle = .skein

    /// The one being served now.
    @TaskLocal static var current = CLIContext(
        environment: ProcessInfo.processInfo.environment, output: .standardOutput, error: .standardError,
        signals: .install)
}
