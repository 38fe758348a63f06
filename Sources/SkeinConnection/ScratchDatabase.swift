import SkeinCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A database Skein creates on a development server (`--dev-url`) for one run and drops afterwards: the one
/// naming and drop policy that `verify --dev-url` and `generate --dev-url` share.
///
/// Names are `skein_<purpose>_<pid>_<random>`, so concurrent runs never collide and a leftover is recognisable
/// (and attributable to a process). Dropping uses `WITH (FORCE)`: a scratch database has no other users that
/// matter, and a connection left behind by a cancelled run must not keep it alive.
///
/// ```swift
/// let scratch = ScratchDatabase(purpose: .verify)
/// try await admin.execute(scratch.createSQL)
/// defer { try? await admin.execute(scratch.dropSQL) }
/// let settings = ConnectionString(parameters: scratch.parameters(on: devURL))
/// ```
public struct ScratchDatabase: Sendable, Hashable, CustomStringConvertible {
    /// What the database is for; the middle of its name.
    public enum Purpose: String, Sendable, Hashable, CaseIterable {
        /// `skein verify --dev-url`.
        case verify
        /// `skein generate --dev-url --no-cache`.
        case generate
    }

    /// The database's name.
    public var name: String

    /// A new, unique name for `purpose`.
    public init(purpose: Purpose) {
        name = "skein_\(purpose.rawValue)_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
    }

    /// A database of a given name (a cache that is built under a temporary name and renamed into place).
    public init(name: String) {
        self.name = name
    }

    /// A temporary name for building `final` before it is renamed into place.
    public static func temporary(for final: String) -> ScratchDatabase {
        ScratchDatabase(name: "\(final)_\(getpid())_\(UInt32.random(in: 0...UInt32.max))")
    }

    /// `CREATE DATABASE` of it.
    public var createSQL: String { "CREATE DATABASE \(SQLIdentifier.quote(name))" }

    /// `DROP DATABASE IF EXISTS … WITH (FORCE)` of it.
    public var dropSQL: String { "DROP DATABASE IF EXISTS \(SQLIdentifier.quote(name)) WITH (FORCE)" }

    /// `server`'s keywords with the database replaced by this one.
    public func parameters(on server: ConnectionString) -> [String: String] {
        var parameters = server.parameters
        parameters["dbname"] = name
        return parameters
    }

    /// The SQLSTATE PostgreSQL answers `CREATE DATABASE` with when the role lacks CREATEDB.
    public static let insufficientPrivilege = "42501"

    public var description: String { name }
}
