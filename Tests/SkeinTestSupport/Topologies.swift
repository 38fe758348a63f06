public import Foundation
import Logging
import PostgresNIO

/// Production topologies started by the project's own scripts, as an unprivileged user on ports of their own: a real
/// PgBouncer in front of the test cluster (`scripts/pgbouncer-pool.sh`) and a real two-node Patroni cluster on etcd
/// (`scripts/ha-cluster.sh`).
///
/// Without the programs the tests that need them are skipped with the reason, unless `CI=true`: then they run and
/// fail (`scripts/bootstrap.sh --peers` installs them).
public enum Topology {
    /// The repository's root, for its scripts.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Why the tests that need `programs` are skipped, or `nil` when they run.
    public static func unavailableReason(_ programs: [String], install: String) -> String? {
        if ProcessInfo.processInfo.environment["CI"] == "true" { return nil }
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/usr/bin"
        let missing = programs.filter { program in
            !path.split(separator: ":").contains {
                FileManager.default.isExecutableFile(atPath: "\($0)/\(program)")
            }
        }
        guard !missing.isEmpty else { return nil }
        return "\(missing.joined(separator: ", ")) not installed: \(install) (or scripts/bootstrap.sh --peers)"
    }

    /// Runs one of the scripts; its stdout's `key=value` lines.
    static func script(_ name: String, _ arguments: [String], limit: Duration = .seconds(240)) async throws
        -> [String: String]
    {
        let output = try await ChildProcess.run(
            root.appendingPathComponent("scripts/\(name)").path, arguments, limit: limit)
        guard output.status == 0 else {
            throw TestDatabaseError(
                "scripts/\(name) \(arguments.joined(separator: " ")) failed (exit \(output.status)):\n\(output.stderr)\(output.stdout)"
            )
        }
        var values: [String: String] = [:]
        for line in output.stdout.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
        }
        return values
    }

    static func scratch(_ prefix: String) -> URL {
        URL(fileURLWithPath: "/tmp").appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
    }
}

/// A real PgBouncer in front of the test cluster, stopped (and its directory removed) by ``stop()``.
public struct PgBouncerPool: Sendable {
    public let directory: URL
    public let port: Int

    public static var unavailableReason: String? {
        Topology.unavailableReason(["pgbouncer"], install: "apt-get install pgbouncer")
    }

    /// Starts PgBouncer in front of `database`'s server, in `mode` (`transaction` or `session`), with
    /// `server_round_robin = 1` and `min_pool_size = 2`, so that a client's statements really change server
    /// connection in transaction mode.
    public static func start(for database: DatabaseURL, mode: String = "transaction") async throws -> PgBouncerPool {
        let directory = Topology.scratch("skein-pgbouncer")
        let values = try await Topology.script(
            "pgbouncer-pool.sh", ["start", directory.path, database.host, "\(database.port)", mode])
        guard let port = values["port"].flatMap(Int.init) else {
            throw TestDatabaseError("scripts/pgbouncer-pool.sh printed no port=")
        }
        return PgBouncerPool(directory: directory, port: port)
    }

    /// `database`, reached through the pool.
    public func url(for database: DatabaseURL) throws -> DatabaseURL {
        try DatabaseURL(parsing: "postgres://\(database.user)@127.0.0.1:\(port)/\(database.database)?sslmode=disable")
    }

    /// Waits until the pool of `database` has two server connections, so that a client's statements change server
    /// connection (PgBouncer fills a new database's pool to `min_pool_size` a little after its first client): a
    /// client asks for its backend pid until two differ.
    public func warm(_ database: DatabaseURL) async throws {
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let connection = try await PostgresConnection.connect(
            configuration: try url(for: database).connectionConfiguration(), id: 1, logger: logger)
        defer { Task { try? await connection.close() } }
        var seen = Set<Int32>()
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(30)
        while seen.count < 2 {
            guard clock.now < deadline else {
                throw TestDatabaseError("PgBouncer's pool for \(database.database) never had two server connections")
            }
            for try await pid in try await connection.query("SELECT pg_backend_pid()", logger: logger).decode(
                Int32.self)
            {
                seen.insert(pid)
            }
            if seen.count < 2 { try await Task.sleep(for: .milliseconds(50)) }
        }
    }

    public func stop() async {
        _ = try? await Topology.script("pgbouncer-pool.sh", ["stop", directory.path])
    }
}

/// A real two-node Patroni cluster (etcd 3 as its store), stopped (and its directory removed) by ``stop()``.
public struct HACluster: Sendable {
    public let directory: URL
    /// Node name → `host:port` of its PostgreSQL.
    public let nodes: [String: String]

    public static var unavailableReason: String? {
        Topology.unavailableReason(
            ["patroni", "patronictl", "etcd"], install: "apt-get install patroni etcd-server etcd-client")
    }

    public static func start() async throws -> HACluster {
        let directory = Topology.scratch("skein-ha")
        let values = try await Topology.script("ha-cluster.sh", ["start", directory.path])
        guard let n1 = values["n1"], let n2 = values["n2"] else {
            throw TestDatabaseError("scripts/ha-cluster.sh printed no n1= / n2=")
        }
        return HACluster(directory: directory, nodes: ["n1": n1, "n2": n2])
    }

    /// The leader's name.
    public func primary() async throws -> String {
        try await Topology.script("ha-cluster.sh", ["primary", directory.path])["primary"] ?? "?"
    }

    /// Switches the primary over to the other node; waits until the old primary runs again as a replica.
    /// - Returns: the new primary's name.
    public func switchover() async throws -> String {
        try await Topology.script("ha-cluster.sh", ["switchover", directory.path])["primary"] ?? "?"
    }

    /// A URL for `node`'s PostgreSQL.
    public func url(_ node: String, database: String = "postgres") throws -> DatabaseURL {
        try DatabaseURL(parsing: "postgres://postgres@\(nodes[node] ?? "?")/\(database)?sslmode=disable")
    }

    /// libpq's multi-host form, every node, asking for the one that accepts writes.
    public func multiHostURL(database: String = "postgres") -> String {
        let hosts = nodes.keys.sorted().compactMap { nodes[$0] }
        return
            "postgresql://postgres@\(hosts.joined(separator: ","))/\(database)?target_session_attrs=read-write&sslmode=disable"
    }

    public func stop() async {
        _ = try? await Topology.script("ha-cluster.sh", ["stop", directory.path])
    }
}
