import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Independent work over many items (reading and parsing migration files) spread over the machine's cores.
/// The result is exactly `items.map(transform)`, in order.
package enum ParallelMap {
    /// Items per worker below which one core does it all (threads cost more than they save).
    static let minimumItemsPerWorker = 64

    static let processorCount: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// - Parameter minimumPerWorker: items per worker below which one core does it all (fewer for costlier items).
    package static func map<Item: Sendable, Result: Sendable>(
        _ items: [Item], minimumPerWorker: Int = minimumItemsPerWorker, _ transform: @Sendable (Item) -> Result
    ) -> [Result] {
        let count = items.count
        let workers = min(processorCount, count / max(1, minimumPerWorker))
        guard workers > 1 else { return items.map(transform) }
        return [Result](unsafeUninitializedCapacity: count) { buffer, initializedCount in
            // Each worker initializes its own contiguous range of the buffer, and no one reads it until all
            // of them are done.
            nonisolated(unsafe) let base = buffer.baseAddress!
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let start = count * worker / workers
                let end = count * (worker + 1) / workers
                for index in start..<end { (base + index).initialize(to: transform(items[index])) }
            }
            initializedCount = count
        }
    }
}
