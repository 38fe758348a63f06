import Foundation
import PostgresNIO
import SkeinSandbox
import SkeinTestSupport
import Testing

@Suite("Ephemeral clusters", .enabled(if: Fixtures.hasInstallation))
struct EphemeralClusterTests {
    @Test("starts a server that answers PostgresNIO queries, then removes it")
    func startsQueriesAndCleansUp() async throws {
        let options = try await Fixtures.options()
        let observed = try await withEphemeralCluster(
            options: options,
            logger: Fixtures.logger
        ) { (cluster: SandboxCluster) async throws -> Observed in
            #expect(cluster.port > 0)
            #expect(cluster.url == "postgres://postgres@127.0.0.1:\(cluster.port)/postgres?sslmode=disable")
            #expect(Fixtures.exists(cluster.socketPath))
            #expect(cluster.socketPath.utf8.count < 100)
            #expect(
                try await cluster.status(logger: Fixtures.logger) == .running(pid: try #require(cluster.postmasterPID)))

            // Over the unix socket.
            let client = PostgresClient(
                configuration: .init(
                    unixSocketPath: cluster.socketPath, username: cluster.superuser, password: nil,
                    database: cluster.database),
                backgroundLogger: Fixtures.logger
            )
            let (version, fsync) = try await TestDatabase.withClientRunning(client) {
                () async throws -> (String, String) in
                var version = ""
                for try await (text, ) in try await client.query("SELECT version()").decode(String.self) {
                    version = text
                }
                var fsync = ""
                for try await (value, ) in try await client.query("SHOW fsync").decode(String.self) { fsync = value }
                return (version, fsync)
            }

            // Over TCP, through the URL.
            let url = try DatabaseURL(parsing: cluster.url)
            let tcpClient = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: Fixtures.logger)
            let sum = try await TestDatabase.withClientRunning(tcpClient) { () async throws -> Int in
                var sum = 0
                for try await (value, ) in try await tcpClient.query("SELECT \(40) + 2").decode(Int.self) {
                    sum = value
                }
                return sum
            }
            return Observed(directory: cluster.directory, version: version, sum: sum, fsync: fsync)
        }
        #expect(observed.version.hasPrefix("PostgreSQL \(options.installation.majorVersion)"))
        #expect(observed.sum == 42)
        #expect(observed.fsync == "off")
        #expect(!Fixtures.exists(observed.directory))
    }

    struct Observed {
        var directory: String
        var version: String
        var sum: Int
        var fsync: String
    }

    @Test("removes the cluster when the body throws")
    func cleansUpOnError() async throws {
        let options = try await Fixtures.options()
        let directory = Box()
        await #expect(throws: ExpectedFailure.self) {
            try await withEphemeralCluster(options: options, logger: Fixtures.logger) { cluster in
                directory.value = cluster.directory
                #expect(Fixtures.exists(cluster.dataDirectory + "/postmaster.pid"))
                throw ExpectedFailure()
            }
        }
        let path = try #require(directory.value)
        #expect(!Fixtures.exists(path))
    }

    @Test("removes the cluster when the task is cancelled")
    func cleansUpOnCancellation() async throws {
        let options = try await Fixtures.options()
        let directory = Box()
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        let task = Task {
            try await withEphemeralCluster(options: options, logger: Fixtures.logger) { cluster in
                directory.value = cluster.directory
                startedContinuation.yield()
                try await Task.sleep(for: .seconds(600))
            }
        }
        for await _ in started { break }
        let path = try #require(directory.value)
        #expect(Fixtures.exists(path))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(!Fixtures.exists(path))
    }

    @Test("reports the server log when the server cannot start")
    func reportsStartFailure() async throws {
        var options = try await Fixtures.options()
        options.settings["shared_buffers"] = "not-a-size"
        let error = await #expect(throws: SandboxError.self) {
            try await withEphemeralCluster(options: options, logger: Fixtures.logger) { _ in }
        }
        #expect(error?.code == .startFailed)
        #expect(error?.logTail?.contains("shared_buffers") == true, "\(error?.logTail ?? "")")
        let logFile = try #require(error?.logFile)
        #expect(error?.description.contains(logFile) == true)
        #expect(!Fixtures.exists(logFile))
    }
}

/// A value set inside a closure and read after it.
final class Box: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: String?

    var value: String? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
