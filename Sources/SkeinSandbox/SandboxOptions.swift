/// How to create a throwaway cluster.
///
/// The defaults suit tests and scratch databases: no durability (`fsync=off`, `synchronous_commit=off`,
/// `full_page_writes=off`), no autovacuum, 100 connections, a free port on 127.0.0.1 and a unix socket in
/// the cluster's directory.
///
/// ```swift
/// var options = SandboxOptions(installation: installation, parentDirectory: environment["TMPDIR"] ?? "/tmp")
/// options.settings["log_statement"] = "all"
/// ```
public struct SandboxOptions: Sendable, Hashable {
    /// Which TCP port the server listens on.
    public enum Port: Sendable, Hashable {
        /// A free port, chosen when the server starts; another one is tried if it is taken meanwhile.
        case automatic
        /// Exactly this port.
        case fixed(Int)
    }

    /// The PostgreSQL installation to use.
    public var installation: PostgresInstallation
    /// The directory in which the cluster's own temporary directory is created. Default: `/tmp`.
    ///
    /// When running as root it must be reachable by the server user, so not `/root/…`. Keep it short: the
    /// unix socket path must stay under 100 bytes.
    public var parentDirectory: String
    /// The TCP port. Default: ``Port/automatic``.
    public var port: Port
    /// The database superuser `initdb` creates. Default: `postgres`.
    public var superuser: String
    /// The operating-system user that runs the server. Default: ``ServerUser/automatic``.
    public var serverUser: ServerUser
    /// Server settings written to the cluster's configuration. Default: ``defaultSettings``.
    public var settings: [String: String]
    /// How long `pg_ctl` waits for the server to start or stop, in seconds. Default: 60.
    public var timeoutSeconds: Int

    /// Settings that trade durability for speed, suitable only for throwaway data.
    public static let defaultSettings: [String: String] = [
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "autovacuum": "off",
        "max_connections": "100",
    ]

    /// Creates options with the defaults described on each property.
    public init(
        installation: PostgresInstallation,
        parentDirectory: String = "/tmp",
        port: Port = .automatic,
        superuser: String = "postgres",
        serverUser: ServerUser = .automatic,
        settings: [String: String] = SandboxOptions.defaultSettings,
        timeoutSeconds: Int = 60
    ) {
        self.installation = installation
        self.parentDirectory = parentDirectory
        self.port = port
        self.superuser = superuser
        self.serverUser = serverUser
        self.settings = settings
        self.timeoutSeconds = timeoutSeconds
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension SandboxOptions {
    /// Where a throwaway cluster should live: `TMPDIR` when it is set, else a memory file system (`/dev/shm` on
    /// Linux) when it is writable and has `minimumFreeBytes` free, else `/tmp`.
    ///
    /// A cluster in memory skips the disk for `initdb` and for every catalog write of a schema: measured, 3.1 s →
    /// 1.1 s for `skein generate` of 200 tables from nothing. The data is thrown away anyway.
    public static func scratchParentDirectory(
        environment: [String: String], minimumFreeBytes: UInt64 = 512 << 20
    ) -> String {
        if let directory = environment["TMPDIR"], !directory.isEmpty { return directory }
        let memory = "/dev/shm"
        var stats = statvfs()
        if access(memory, W_OK | X_OK) == 0, statvfs(memory, &stats) == 0,
            UInt64(stats.f_bavail) * UInt64(stats.f_frsize) >= minimumFreeBytes
        {
            return memory
        }
        return "/tmp"
    }
}
