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
        let settings = try resolve(
            string, environment: environment, operatingSystemUser: operatingSystemUser(),
            homeDirectory: environment["HOME"], passwordFile: readPrivateFile)
        try settings.checkTLSFiles()
        return settings
    }

    /// `sslrootcert`, `sslcert` and `sslkey` name files that exist and can be read, before any connection is
    /// tried (TLS libraries report a missing file as `noSuchFilesystemObject`, naming neither the setting nor the
    /// path).
    /// - Throws: ``ConnectionStringError`` naming the parameter, the path and what to do.
    public func checkTLSFiles() throws(ConnectionStringError) {
        // libpq reads them only when it may use TLS.
        guard sslMode != .disable else { return }
        let files: [(parameter: String, path: String?, what: String)] = [
            ("sslrootcert", sslRootCertificate, "the CA certificate(s) that signed the server's certificate"),
            ("sslcert", sslCertificate, "the client certificate"),
            ("sslkey", sslKey, "the client certificate's private key"),
        ]
        for file in files {
            guard let path = file.path, !path.isEmpty else { continue }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ConnectionStringError(
                    .invalidValue, "\(file.parameter)=\(path): no such file",
                    help: "point \(file.parameter) (or its PG* variable) at \(file.what), in PEM format")
            }
            guard !isDirectory.boolValue else {
                throw ConnectionStringError(
                    .invalidValue, "\(file.parameter)=\(path) is a directory, not a file",
                    help: "point \(file.parameter) at \(file.what), in PEM format")
            }
            guard FileManager.default.isReadableFile(atPath: path),
                let contents = FileManager.default.contents(atPath: path)
            else {
                throw ConnectionStringError(
                    .invalidValue, "\(file.parameter)=\(path) cannot be read by this user",
                    help: "fix the file's permissions (the key should be readable by this user only: chmod 600)")
            }
            guard String(decoding: contents.prefix(1 << 20), as: UTF8.self).contains("-----BEGIN ") else {
                throw ConnectionStringError(
                    .invalidValue, "\(file.parameter)=\(path) is not in PEM format (no -----BEGIN line)",
                    help:
                        "point \(file.parameter) at \(file.what) in PEM format; convert a DER file with `openssl x509 -inform der -in FILE -out FILE.pem` (or `openssl pkey` for a key)"
                )
            }
        }
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

    /// libpq reads a password file only when nobody else can read it. (`stat`, not FileManager's attributes, which
    /// look up the owner's and group's names in the user database: two reads of /etc/passwd and /etc/group.)
    static func readPrivateFile(_ path: String) -> String? {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG), status.st_mode & 0o077 == 0,
            let data = FileManager.default.contents(atPath: path)
        else { return nil }
        return String(data: data, encoding: .utf8)
    }
}
