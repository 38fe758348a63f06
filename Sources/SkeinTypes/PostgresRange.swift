public import Foundation
public import NIOCore
public import PostgresNIO

/// One of PostgreSQL's built-in range types: its OIDs and how its bound is written.
public protocol PostgresRangeKind: Sendable {
    associatedtype Bound: Sendable & Hashable & Codable
    static var rangeType: PostgresDataType { get }
    static var rangeArrayType: PostgresDataType { get }
    /// The range's multirange type (PostgreSQL 14+) and its array.
    static var multirangeType: PostgresDataType { get }
    static var multirangeArrayType: PostgresDataType { get }
    static func write(_ bound: Bound, into buffer: inout ByteBuffer)
    static func read(_ buffer: inout ByteBuffer) throws -> Bound
}

/// A range (`int4range`, `tstzrange`, …): its bounds, each inclusive or not; a missing bound is unbounded (`nil`).
/// PostgreSQL keeps discrete ranges (`int4range`, `int8range`, `daterange`) in `[lower, upper)` form, so
/// `[1,5]` comes back as `[1,6)`.
public struct PostgresRangeValue<Kind: PostgresRangeKind>: Sendable, Hashable, Codable, PostgresBinaryValue {
    public var lower: Kind.Bound?
    public var upper: Kind.Bound?
    public var lowerInclusive: Bool
    public var upperInclusive: Bool
    /// `'empty'`: no values at all (the bounds are then ignored).
    public var isEmpty: Bool

    public init(lower: Kind.Bound?, upper: Kind.Bound?, lowerInclusive: Bool = true, upperInclusive: Bool = false) {
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

    public static var psqlType: PostgresDataType { Kind.rangeType }
    public static var psqlArrayType: PostgresDataType { Kind.rangeArrayType }
    public static var decodedTypes: [PostgresDataType] { [Kind.rangeType] }

    public init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws {
        let wire = try RangeWire(reading: &buffer, bound: Kind.read)
        (lower, upper, lowerInclusive, upperInclusive, isEmpty) =
            (wire.lower, wire.upper, wire.lowerInclusive, wire.upperInclusive, wire.isEmpty)
    }

    public func write(into buffer: inout ByteBuffer) {
        RangeWire(
            lower: lower, upper: upper, lowerInclusive: lowerInclusive, upperInclusive: upperInclusive,
            isEmpty: isEmpty
        ).write(into: &buffer, bound: Kind.write)
    }
}

/// range_send's format, for built-in and user-defined ranges alike: a flags byte, then each finite bound as a
/// length and the subtype's binary value.
struct RangeWire<Bound> {
    var lower: Bound?
    var upper: Bound?
    var lowerInclusive: Bool
    var upperInclusive: Bool
    var isEmpty: Bool

    static var emptyFlag: UInt8 { 0x01 }
    static var lowerInclusiveFlag: UInt8 { 0x02 }
    static var upperInclusiveFlag: UInt8 { 0x04 }
    static var lowerInfiniteFlag: UInt8 { 0x08 }
    static var upperInfiniteFlag: UInt8 { 0x10 }

    init(lower: Bound?, upper: Bound?, lowerInclusive: Bool, upperInclusive: Bool, isEmpty: Bool) {
        (self.lower, self.upper, self.lowerInclusive, self.upperInclusive, self.isEmpty) =
            (lower, upper, lowerInclusive, upperInclusive, isEmpty)
    }

    init(reading buffer: inout ByteBuffer, bound read: (inout ByteBuffer) throws -> Bound) throws {
        let flags = try buffer.read(UInt8.self)
        func bound(present: Bool) throws -> Bound? {
            guard present else { return nil }
            let length = Int(try buffer.read(Int32.self))
            guard length >= 0, var bytes = buffer.readSlice(length: length) else {
                throw PostgresDecodingError.Code.failure
            }
            let value = try read(&bytes)
            guard bytes.readableBytes == 0 else { throw PostgresDecodingError.Code.failure }
            return value
        }
        isEmpty = flags & Self.emptyFlag != 0
        lower = try bound(present: !isEmpty && flags & Self.lowerInfiniteFlag == 0)
        upper = try bound(present: !isEmpty && flags & Self.upperInfiniteFlag == 0)
        lowerInclusive = flags & Self.lowerInclusiveFlag != 0
        upperInclusive = flags & Self.upperInclusiveFlag != 0
    }

