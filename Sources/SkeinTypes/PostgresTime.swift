public import NIOCore
public import PostgresNIO

/// `time` (without time zone): microseconds since midnight.
public struct PostgresTime: Sendable, Hashable, Codable, CustomStringConvertible, PostgresBinaryValue {
    public var microseconds: Int64

    public init(microseconds: Int64) {
        self.microseconds = microseconds
    }

    public init(hour: Int, minute: Int, second: Int = 0, microsecond: Int = 0) {
        microseconds = Int64(((hour * 60 + minute) * 60 + second) * 1_000_000 + microsecond)
    }

    public static var psqlType: PostgresDataType { .time }
    public static var psqlArrayType: PostgresDataType { PostgresDataType(1183) }
    public static var decodedTypes: [PostgresDataType] { [.time] }

    public init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws {
        microseconds = try buffer.read(Int64.self)
    }

    public func write(into buffer: inout ByteBuffer) { buffer.writeInteger(microseconds) }

    /// `04:05:06.000007`, as PostgreSQL prints it.
    public var description: String { Self.clock(microseconds) }

    static func clock(_ microseconds: Int64) -> String {
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let seconds = microseconds / 1_000_000
        var text = "\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
        if microseconds % 1_000_000 != 0 {
            var fraction = String(microseconds % 1_000_000)
            fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text
    }
}

/// `time with time zone`: a time of day and its UTC offset.
public struct PostgresTimeTZ: Sendable, Hashable, Codable, CustomStringConvertible, PostgresBinaryValue {
    public var microseconds: Int64
    /// Seconds east of UTC (+02:00 is 7200); PostgreSQL's wire format counts west.
    public var utcOffset: Int32

    public init(microseconds: Int64, utcOffset: Int32) {
        self.microseconds = microseconds
        self.utcOffset = utcOffset
    }

    public static var psqlType: PostgresDataType { .timetz }
    public static var psqlArrayType: PostgresDataType { PostgresDataType(1270) }
    public static var decodedTypes: [PostgresDataType] { [.timetz] }

    public init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws {
        microseconds = try buffer.read(Int64.self)
        utcOffset = -(try buffer.read(Int32.self))
    }

    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(microseconds)
        buffer.writeInteger(-utcOffset)
    }

    /// `04:05:06+02`, `04:05:06-03:30`.
    public var description: String {
        let sign = utcOffset < 0 ? "-" : "+"
        let magnitude = Int(utcOffset.magnitude)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        var zone = sign + two(magnitude / 3600)
        if magnitude % 3600 != 0 { zone += ":" + two(magnitude / 60 % 60) }
        if magnitude % 60 != 0 { zone += ":" + two(magnitude % 60) }
        return PostgresTime.clock(microseconds) + zone
    }
}

/// `jsonpath`: the path's text (PostgreSQL's binary format is a version byte, then the text).
public struct PostgresJSONPath: Sendable, Hashable, Codable, CustomStringConvertible, PostgresBinaryValue {
    public var text: String

    public init(_ text: String) {
        self.text = text
    }

    public static var psqlType: PostgresDataType { PostgresDataType(4072) }
    public static var psqlArrayType: PostgresDataType { PostgresDataType(4073) }
    public static var decodedTypes: [PostgresDataType] { [PostgresDataType(4072)] }

    public init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws {
        guard try buffer.read(UInt8.self) == 1 else { throw PostgresDecodingError.Code.failure }
        text = buffer.readString(length: buffer.readableBytes) ?? ""
    }

    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(1))
        buffer.writeString(text)
    }

    public var description: String { text }
}
