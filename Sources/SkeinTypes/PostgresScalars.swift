public import NIOCore
public import PostgresNIO

// Small PostgreSQL types PostgresNIO has no codec for, each a thin value over its binary format.

/// `macaddr` (6 bytes) and `macaddr8` (8 bytes).
public struct PostgresMACAddress: Sendable, Hashable, Codable, CustomStringConvertible, PostgresBinaryValue {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// `macaddr`; a value says `macaddr8` when it has 8 bytes (a prepared statement's declared type wins: the
    /// generated code uses ``PostgresMACAddress8`` for `macaddr8`).
    public static var psqlType: PostgresDataType { .macaddr }
    public var psqlType: PostgresDataType { bytes.count == 8 ? .macaddr8 : .macaddr }
    public static var psqlArrayType: PostgresDataType { PostgresDataType(1040) }
    public static var decodedTypes: [PostgresDataType] { [.macaddr, .macaddr8] }

    public init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws {
        let count = type == .macaddr8 ? 8 : 6
        guard let bytes = buffer.readBytes(length: count) else { throw PostgresDecodingError.Code.failure }
        self.bytes = bytes
    }

    public func write(into buffer: inout ByteBuffer) { buffer.writeBytes(bytes) }

    /// `08:00:2b:01:02:03`.
    public var description: String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
    }
}

/// `macaddr8`: an EUI-64 address, 8 bytes (a 6-byte `macaddr` reads as one with `ff:fe` in the middle, as
/// PostgreSQL converts it).
public struct PostgresMACAddress8: Sendable, Hashable, Codable, CustomStringConvertible, PostgresBinaryValue {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public static var psqlType: PostgresDataType { .macaddr8 }
    public static var psqlArrayType: PostgresDataType { .macaddr8Array }
    public static var decodedTypes: [PostgresDataType] { [.macaddr8] }

    public init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws {
        guard let bytes = buffer.readBytes(length: 8) else { throw PostgresDecodingError.Code.failure }
        self.bytes = bytes
    }

    public func write(into buffer: inout ByteBuffer) { buffer.writeBytes(bytes) }

    /// `08:00:2b:01:02:03:04:05`.
    public var description: String { PostgresMACAddress(bytes: bytes).description }
}

/// `money`: an amount in the currency's smallest unit (cents for `lc_monetary` en_US), as PostgreSQL stores it.
public struct PostgresMoney: Sendable, Hashable, Codable, PostgresBinaryValue {
    public var minorUnits: Int64

    public init(minorUnits: Int64) {
        self.minorUnits = minorUnits
    }

    public static var psqlType: PostgresDataType { .money }
    public static var psqlArrayType: PostgresDataType { PostgresDataType(791) }
    public static var decodedTypes: [PostgresDataType] { [.money] }

    public init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws {
        minorUnits = try buffer.read(Int64.self)
    }

    public func write(into buffer: inout ByteBuffer) { buffer.writeInteger(minorUnits) }
}

/// `bit(n)` and `bit varying`: a string of bits, the first bit the most significant of the first byte.
public struct PostgresBitString: Sendable, Hashable, Codable, CustomStringConvertible, PostgresBinaryValue {
    public var bits: [Bool]

    public init(bits: [Bool]) {
        self.bits = bits
    }

    /// From `"10110"`; `nil` for anything but 0s and 1s.
    public init?(_ text: String) {
        guard text.allSatisfy({ $0 == "0" || $0 == "1" }) else { return nil }
        bits = text.map { $0 == "1" }
    }

    /// `bit varying`, which a `bit(n)` column accepts when the length fits.
    public static var psqlType: PostgresDataType { .varbit }
    public static var psqlArrayType: PostgresDataType { PostgresDataType(1563) }
    public static var decodedTypes: [PostgresDataType] { [.bit, .varbit] }

    public init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws {
        let count = Int(try buffer.read(Int32.self))
        guard count >= 0, let bytes = buffer.readBytes(length: (count + 7) / 8) else {
            throw PostgresDecodingError.Code.failure
        }
        bits = (0..<count).map { bytes[$0 / 8] & (0x80 >> UInt8($0 % 8)) != 0 }
    }

    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(Int32(bits.count))
        var bytes = [UInt8](repeating: 0, count: (bits.count + 7) / 8)
        for (index, bit) in bits.enumerated() where bit { bytes[index / 8] |= 0x80 >> UInt8(index % 8) }
        buffer.writeBytes(bytes)
    }

    public var description: String { String(bits.map { $0 ? "1" : "0" }) }
}

/// `oid` and the `reg*` types (`regclass`, `regtype`, `regproc`, …): an object identifier. Bound as `oid`; a
/// `regclass` parameter gets the generated code's cast, so `'users'::regclass` style names are not accepted:
/// pass the OID.
public struct PostgresOID: Sendable, Hashable, Codable, CustomStringConvertible, PostgresBinaryValue {
    public var rawValue: UInt32

    public init(_ rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public static var psqlType: PostgresDataType { .oid }
    public static var psqlArrayType: PostgresDataType { PostgresDataType(1028) }
    /// oid, regproc, regprocedure, regoper, regoperator, regclass, regtype, regconfig, regdictionary,
    /// regnamespace, regrole, regcollation.
    public static var decodedTypes: [PostgresDataType] {
        [26, 24, 2202, 2203, 2204, 2205, 2206, 3734, 3769, 4089, 4096, 4191].map { PostgresDataType($0) }
    }

    public init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws {
        rawValue = try buffer.read(UInt32.self)
    }

    public func write(into buffer: inout ByteBuffer) { buffer.writeInteger(rawValue) }

    public var description: String { String(rawValue) }
}

/// `pg_lsn`: a write-ahead log position.
public struct PostgresLSN: Sendable, Hashable, Codable, CustomStringConvertible, PostgresBinaryValue {
    public var rawValue: UInt64

    public init(_ rawValue: UInt64) {
        self.rawValue = rawValue
    }

    public static var psqlType: PostgresDataType { .pgLSN }
    public static var psqlArrayType: PostgresDataType { PostgresDataType(3221) }
    public static var decodedTypes: [PostgresDataType] { [.pgLSN] }

    public init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws {
        rawValue = try buffer.read(UInt64.self)
    }

    public func write(into buffer: inout ByteBuffer) { buffer.writeInteger(rawValue) }

    /// `16/B374D848`, as PostgreSQL prints it.
    public var description: String {
        String(rawValue >> 32, radix: 16, uppercase: true) + "/"
            + String(rawValue & 0xFFFF_FFFF, radix: 16, uppercase: true)
    }
}

/// `xml`: the document's text (PostgreSQL sends `xml` in binary as its text in the client encoding, UTF-8 here).
public struct PostgresXML: Sendable, Hashable, Codable, CustomStringConvertible, PostgresBinaryValue {
    public var text: String

    public init(_ text: String) {
        self.text = text
    }

    public static var psqlType: PostgresDataType { .xml }
    public static var psqlArrayType: PostgresDataType { PostgresDataType(143) }
    public static var decodedTypes: [PostgresDataType] { [.xml] }

    public init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws {
        text = buffer.readString(length: buffer.readableBytes) ?? ""
    }

    public func write(into buffer: inout ByteBuffer) { buffer.writeString(text) }

    public var description: String { text }
}

/// The result of a function that returns `void` (`SELECT pg_advisory_xact_lock($1)`): nothing to read.
public struct PostgresVoid: Sendable, Hashable, Codable, PostgresDecodable {
    public init() {}

    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard type == .void else { throw PostgresDecodingError.Code.typeMismatch }
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
    }
}