    func write(into buffer: inout ByteBuffer, bound write: (Bound, inout ByteBuffer) -> Void) {
        if isEmpty {
            buffer.writeInteger(Self.emptyFlag)
            return
        }
        var flags: UInt8 = 0
        if lower == nil { flags |= Self.lowerInfiniteFlag } else if lowerInclusive { flags |= Self.lowerInclusiveFlag }
        if upper == nil { flags |= Self.upperInfiniteFlag } else if upperInclusive { flags |= Self.upperInclusiveFlag }
        buffer.writeInteger(flags)
        for bound in [lower, upper] {
            guard let bound else { continue }
            let start = buffer.writerIndex
            buffer.writeInteger(Int32(0))
            write(bound, &buffer)
            buffer.setInteger(Int32(buffer.writerIndex - start - 4), at: start)
        }
    }
}

/// A multirange (`int4multirange`, `tstzmultirange`, …, PostgreSQL 14+): its ranges, in order, as PostgreSQL
/// normalises them (sorted, merged where they touch).
public struct PostgresMultirange<Kind: PostgresRangeKind>: Sendable, Hashable, Codable, PostgresBinaryValue {
    public var ranges: [PostgresRangeValue<Kind>]

    public init(_ ranges: [PostgresRangeValue<Kind>]) {
        self.ranges = ranges
    }

    public static var psqlType: PostgresDataType { Kind.multirangeType }
    public static var psqlArrayType: PostgresDataType { Kind.multirangeArrayType }
    public static var decodedTypes: [PostgresDataType] { [Kind.multirangeType] }

    public init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws {
        let count = Int(try buffer.read(Int32.self))
        guard count >= 0 else { throw PostgresDecodingError.Code.failure }
        ranges = try (0..<count).map { _ in
            let length = Int(try buffer.read(Int32.self))
            guard length >= 0, var bytes = buffer.readSlice(length: length) else {
                throw PostgresDecodingError.Code.failure
            }
            return try PostgresRangeValue<Kind>(binary: &bytes, type: Kind.rangeType)
        }
    }

    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(Int32(ranges.count))
        for range in ranges {
            let start = buffer.writerIndex
            buffer.writeInteger(Int32(0))
            range.write(into: &buffer)
            buffer.setInteger(Int32(buffer.writerIndex - start - 4), at: start)
        }
    }
}

public typealias PostgresInt4Multirange = PostgresMultirange<Int4RangeKind>
public typealias PostgresInt8Multirange = PostgresMultirange<Int8RangeKind>
public typealias PostgresNumMultirange = PostgresMultirange<NumRangeKind>
public typealias PostgresTimestampMultirange = PostgresMultirange<TimestampRangeKind>
public typealias PostgresTimestampTZMultirange = PostgresMultirange<TimestampTZRangeKind>
public typealias PostgresDateMultirange = PostgresMultirange<DateRangeKind>

public typealias PostgresInt4Range = PostgresRangeValue<Int4RangeKind>
public typealias PostgresInt8Range = PostgresRangeValue<Int8RangeKind>
public typealias PostgresNumRange = PostgresRangeValue<NumRangeKind>
public typealias PostgresTimestampRange = PostgresRangeValue<TimestampRangeKind>
public typealias PostgresTimestampTZRange = PostgresRangeValue<TimestampTZRangeKind>
public typealias PostgresDateRange = PostgresRangeValue<DateRangeKind>

public enum Int4RangeKind: PostgresRangeKind {
    public static var multirangeType: PostgresDataType { PostgresDataType(4451) }
    public static var multirangeArrayType: PostgresDataType { PostgresDataType(6150) }
    public static var rangeType: PostgresDataType { .int4Range }
    public static var rangeArrayType: PostgresDataType { .int4RangeArray }
    public static func write(_ bound: Int32, into buffer: inout ByteBuffer) { buffer.writeInteger(bound) }
    public static func read(_ buffer: inout ByteBuffer) throws -> Int32 { try buffer.read(Int32.self) }
}

