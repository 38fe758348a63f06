import Foundation
import SkeinConnection

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
    /// Arguments that hold a password (a URL with `user:password@`, a `password=` keyword), each with its masked
    /// form: whatever the CLI prints — a usage error that echoes an argument, goose's `"…": no such command` — shows
    /// the masked one.
    var secrets: [(plain: String, masked: String)] = []

    /// `text` with every secret argument masked.
    func masking(_ text: String) -> String {
        guard !secrets.isEmpty else { return text }
        var text = text
        for secret in secrets { text = text.replacingOccurrences(of: secret.plain, with: secret.masked) }
        return text
    }

    /// The arguments that hold a password, with their masked forms.
    static func secrets(in arguments: [String], environment: [String: String]) -> [(plain: String, masked: String)] {
        let candidates = arguments + ["GOOSE_DBSTRING", "DATABASE_URL"].compactMap { environment[$0] }
        var secrets: [(plain: String, masked: String)] = []
        for candidate in candidates {
            let masked = ConnectionString.masked(candidate)
            if masked != candidate { secrets.append((candidate, masked)) }
        }
        // Longest first, so an argument that contains another is masked whole.
        return secrets.sorted { $0.plain.count > $1.plain.count }
    }

    /// The one being served now.
    @TaskLocal static var current = CLIContext(
        environment: ProcessInfo.processInfo.environment, output: .standardOutput, error: .standardError,
        signals: .install)
}
