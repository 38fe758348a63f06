public import NIOCore
public import PostgresNIO

/// PostgreSQL's `inet` and `cidr`: an IPv4 or IPv6 address with a prefix length (`cidr` is a network: no bits
/// set after the prefix).
public struct PostgresINET: Sendable, Hashable, Codable, CustomStringConvertible, PostgresBinaryValue {
    /// 4 bytes (IPv4) or 16 (IPv6), in network order.
    public var address: [UInt8]
    /// 0–32 or 0–128; a host address has the full length.
    public var prefixLength: UInt8
    /// Sent as `cidr` (a network) rather than `inet`.
    public var isCIDR: Bool

    public init(address: [UInt8], prefixLength: UInt8? = nil, isCIDR: Bool = false) {
        self.address = address
        self.prefixLength = prefixLength ?? UInt8(address.count * 8)
        self.isCIDR = isCIDR
    }

    public static var psqlType: PostgresDataType { .inet }
    public static var psqlArrayType: PostgresDataType { PostgresDataType(1041) }
    public static var decodedTypes: [PostgresDataType] { [.inet, .cidr] }

    /// PostgreSQL's address families on the wire (`PGSQL_AF_INET`, `PGSQL_AF_INET6`), not the platform's.
    static let inet4: UInt8 = 2
    static let inet6: UInt8 = 3

    public init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws {
        let family = try buffer.read(UInt8.self)
        prefixLength = try buffer.read(UInt8.self)
        isCIDR = try buffer.read(UInt8.self) != 0
        let count = Int(try buffer.read(UInt8.self))
        guard (family == Self.inet4 && count == 4) || (family == Self.inet6 && count == 16),
            let bytes = buffer.readBytes(length: count)
        else { throw PostgresDecodingError.Code.failure }
        address = bytes
    }

    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(address.count == 16 ? Self.inet6 : Self.inet4)
        buffer.writeInteger(prefixLength)
        buffer.writeInteger(UInt8(isCIDR ? 1 : 0))
        buffer.writeInteger(UInt8(address.count))
        buffer.writeBytes(address)
    }

    /// `192.168.0.1/24`, `2001:db8::1`: the prefix only when it is not the full length (as PostgreSQL prints an
    /// `inet`; a `cidr` always shows it).
    public var description: String {
        let full = UInt8(address.count * 8)
        let suffix = isCIDR || prefixLength != full ? "/\(prefixLength)" : ""
        if address.count == 4 { return address.map(String.init).joined(separator: ".") + suffix }
        var groups = stride(from: 0, to: address.count, by: 2).map {
            UInt16(address[$0]) << 8 | UInt16(address[$0 + 1])
        }
        // The longest run of zero groups (two or more) becomes `::`.
        var best: (start: Int, count: Int) = (-1, 0)
        var index = 0
        while index < groups.count {
            var end = index
            while end < groups.count, groups[end] == 0 { end += 1 }
            if end - index > best.count { best = (index, end - index) }
            index = end == index ? index + 1 : end
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.count >= 2 else { return hex.joined(separator: ":") + suffix }
        groups.removeAll()
        let head = hex[..<best.start].joined(separator: ":")
        let tail = hex[(best.start + best.count)...].joined(separator: ":")
        return head + "::" + tail + suffix
    }
}