public enum Int8RangeKind: PostgresRangeKind {
    public static var multirangeType: PostgresDataType { PostgresDataType(4536) }
    public static var multirangeArrayType: PostgresDataType { PostgresDataType(6157) }
    public static var rangeType: PostgresDataType { .int8Range }
    public static var rangeArrayType: PostgresDataType { .int8RangeArray }
    public static func write(_ bound: Int64, into buffer: inout ByteBuffer) { buffer.writeInteger(bound) }
    public static func read(_ buffer: inout ByteBuffer) throws -> Int64 { try buffer.read(Int64.self) }
}

/// `numrange`: PostgresNIO's `numeric` codec for the bounds.
public enum NumRangeKind: PostgresRangeKind {
    public static var multirangeType: PostgresDataType { PostgresDataType(4532) }
    public static var multirangeArrayType: PostgresDataType { PostgresDataType(6151) }
    public static var rangeType: PostgresDataType { .numrange }
    public static var rangeArrayType: PostgresDataType { PostgresDataType(3907) }
    public static func write(_ bound: Decimal, into buffer: inout ByteBuffer) {
        bound.encode(into: &buffer, context: .default)
    }
    public static func read(_ buffer: inout ByteBuffer) throws -> Decimal {
        // PostgresNIO's numeric decoder reads its own copy of the bytes: the bound is all of them.
        let value = try Decimal(from: &buffer, type: .numeric, format: .binary, context: .default)
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        return value
    }
}

/// Timestamps on the wire: microseconds since 2000-01-01 00:00:00 UTC.
enum PostgresEpoch {
    static let reference = Date(timeIntervalSince1970: 946_684_800)
    static func microseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince(reference) * 1_000_000).rounded())
    }
    static func date(_ microseconds: Int64) -> Date {
        reference.addingTimeInterval(Double(microseconds) / 1_000_000)
    }
}

/// `tsrange`: the bounds as UTC instants (a `timestamp` has no zone; read as PostgresNIO reads one, in UTC).
public enum TimestampRangeKind: PostgresRangeKind {
    public static var multirangeType: PostgresDataType { PostgresDataType(4533) }
    public static var multirangeArrayType: PostgresDataType { PostgresDataType(6152) }
    public static var rangeType: PostgresDataType { .tsrange }
    public static var rangeArrayType: PostgresDataType { PostgresDataType(3909) }
    public static func write(_ bound: Date, into buffer: inout ByteBuffer) {
        buffer.writeInteger(PostgresEpoch.microseconds(bound))
    }
    public static func read(_ buffer: inout ByteBuffer) throws -> Date {
        PostgresEpoch.date(try buffer.read(Int64.self))
    }
}

/// `tstzrange`.
public enum TimestampTZRangeKind: PostgresRangeKind {
    public static var multirangeType: PostgresDataType { PostgresDataType(4534) }
    public static var multirangeArrayType: PostgresDataType { PostgresDataType(6153) }
    public static var rangeType: PostgresDataType { .tstzrange }
    public static var rangeArrayType: PostgresDataType { .tstzrangeArray }
    public static func write(_ bound: Date, into buffer: inout ByteBuffer) {
        buffer.writeInteger(PostgresEpoch.microseconds(bound))
    }
    public static func read(_ buffer: inout ByteBuffer) throws -> Date {
        PostgresEpoch.date(try buffer.read(Int64.self))
    }
}

/// `daterange`: each bound is the UTC midnight of its day.
public enum DateRangeKind: PostgresRangeKind {
    public static var multirangeType: PostgresDataType { PostgresDataType(4535) }
    public static var multirangeArrayType: PostgresDataType { PostgresDataType(6155) }
    public static var rangeType: PostgresDataType { .daterange }
    public static var rangeArrayType: PostgresDataType { PostgresDataType(3913) }
    public static func write(_ bound: Date, into buffer: inout ByteBuffer) {
        let days = (bound.timeIntervalSince(PostgresEpoch.reference) / 86_400).rounded(.down)
        buffer.writeInteger(Int32(days))
    }
    public static func read(_ buffer: inout ByteBuffer) throws -> Date {
        PostgresEpoch.reference.addingTimeInterval(Double(try buffer.read(Int32.self)) * 86_400)
    }
}
