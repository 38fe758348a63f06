#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The operating-system user that runs `initdb`, `pg_ctl` and the server.
///
/// PostgreSQL refuses to run as root. ``automatic`` runs the programs as the current user, except under root,
/// where it switches to the `postgres` user (or `nobody` when there is no `postgres` user).
///
/// ```swift
/// var options = SandboxOptions(installation: installation)
/// options.serverUser = .named("postgres")
/// ```
public enum ServerUser: Sendable, Hashable {
    /// The current user; under root, `postgres`, falling back to `nobody`.
    case automatic
    /// The named user (switching users needs root).
    case named(String)
}

/// A resolved operating-system account.
public struct SystemAccount: Sendable, Hashable, Codable {
    /// The account's name.
    public var name: String
    /// The user ID.
    public var userID: UInt32
    /// The primary group ID.
    public var groupID: UInt32

    /// Creates an account value.
    public init(name: String, userID: UInt32, groupID: UInt32) {
        self.name = name
        self.userID = userID
        self.groupID = groupID
    }

    /// Looks up an account by name in the system's user database.
    ///
    /// - Returns: `nil` when no such user exists.
    public static func lookUp(name: String) -> SystemAccount? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>? = nil
        var buffer = [CChar](repeating: 0, count: 16_384)
        let status = getpwnam_r(name, &entry, &buffer, buffer.count, &result)
        guard status == 0, result != nil else { return nil }
        return SystemAccount(name: name, userID: UInt32(entry.pw_uid), groupID: UInt32(entry.pw_gid))
    }
}

extension ServerUser {
    /// The account to switch to, or `nil` to run as the current user.
    ///
    /// - Throws: ``SandboxError/Code/noUnprivilegedUser`` when root has no account to switch to.
    func resolve(effectiveUserID: UInt32 = UInt32(geteuid())) throws(SandboxError) -> SystemAccount? {
        switch self {
        case .automatic:
            guard effectiveUserID == 0 else { return nil }
            for candidate in ["postgres", "nobody"] {
                if let account = SystemAccount.lookUp(name: candidate) { return account }
            }
            throw SandboxError(code: .noUnprivilegedUser)
        case .named(let name):
            guard let account = SystemAccount.lookUp(name: name) else {
                throw SandboxError(code: .noUnprivilegedUser, name: name, reason: "no user named '\(name)'")
            }
            if account.userID == effectiveUserID { return nil }
            return account
        }
    }
}
