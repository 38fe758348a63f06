import NIOPosix

/// A task executor on NIO's blocking thread pool: work a command wants done beside its main line. The CLI runs
/// Swift concurrency on its one event loop (``EventLoopExecutor``), so a task started with `Task { … }` runs on that
/// thread and waits while the main line blocks it (libpq's calls block; CPU work does too). A task given this
/// executor as its preference (`Task(executorPreference: ThreadPoolTaskExecutor.shared) { … }`) runs on a pool
/// thread instead; an actor it calls still runs on the actor's own executor.
final class ThreadPoolTaskExecutor: TaskExecutor {
    static let shared = ThreadPoolTaskExecutor()

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        NIOThreadPool.singleton.submit { _ in job.runSynchronously(on: executor) }
    }
}
