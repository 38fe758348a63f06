import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a command's async work so that Ctrl-C (SIGINT) and SIGTERM cancel it instead of killing the process.
///
/// Cancellation lets clean-up run: `withEphemeralCluster` stops and deletes its cluster, a migration run releases
/// its lock. A second signal while the clean-up runs ends the process at once, with the default action.
///
/// ```swift
/// let report = try await SignalCancellation.run {
///     try await withEphemeralCluster(options: options, logger: logger) { cluster in … }
/// }
/// ```
enum SignalCancellation {
    /// Thrown by ``run(signals:_:)`` when a signal cancelled the work.
    struct Interrupted: Error, CustomStringConvertible {
        /// The signal number, such as `SIGINT`.
        var signal: Int32
        /// What the cancelled work threw as it stopped (which migration, what ran), if anything.
        var cause: (any Error)? = nil

        /// The shell's convention: 128 plus the signal number (130 for Ctrl-C).
        var exitCode: Int32 { 128 + signal }

        var description: String {
            signal == SIGINT ? "Interrupted." : "Terminated by signal \(signal)."
        }
    }

    /// Runs `body` in a task that SIGINT and SIGTERM cancel.
    ///
    /// - Returns: What `body` returns.
    /// - Throws: ``Interrupted`` when a signal cancelled `body` (whatever `body` threw then), otherwise what
    ///   `body` throws.
    static func run<Result: Sendable>(
        signals: [Int32] = [SIGINT, SIGTERM],
        _ body: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        // A run in process (tests) leaves the process's signals alone.
        guard CLIContext.current.signals == .install else { return try await body() }
        let task = Task { try await body() }
        let received = Atomic<Int32>(0)
        let queue = DispatchQueue(label: "skein.signals")
        let sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                let (exchanged, _) = received.compareExchange(expected: 0, desired: number, ordering: .relaxed)
                if exchanged {
                    task.cancel()
                } else {
                    // A second signal: give up on clean-up.
                    signal(number, SIG_DFL)
                    raise(number)
                }
            }
            source.resume()
            return source
        }
        defer {
            for source in sources { source.cancel() }
            for number in signals { signal(number, SIG_DFL) }
        }
        do {
            let result = try await task.value
            let number = received.load(ordering: .relaxed)
            if number != 0 { throw Interrupted(signal: number) }
            return result
        } catch {
            let number = received.load(ordering: .relaxed)
            if number != 0 { throw Interrupted(signal: number, cause: error) }
            throw error
        }
    }
}
