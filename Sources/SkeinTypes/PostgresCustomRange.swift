public import Foundation
public import NIOCore
public import PostgresNIO

/// A subtype a user-defined range can have (`CREATE TYPE uuidrange AS RANGE (subtype = uuid)`): its binary format.
public protocol PostgresCustomRangeBound: Sendable, Hashable, Codable {
    static func readBound(_ buffer: inout ByteBuffer) throws -> Self
    func writeBound(into buffer: inout ByteBuffer)
}

/// A value of a user-defined range type (`uuidrange` over `uuid`, say), whose OID differs per database: it binds
/// with no type (PostgreSQL takes the parameter's from the SQL, as for a `($1::uuidrange)` cast) in range_send's
/// binary format, and decodes from whatever range type the server names. Bounds as in ``PostgresRangeValue``: `nil`
/// when unbounded, each inclusive or not. Not in arrays (their type differs per database too).
public struct PostgresCustomRange<Bound: PostgresCustomRangeBound>: Sendable, Hashable, Codable,
    PostgresNonThrowingEncodable, PostgresDecodable
{
    public var lower: Bound?
    public var upper: Bound?
    public var lowerInclusive: Bool
    public var upperInclusive: Bool
    /// `'empty'`: no values at all (the bounds are then ignored).
    public var isEmpty: Bool

    public init(lower: Bound?, upper: Bound?, lowerInclusive: Bool = true, upperInclusive: Bool = false) {
        self.lower = lower
        self.upper = upper
        self.lowerInclusive = lower != nil && lowerInclusive
        self.upperInclusive = upper != nil && upperInclusive
        isEmpty = false
    }

    /// The empty range.
    public static var empty: Self {
        var range = Self(lower: nil, upper: nil)
        range.isEmpty = true
        return range
    }

    /// Unspecified (OID 0): the server infers the range type from the statement.
    public static var psqlType: PostgresDataType { PostgresDataType(0) }
    public static var psqlFormat: PostgresFormat { .binary }

    public func encode<JSONEncoder: PostgresJSONEncoder>(
        into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) {
        RangeWire(
            lower: lower, upper: upper, lowerInclusive: lowerInclusive, upperInclusive: upperInclusive,
            isEmpty: isEmpty
        ).write(into: &byteBuffer) { bound, buffer in bound.writeBound(into: &buffer) }
    }

    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard format == .binary else { throw PostgresDecodingError.Code.typeMismatch }
        let wire = try RangeWire(reading: &buffer, bound: Bound.readBound)
        guard buffer.readableBytes == 0 else { throw PostgresDecodingError.Code.failure }
        (lower, upper, lowerInclusive, upperInclusive, isEmpty) =
            (wire.lower, wire.upper, wire.lowerInclusive, wire.upperInclusive, wire.isEmpty)
    }
}

extension UUID: PostgresCustomRangeBound {
    /// PostgresNIO's `uuid` codec: the 16 bytes.
    public static func readBound(_ buffer: inout ByteBuffer) throws -> UUID {
        try UUID(from: &buffer, type: .uuid, format: .binary, context: .default)
    }

    public func writeBound(into buffer: inout ByteBuffer) { encode(into: &buffer, context: .default) }
}

extension Int16: PostgresCustomRangeBound {
    public static func readBound(_ buffer: inout ByteBuffer) throws -> Int16 { try buffer.read(Int16.self) }
    public func writeBound(into buffer: inout ByteBuffer) { buffer.writeInteger(self) }
}

extension Int32: PostgresCustomRangeBound {
    public static func readBound(_ buffer: inout ByteBuffer) throws -> Int32 { try buffer.read(Int32.self) }
    public func writeBound(into buffer: inout ByteBuffer) { buffer.writeInteger(self) }
}

extension Int64: PostgresCustomRangeBound {
    public static func readBound(_ buffer: inout ByteBuffer) throws -> Int64 { try buffer.read(Int64.self) }
    public func writeBound(into buffer: inout ByteBuffer) { buffer.writeInteger(self) }
}

extension Double: PostgresCustomRangeBound {
    public static func readBound(_ buffer: inout ByteBuffer) throws -> Double {
        Double(bitPattern: try buffer.read(UInt64.self))
    }
    public func writeBound(into buffer: inout ByteBuffer) { buffer.writeInteger(bitPattern) }
}

extension String: PostgresCustomRangeBound {
    /// `text`/`varchar`: the UTF-8 bytes.
    public static func readBound(_ buffer: inout ByteBuffer) throws -> String {
        buffer.readString(length: buffer.readableBytes) ?? ""
    }
    public func writeBound(into buffer: inout ByteBuffer) { buffer.writeString(self) }
}

extension Date: PostgresCustomRangeBound {
    /// `timestamptz` and `timestamp` (the same wire format: microseconds since 2000-01-01 UTC).
    public static func readBound(_ buffer: inout ByteBuffer) throws -> Date {
        PostgresEpoch.date(try buffer.read(Int64.self))
    }
    public func writeBound(into buffer: inout ByteBuffer) { buffer.writeInteger(PostgresEpoch.microseconds(self)) }
}
