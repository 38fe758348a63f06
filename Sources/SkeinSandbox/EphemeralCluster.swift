public import Logging

/// Runs `body` with a new, started cluster and always stops and deletes the cluster afterwards: when `body`
/// returns, when it throws, and when the task is cancelled (for example by Ctrl-C in the CLI).
///
/// ```swift
/// let installation = try await PostgresInstallation.locate(environment: environment)
/// let count = try await withEphemeralCluster(options: SandboxOptions(installation: installation), logger: logger) { cluster in
///     try await migrate(url: cluster.url)
/// }
/// ```
///
/// - Parameters:
///   - options: The installation, parent directory, port and settings.
///   - logger: Receives info and debug messages.
///   - body: Works with the running cluster; the cluster is gone once it returns.
/// - Returns: What `body` returns.
/// - Throws: What `body` throws; otherwise ``SandboxError`` from creating, starting or removing the cluster,
///   or `CancellationError`.
public func withEphemeralCluster<Result>(
    options: SandboxOptions,
    logger: Logger,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (SandboxCluster) async throws -> sending Result
) async throws -> sending Result {
    var cluster = try await SandboxCluster.create(options: options, logger: logger)
    let result: Result
    do {
        try await cluster.start(logger: logger)
        result = try await body(cluster)
    } catch {
        do {
            try await removeShielded(cluster, logger: logger)
        } catch let cleanupError {
            logger.error(
                "could not remove the throwaway cluster",
                metadata: ["sandbox.directory": "\(cluster.directory)", "error": "\(cleanupError)"]
            )
        }
        throw error
    }
    try await removeShielded(cluster, logger: logger)
    return result
}

/// Destroys `cluster` in a task of its own, so that the cancellation of the current task cannot cut it short.
private func removeShielded(_ cluster: SandboxCluster, logger: Logger) async throws {
    try await Task { try await cluster.destroy(logger: logger) }.value
}
