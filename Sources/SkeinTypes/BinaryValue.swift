public import NIOCore
public import PostgresNIO

/// A value with one binary wire format, shared by the PostgreSQL types in `decodedTypes`: the conformances
/// PostgresNIO asks for (encode, decode, arrays) written once.
public protocol PostgresBinaryValue: PostgresNonThrowingEncodable, PostgresDecodable, PostgresArrayEncodable,
    PostgresArrayDecodable
{
    /// The types whose binary format this value reads (`inet` and `cidr`, say).
    static var decodedTypes: [PostgresDataType] { get }
    /// Reads the value from `buffer` (the whole of it), sent as `type`.
    init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws
    /// Writes the value in `psqlType`'s binary format.
    func write(into buffer: inout ByteBuffer)
}

extension PostgresBinaryValue {
    public static var psqlFormat: PostgresFormat { .binary }

    public func encode<JSONEncoder: PostgresJSONEncoder>(
        into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) {
        write(into: &byteBuffer)
    }

    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard format == .binary, Self.decodedTypes.contains(type) else {
            throw PostgresDecodingError.Code.typeMismatch
        }
        try self.init(binary: &buffer, type: type)
        guard buffer.readableBytes == 0 else { throw PostgresDecodingError.Code.failure }
    }
}

extension ByteBuffer {
    /// Reads a fixed-width integer or throws PostgresNIO's decoding failure.
    mutating func read<T: FixedWidthInteger>(_: T.Type) throws -> T {
        guard let value = readInteger(as: T.self) else { throw PostgresDecodingError.Code.failure }
        return value
    }
}
