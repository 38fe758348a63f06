public import Foundation
public import NIOCore
public import PostgresNIO

/// A PostgreSQL array of any number of dimensions (`integer[][]`, `text[][][]`), which PostgresNIO's `[Element]`
/// cannot read (it decodes arrays of one dimension only).
///
/// PostgreSQL stores an array as its dimensions and its elements in row-major order (the last dimension varies
/// fastest), each dimension with a lower bound (1 unless the SQL says otherwise). This type keeps exactly that:
///
/// ```swift
/// let grid = try PostgresMultiArray<Int32>(rows: [[1, 2, 3], [4, 5, 6]])  // '{{1,2,3},{4,5,6}}'
/// grid.lengths  // [2, 3]
/// grid[1, 2]  // 6 (indices from 0, whatever the lower bounds)
/// grid.rows  // [[1, 2, 3], [4, 5, 6]]
/// ```
///
/// It decodes any number of dimensions, one and none (`'{}'`) included, since PostgreSQL does not enforce a
/// column's declared dimensions. Like PostgresNIO's arrays it has no NULL elements: decoding one throws.
/// `Element` is any type PostgresNIO reads and writes in arrays (`PostgresArrayDecodable`/`Encodable`).
public struct PostgresMultiArray<Element> {
    /// Each dimension's length, outermost first; empty for an empty array.
    public private(set) var lengths: [Int]
    /// Each dimension's lower bound (PostgreSQL's default is 1; `'[0:1]={7,8}'` has 0).
    public private(set) var lowerBounds: [Int]
    /// The elements in row-major order; as many as the product of ``lengths``.
    public var elements: [Element]

    /// Why a shape and its elements do not make an array.
    public struct ShapeError: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
    }

    /// An array of `lengths` (outermost first) holding `elements` in row-major order.
    /// - Throws: ``ShapeError`` when the count of `elements` is not the product of `lengths`, or a length is not
    ///   positive, or the bounds do not match the lengths.
    public init(lengths: [Int], elements: [Element], lowerBounds: [Int]? = nil) throws {
        let bounds = lowerBounds ?? Array(repeating: 1, count: lengths.count)
        guard bounds.count == lengths.count else {
            throw ShapeError(description: "\(bounds.count) lower bounds for \(lengths.count) dimensions")
        }
        guard lengths.allSatisfy({ $0 > 0 }) || lengths.isEmpty else {
            throw ShapeError(description: "dimensions must be positive: \(lengths)")
        }
        guard lengths.count <= 6 else { throw ShapeError(description: "PostgreSQL arrays have at most 6 dimensions") }
        let count = lengths.isEmpty ? 0 : lengths.reduce(1, *)
        guard count == elements.count else {
            throw ShapeError(description: "\(elements.count) elements for dimensions \(lengths) (\(count))")
        }
        self.lengths = lengths
        self.lowerBounds = bounds
        self.elements = elements
    }

    /// A two-dimensional array from its rows.
    /// - Throws: ``ShapeError`` when the rows differ in length (PostgreSQL's arrays are rectangular).
    public init(rows: [[Element]]) throws {
        guard let width = rows.first?.count, width > 0 else {
            try self.init(lengths: [], elements: [])
            return
        }
        guard rows.allSatisfy({ $0.count == width }) else {
            throw ShapeError(description: "rows of different lengths: \(rows.map(\.count))")
        }
        try self.init(lengths: [rows.count, width], elements: rows.flatMap { $0 })
    }

    /// A one-dimensional array.
    public init(_ elements: [Element]) {
        lengths = elements.isEmpty ? [] : [elements.count]
        lowerBounds = elements.isEmpty ? [] : [1]
        self.elements = elements
    }

    /// The rows of a two-dimensional array; a one-dimensional array is one row, an empty one none.
    /// - Precondition: at most two dimensions (read ``elements`` and ``lengths`` for more).
    public var rows: [[Element]] {
        precondition(lengths.count <= 2, "rows of a \(lengths.count)-dimensional array: read elements and lengths")
        guard let width = lengths.last else { return [] }
        return stride(from: 0, to: elements.count, by: width).map { Array(elements[$0..<($0 + width)]) }
    }

    /// The element at `indices`, one per dimension, each from 0 (whatever the lower bounds).
    public subscript(indices: Int...) -> Element {
        get { elements[offset(indices)] }
        set { elements[offset(indices)] = newValue }
    }

    private func offset(_ indices: [Int]) -> Int {
        precondition(indices.count == lengths.count, "\(indices.count) indices for \(lengths.count) dimensions")
        var offset = 0
        for (index, length) in zip(indices, lengths) {
            precondition(index >= 0 && index < length, "index \(index) out of 0..<\(length)")
            offset = offset * length + index
        }
        return offset
    }
}

