import Logging
import NIOCore
public import PostgresNIO
import Synchronization

extension PostgresConnection {
    /// Sends a clean-up statement (`ROLLBACK`, the lock release, a dirty-state note) after an error.
    ///
    /// PostgresNIO never answers a query written to a connection that has already closed (the server restarted,
    /// the network dropped), so a plain `query` would wait forever; this one fails as soon as the connection is
    /// closed, whichever comes first.
    func sendCleanup(_ query: PostgresQuery, logger: Logger) async throws {
        guard !isClosed else { throw ConnectionClosedError() }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let once = ResumeOnce(continuation)
            Task {
                do {
                    _ = try await self.query(query, logger: logger).collect()
                    once.resume(with: .success(()))
                } catch {
                    once.resume(with: .failure(error))
                }
            }
            closeFuture.whenComplete { _ in once.resume(with: .failure(ConnectionClosedError())) }
        }
    }

    /// Closes the connection, waiting at most `limit` for PostgresNIO to say it is closed (a run that ends must not
    /// hang on its connection's goodbye; the process exits, and the server notices the socket close anyway).
    public func close(within limit: Duration) async {
        await answer(within: limit, otherwise: ()) { try? await self.close() }
    }

    func sendCleanup(_ sql: String, logger: Logger) async throws {
        try await sendCleanup(PostgresQuery(unsafeSQL: sql), logger: logger)
    }
}

/// The connection closed before a clean-up statement could run.
struct ConnectionClosedError: Error, CustomStringConvertible {
    var description: String { "the connection to PostgreSQL is closed" }
}

/// `work`'s answer, or `fallback` when `limit` passes first: the work goes on in a task of its own, unawaited, so
/// a call that never returns (or ignores cancellation) cannot hold its caller.
func answer<Value: Sendable>(
    within limit: Duration, otherwise fallback: Value, _ work: @escaping @Sendable () async -> Value
) async -> Value {
    await withCheckedContinuation { (continuation: CheckedContinuation<Value, Never>) in
        let once = ResumeOnce(continuation)
        Task { once.resume(with: .success(await work())) }
        Task {
            try? await Task.sleep(for: limit)
            once.resume(with: .success(fallback))
        }
    }
}

/// Resumes a continuation the first time only.
final class ResumeOnce<Value: Sendable, Failure: Error>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Value, Failure>?>

    init(_ continuation: CheckedContinuation<Value, Failure>) {
        self.continuation = Mutex(continuation)
    }

    func resume(with result: Result<Value, Failure>) {
        continuation.withLock { stored in
            stored?.resume(with: result)
            stored = nil
        }
    }
}
