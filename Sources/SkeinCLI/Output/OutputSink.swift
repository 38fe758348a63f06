import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where one of the CLI's streams goes: the process's standard output or error, or a buffer (a test running
/// the CLI in process). Every write is one whole line or block, so concurrent writers never interleave mid-line.
struct OutputSink: Sendable {
    private let writeData: @Sendable (Data) -> Void
    /// Whether the stream is a terminal (colours, progress lines).
    let isTerminal: Bool

    init(isTerminal: Bool = false, write: @escaping @Sendable (Data) -> Void) {
        self.isTerminal = isTerminal
        self.writeData = write
    }

    func write(_ text: String) { writeData(Data(text.utf8)) }

    func write(_ data: Data) { writeData(data) }

    static let standardOutput = OutputSink(isTerminal: isatty(STDOUT_FILENO) == 1) {
        FileHandle.standardOutput.write($0)
    }

    static let standardError = OutputSink(isTerminal: isatty(STDERR_FILENO) == 1) {
        FileHandle.standardError.write($0)
    }
}

/// What a command run in process wrote to one stream.
final class OutputBuffer: Sendable {
    private let data = Mutex(Data())

    init() {}

    var sink: OutputSink {
        OutputSink { [self] chunk in data.withLock { $0.append(chunk) } }
    }

    var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }
}
