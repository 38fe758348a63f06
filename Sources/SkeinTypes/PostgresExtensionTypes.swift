public import NIOCore
public import PostgresNIO

// Types of PostgreSQL's contrib extensions. Their OIDs differ per database (they exist once `CREATE EXTENSION`
// made them), so values bind as `text` and the generated SQL casts the parameter (`$1::ltree`); PostgreSQL sends
// results in the extension's own binary format, read here from any type that is not a string type.

/// The string types a value bound as text may come back as (a query that casts to `text`).
private let stringTypes: [PostgresDataType] = [.text, .varchar, .bpchar, .name]

/// A value bound as `text` (its arrays as `text[]`), which the SQL casts to the extension's type.
public protocol PostgresTextBoundValue: PostgresNonThrowingEncodable, PostgresDecodable, PostgresArrayEncodable,
    PostgresArrayDecodable
{}

extension PostgresTextBoundValue {
    public static var psqlType: PostgresDataType { .text }
    public static var psqlFormat: PostgresFormat { .binary }
    public static var psqlArrayType: PostgresDataType { .textArray }
}

/// `ltree` (and `lquery`, `ltxtquery`, which share its wire format): a label path such as `top.science.astronomy`.
public struct PostgresLTree: Sendable, Hashable, Codable, CustomStringConvertible, ExpressibleByStringLiteral,
    PostgresTextBoundValue
{
    /// The path as PostgreSQL prints it.
    public var path: String

    public init(_ path: String) {
        self.path = path
    }

    public init(stringLiteral value: String) {
        self.path = value
    }

    /// The labels between the dots (`top.science` → `["top", "science"]`; an empty path has none).
    public var labels: [Substring] { path.isEmpty ? [] : path.split(separator: ".", omittingEmptySubsequences: false) }

    public func encode<JSONEncoder: PostgresJSONEncoder>(
        into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) {
        byteBuffer.writeString(path)
    }

    /// ltree's binary format is a version byte (1) and the text.
    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        if format == .binary, !stringTypes.contains(type) {
            guard try buffer.read(UInt8.self) == 1 else { throw PostgresDecodingError.Code.failure }
        }
        guard let text = buffer.readString(length: buffer.readableBytes) else {
            throw PostgresDecodingError.Code.failure
        }
        path = text
    }

    public var description: String { path }
}

/// `hstore`: string keys, each with a string value or NULL. Keys are Swift strings, which compare by canonical
/// equivalence: two keys hstore keeps apart because their bytes differ only in Unicode normalisation (`é` as one
/// scalar and as `e` and a combining accent) are one key here.
public struct PostgresHStore: Sendable, Hashable, Codable, CustomStringConvertible, ExpressibleByDictionaryLiteral,
    PostgresTextBoundValue
{
    public var pairs: [String: String?]

    public init(_ pairs: [String: String?] = [:]) {
        self.pairs = pairs
    }

    public init(dictionaryLiteral elements: (String, String?)...) {
        self.pairs = Dictionary(elements, uniquingKeysWith: { _, last in last })
    }

    public subscript(key: String) -> String?? {
        get { pairs[key] }
        set { pairs[key] = newValue }
    }

    /// Bound as hstore's text form, which the SQL's cast reads: `"key"=>"value", "other"=>NULL`.
    public func encode<JSONEncoder: PostgresJSONEncoder>(
        into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) {
        byteBuffer.writeString(description)
    }

    /// hstore's binary format: the pair count, then each key and value as a length (-1: NULL) and its bytes.
    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard format == .binary, !stringTypes.contains(type) else { throw PostgresDecodingError.Code.typeMismatch }
        let count = try buffer.read(Int32.self)
        guard count >= 0 else { throw PostgresDecodingError.Code.failure }
        var pairs: [String: String?] = [:]
        pairs.reserveCapacity(Int(count))
        func string(_ length: Int32) throws -> String {
            guard length >= 0, let text = buffer.readString(length: Int(length)) else {
                throw PostgresDecodingError.Code.failure
            }
            return text
        }
        for _ in 0..<count {
            let key = try string(try buffer.read(Int32.self))
            let length = try buffer.read(Int32.self)
            pairs[key] = length == -1 ? String?.none : try string(length)
        }
        self.pairs = pairs
    }

    /// hstore's text form, keys in order: `"a"=>"1", "b"=>NULL` (quotes and backslashes escaped).
    public var description: String {
        func quoted(_ text: String) -> String {
            // By scalar: a quote or backslash followed by a combining mark is one Swift Character.
            var out = String.UnicodeScalarView()
            out.append("\"")
            for scalar in text.unicodeScalars {
                if scalar == "\"" || scalar == "\\" { out.append("\\") }
                out.append(scalar)
            }
            out.append("\"")
            return String(out)
        }
        return pairs.keys.sorted().map { key in
            "\(quoted(key))=>\(pairs[key].flatMap { $0 }.map(quoted) ?? "NULL")"
        }.joined(separator: ", ")
    }
}
