import CSkeinExecutor
import NIOCore
import NIOPosix

/// Swift concurrency's jobs on NIO's event loop: a command awaits PostgresNIO queries one after another, and with
/// Swift's default global executor every answer hops from the event-loop thread to a Dispatch worker and back (two
/// thread switches per query; 34,000 context switches in an `up` of 1000 migrations). With one event loop
/// (`NIOSingletons.groupLoopCountSuggestion = 1`) as the global executor, a query's answer resumes its task on the
/// thread that read it.
///
/// NIO's own `unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()` finds the runtime's hook
/// with `dlsym`, which fails in a `--static-swift-stdlib` binary (the symbol is not exported) and so does nothing
/// there; this sets the same hook through a C reference resolved at link time.
enum EventLoopExecutor {
    /// The hook's type in the runtime: the job, and the default enqueue (unused).
    typealias EnqueueGlobalHook = @convention(thin) (UnownedJob, @convention(thin) (UnownedJob) -> Void) -> Void

    /// Installs the hook once, before the first task is made; `false` when another hook is already installed.
    @discardableResult
    static func install() -> Bool {
        let hook: EnqueueGlobalHook = { job, _ in
            MultiThreadedEventLoopGroup.singleton.any().executor.enqueue(ExecutorJob(job))
        }
        return withUnsafeTemporaryAllocation(of: EnqueueGlobalHook.self, capacity: 1) { slot in
            slot.baseAddress!.initialize(to: hook)
            return slot.baseAddress!.withMemoryRebound(to: UnsafeMutableRawPointer?.self, capacity: 1) { pointer in
                skein_install_enqueue_global_hook(pointer.pointee) == 1
            }
        }
    }
}