extension PostgresMultiArray: Sendable where Element: Sendable {}
extension PostgresMultiArray: Equatable where Element: Equatable {}
extension PostgresMultiArray: Hashable where Element: Hashable {}
extension PostgresMultiArray: Codable where Element: Codable {}

extension PostgresMultiArray: PostgresEncodable, PostgresThrowingDynamicTypeEncodable
where Element: PostgresArrayEncodable {
    public static var psqlType: PostgresDataType { Element.psqlArrayType }
    public static var psqlFormat: PostgresFormat { .binary }

    /// array_send's format: dimensions, a has-NULLs flag, the element type; each dimension's length and lower
    /// bound; each element's length and bytes.
    public func encode<JSONEncoder: PostgresJSONEncoder>(
        into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) throws {
        buffer.writeInteger(Int32(lengths.count))
        buffer.writeInteger(Int32(0))
        buffer.writeInteger(Element.psqlType.rawValue)
        for (length, lower) in zip(lengths, lowerBounds) {
            buffer.writeInteger(Int32(length))
            buffer.writeInteger(Int32(lower))
        }
        for element in elements {
            let lengthIndex = buffer.writerIndex
            buffer.writeInteger(Int32(0))
            try element.encode(into: &buffer, context: context)
            buffer.setInteger(Int32(buffer.writerIndex - lengthIndex - 4), at: lengthIndex)
        }
    }
}

extension PostgresMultiArray: PostgresDecodable where Element: PostgresArrayDecodable {
    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard format == .binary else { throw PostgresDecodingError.Code.typeMismatch }
        let dimensions = try buffer.read(Int32.self)
        _ = try buffer.read(Int32.self)  // has NULLs: each element's length says so
        // The element type array_send names is the domain's for an array of a domain (`score[]`, a domain over
        // integer): a type of the database's own (OID 16384 and up), which `Element`'s decoder does not know. Its
        // values are in its base type's format, which generated code maps to `Element`; so they are read as
        // `Element`'s own type, when it has one. (A generated enum's decoder reads any type's text.)
        let named = PostgresDataType(try buffer.read(UInt32.self))
        let own = (Element.self as? any PostgresEncodable.Type)?.psqlType
        let elementType = named.rawValue >= 16384 ? own ?? named : named
        guard (0...6).contains(dimensions) else { throw PostgresDecodingError.Code.failure }
        var lengths: [Int] = []
        var bounds: [Int] = []
        for _ in 0..<dimensions {
            lengths.append(Int(try buffer.read(Int32.self)))
            bounds.append(Int(try buffer.read(Int32.self)))
        }
        let count = lengths.isEmpty ? 0 : lengths.reduce(1, *)
        var elements: [Element] = []
        elements.reserveCapacity(count)
        for _ in 0..<count {
            let length = try buffer.read(Int32.self)
            guard length >= 0, var bytes = buffer.readSlice(length: Int(length)) else {
                throw PostgresDecodingError.Code.failure  // a NULL element, or a short buffer
            }
            elements.append(try Element(from: &bytes, type: elementType, format: .binary, context: context))
        }
        guard buffer.readableBytes == 0 else { throw PostgresDecodingError.Code.failure }
        do {
            try self.init(lengths: lengths, elements: elements, lowerBounds: bounds)
        } catch {
            throw PostgresDecodingError.Code.failure
        }
    }
}

/// An array of a domain's values (`score[]`, for `CREATE DOMAIN score AS integer`), read as the domain's base type
/// (`PostgresDomainArray<Int32>`).
///
/// PostgreSQL's binary array names its element type, and for an array of a domain that is the domain, whose OID
/// differs per database: PostgresNIO's `[Int32]` refuses it. Generated code reads such a column through this type and
/// keeps ``elements`` (the field is `[Int32]`); a value of more than one dimension is a decoding error, as in
/// PostgresNIO's arrays (a column declared `score[][]` is a ``PostgresMultiArray``, which reads domains too).
/// Writing needs no help: generated code binds `[Int32]` and casts the parameter in the SQL (`$1::score[]`).
public struct PostgresDomainArray<Element: PostgresArrayDecodable>: PostgresDecodable {
    /// The elements, in order.
    public var elements: [Element]

    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        let array = try PostgresMultiArray<Element>(from: &buffer, type: type, format: format, context: context)
        guard array.lengths.count <= 1 else { throw PostgresDecodingError.Code.failure }
        elements = array.elements
    }
}

extension PostgresDomainArray: Sendable where Element: Sendable {}

// PostgresNIO reads and writes `numeric` as `Decimal` but not `numeric[]`: without these a generated `[Decimal]`
// (or `PostgresMultiArray<Decimal>`) would not compile. The element format is PostgresNIO's own `numeric` codec.
extension Decimal: @retroactive PostgresArrayDecodable {}

extension Decimal: @retroactive PostgresArrayEncodable {
    public static var psqlArrayType: PostgresDataType { .numericArray }
}
