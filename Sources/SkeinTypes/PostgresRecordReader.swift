public import NIOCore
public import PostgresNIO

/// Reads PostgreSQL's binary record format, a composite value: the field count, then each field's type OID, length
/// (-1: NULL) and bytes. The structs `skein generate` writes for composite types (`CREATE TYPE address AS (…)`)
/// decode their fields with it, in order, each through its own `PostgresDecodable` conformance.
///
/// ```swift
/// var record = try PostgresRecordReader(&buffer, format: format, fields: 2)
/// let street = try record.next(String?.self, context: context)
/// let zip = try record.next(Int32?.self, context: context)
/// ```
public struct PostgresRecordReader {
    private var buffer: ByteBuffer
    private var remaining: Int

    /// Takes the whole of `buffer`.
    /// - Parameters:
    ///   - buffer: the value as PostgreSQL sent it.
    ///   - format: the value's format; only binary is read.
    ///   - fields: how many fields the composite type had when the code was generated: another count (an attribute
    ///     added or dropped since) is a decoding failure, not values in the wrong fields.
    public init(_ buffer: inout ByteBuffer, format: PostgresFormat, fields: Int) throws {
        guard format == .binary, let count = buffer.readInteger(as: Int32.self), count == fields else {
            throw PostgresDecodingError.Code.failure
        }
        self.buffer = buffer
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        remaining = Int(count)
    }

    /// The next field, decoded as `T` (an `Optional` reads NULL as `nil`; any other type fails on NULL).
    /// - Parameters:
    ///   - as: the type to decode the field's bytes as, instead of the one the record names. Generated code passes
    ///     the attribute's built-in base type: a record names a domain attribute by the domain's own OID, which
    ///     `Int32`, `UUID` and the other codecs refuse.
    ///   - context: PostgresNIO's decoding context.
    public mutating func next<T: PostgresDecodable, JSONDecoder: PostgresJSONDecoder>(
        _: T.Type, as type: PostgresDataType? = nil, context: PostgresDecodingContext<JSONDecoder>
    ) throws -> T {
        guard remaining > 0, let oid = buffer.readInteger(as: UInt32.self),
            let length = buffer.readInteger(as: Int32.self)
        else { throw PostgresDecodingError.Code.failure }
        remaining -= 1
        var value: ByteBuffer?
        if length >= 0 {
            guard let slice = buffer.readSlice(length: Int(length)) else { throw PostgresDecodingError.Code.failure }
            value = slice
        }
        return try T._decodeRaw(from: &value, type: type ?? PostgresDataType(oid), format: .binary, context: context)
    }
}
