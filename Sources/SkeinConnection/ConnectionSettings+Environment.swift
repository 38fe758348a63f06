import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension ConnectionSettings {
    /// What libpq would connect with for `string` in a process whose environment is `environment`: `PG*` from
    /// it, `~/.pgpass` (or `PGPASSFILE`) under its `HOME`, read only when nobody else may read it (as libpq
    /// does), and this operating-system user as the default database user.
    ///
    /// - Throws: ``ConnectionStringError`` for values libpq cannot use.
    public static func resolve(_ string: ConnectionString, environment: [String: String]) throws(ConnectionStringError)
        -> ConnectionSettings
    {
        try resolve(
            string, environment: environment, operatingSystemUser: operatingSystemUser(),
            homeDirectory: environment["HOME"], passwordFile: readPrivateFile)
    }

    /// The operating-system user running this process (libpq's default database user); `postgres` when it has
    /// no name.
    public static func operatingSystemUser() -> String {
        var user = ""
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
            if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { user = String(cString: name) }
        #endif
        return user.isEmpty ? "postgres" : user
    }

    /// libpq reads a password file only when nobody else can read it.
    static func readPrivateFile(_ path: String) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let permissions = attributes[.posixPermissions] as? Int, permissions & 0o077 == 0,
            let data = FileManager.default.contents(atPath: path)
        else { return nil }
        return String(data: data, encoding: .utf8)
    }
}
