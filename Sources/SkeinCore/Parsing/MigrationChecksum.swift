import Crypto

/// Skein's one checksum definition, used by `inspect`, approvals, drift detection and the audit log.
///
/// - `file`: SHA-256 of the whole file after CRLF → LF (so a checkout with Windows line endings has
///   the same checksum).
/// - `up` / `down`: SHA-256 of what goose would execute for that direction: the transaction mode
///   (`tx` or `no-tx`) and each statement's exact text, each followed by a NUL byte — parsed without
///   environment substitution, so the checksum does not depend on the machine. Editing a comment
///   outside a statement changes `file` only; `nil` when that direction does not parse.
///
/// All three are lowercase hex.
public struct MigrationChecksum: Sendable, Hashable, Codable {
    public var file: String
    public var up: String?
    public var down: String?

    public init(file: String, up: String?, down: String?) {
        self.file = file
        self.up = up
        self.down = down
    }

    /// The file checksum of `text`.
    public static func fileChecksum(of text: String) -> String {
        fileChecksum(ofBytes: Array(text.utf8))
    }

    /// The file checksum of raw bytes (also for files that are not valid UTF-8).
    public static func fileChecksum(ofBytes bytes: [UInt8]) -> String {
        guard bytes.contains(UInt8(ascii: "\r")) else { return hex(SHA256.hash(data: bytes)) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\r"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") {
                index += 1
                continue
            }
            output.append(bytes[index])
            index += 1
        }
        return hex(SHA256.hash(data: output))
    }

    /// The checksum of one parsed direction.
    public static func sectionChecksum(of section: GooseSection) -> String {
        var hasher = SHA256()
        let separator: [UInt8] = [0]
        hasher.update(data: Array((section.transactionMode == .transaction ? "tx" : "no-tx").utf8))
        hasher.update(data: separator)
        for statement in section.statements {
            var sql = statement.sql
            sql.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
            hasher.update(data: separator)
        }
        return hex(hasher.finalize())
    }

    /// `text` with every CRLF turned into LF.
    public static func normalizedLineEndings(_ text: String) -> String {
        // Swift treats "\r\n" as one Character, so compare on UTF-8.
        guard text.utf8.contains(UInt8(ascii: "\r")) else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        var pendingCR = false
        for byte in text.utf8 {
            if pendingCR {
                if byte != UInt8(ascii: "\n") { output.append(UInt8(ascii: "\r")) }
                pendingCR = false
            }
            if byte == UInt8(ascii: "\r") {
                pendingCR = true
            } else {
                output.append(byte)
            }
        }
        if pendingCR { output.append(UInt8(ascii: "\r")) }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 64) { output in
            var count = 0
            for byte in digest {
                output[count] = digits.utf8Start[Int(byte >> 4)]
                output[count + 1] = digits.utf8Start[Int(byte & 0x0F)]
                count += 2
            }
            return count
        }
    }
}
