public import SkeinCore

/// How an applied migration's file compares with the checksums recorded when it was applied.
public struct Drift: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The Up that would run now is not the Up that ran: the database does not match the file.
        case modified
        /// The Up is the same, but the Down or the rest of the file (comments) changed: reported, not blocking.
        case downModified = "down-modified"
        /// Applied, but no checksum was recorded (applied by goose alone, before Skein kept checksums).
        case unrecorded
    }

    public var version: Int64
    public var file: String
    public var kind: Kind
    /// The recorded checksum of what changed (the Up's for `modified`, the file's otherwise).
    public var recorded: String?
    public var current: String?

    public var description: String {
        switch kind {
        case .modified:
            "\(file): its Up changed after it was applied (recorded \(recorded.map { String($0.prefix(12)) } ?? "-"), now \(current.map { String($0.prefix(12)) } ?? "-")): the database no longer matches the file"
        case .downModified:
            "\(file): its Down or comments changed after it was applied (the Up is unchanged)"
        case .unrecorded:
            "\(file): applied without a recorded checksum"
        }
    }

    /// Compares the applied versions' files with their recorded checksums.
    /// - Parameters:
    ///   - applied: the versions goose's table has as applied.
    ///   - recorded: Skein's checksum rows by version (file, up, down).
    ///   - includingUnrecorded: whether applied versions without a checksum row are listed (`status` skips them).
    public static func compare(
        migrations: [Migration], applied: Set<Int64>, recorded: [Int64: MigrationChecksum],
        includingUnrecorded: Bool = true
    ) -> [Drift] {
        var drift: [Drift] = []
        for migration in migrations where migration.kind == .sql && applied.contains(migration.version) {
            guard let stored = recorded[migration.version] else {
                guard includingUnrecorded else { continue }
                drift.append(
                    Drift(
                        version: migration.version, file: migration.fileName, kind: .unrecorded, recorded: nil,
                        current: migration.checksum.file))
                continue
            }
            if stored.up != migration.checksum.up {
                drift.append(
                    Drift(
                        version: migration.version, file: migration.fileName, kind: .modified, recorded: stored.up,
                        current: migration.checksum.up))
            } else if stored.file != migration.checksum.file || stored.down != migration.checksum.down {
                drift.append(
                    Drift(
                        version: migration.version, file: migration.fileName, kind: .downModified,
                        recorded: stored.file, current: migration.checksum.file))
            }
        }
        return drift
    }
}
