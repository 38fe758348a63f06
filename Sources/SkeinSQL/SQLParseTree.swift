import CPgQuery
import Foundation

/// A node of PostgreSQL's parse tree as libpg_query reports it (its JSON form): objects keyed by field name,
/// node objects wrapped in their type name (`{"IndexStmt": {…}}`), arrays, strings, numbers, booleans.
/// Fields at their default value (false, 0, empty) are absent, as in libpg_query's output.
public indirect enum SQLNode: Sendable, Hashable {
    /// Fields in libpg_query's order (objects have a handful of fields: a linear search beats hashing).
    case object([SQLField])
    case array([SQLNode])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    /// A field of an object (`nil` when absent or not an object).
    public subscript(_ key: String) -> SQLNode? {
        if case .object(let fields) = self {
            for field in fields where field.key == key { return field.value }
        }
        return nil
    }

    /// For a wrapped node (`{"IndexStmt": {…}}`), its type name.
    public var nodeType: String? {
        if case .object(let fields) = self, fields.count == 1, let first = fields[0].key.utf8.first,
            first >= UInt8(ascii: "A"), first <= UInt8(ascii: "Z")
        {
            return fields[0].key
        }
        return nil
    }

    /// For a wrapped node, its fields (`{"IndexStmt": X}` → X).
    public var body: SQLNode? { nodeType.flatMap { self[$0] } }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// A boolean field: absent means false, as libpg_query leaves out defaults.
    public func flag(_ key: String) -> Bool {
        if case .bool(let value)? = self[key] { return value }
        return false
    }

    public var int: Int? {
        if case .number(let value) = self { return Int(value) }
        return nil
    }

    public var array: [SQLNode] {
        if case .array(let values) = self { return values }
        return []
    }

    /// Every wrapped node below (and including) this one, depth first.
    public func descendants() -> [SQLNode] {
        var result: [SQLNode] = []
        func visit(_ node: SQLNode) {
            switch node {
            case .object(let fields):
                if node.nodeType != nil { result.append(node) }
                for field in fields { visit(field.value) }
            case .array(let values):
                values.forEach(visit)
            default:
                break
            }
        }
        visit(self)
        return result
    }

    /// The names in a `String` list (`[{"String": {"sval": "public"}}, …]`), as in qualified names.
    public var names: [String] {
        array.compactMap { $0["String"]?["sval"]?.string }
    }
}

/// One field of an object node.
public struct SQLField: Sendable, Hashable {
    public var key: String
    public var value: SQLNode
}

/// A small JSON reader for libpg_query's output (well-formed, UTF-8): exact booleans and no Foundation bridging.
struct JSONReader {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    struct Malformed: Error {}

    private static let numberBytes = Set("0123456789+-.eE".utf8)

    mutating func read() throws -> SQLNode {
        let value = try value()
        skipSpace()
        guard index == bytes.count else { throw Malformed() }
        return value
    }

    private mutating func skipSpace() {
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D
                || bytes[index] == 0x09
        {
            index += 1
        }
    }

    private mutating func expect(_ byte: UInt8) throws {
        skipSpace()
        guard index < bytes.count, bytes[index] == byte else { throw Malformed() }
        index += 1
    }

    private mutating func value() throws -> SQLNode {
        skipSpace()
        guard index < bytes.count else { throw Malformed() }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var fields: [SQLField] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(fields)
            }
            while true {
                skipSpace()
                let key = try string()
                try expect(UInt8(ascii: ":"))
                fields.append(SQLField(key: key, value: try value()))
                skipSpace()
                guard index < bytes.count else { throw Malformed() }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                try expect(UInt8(ascii: "}"))
                return .object(fields)
            }
        case UInt8(ascii: "["):
            index += 1
            var values: [SQLNode] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(values)
            }
            while true {
                values.append(try value())
                skipSpace()
                guard index < bytes.count else { throw Malformed() }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                try expect(UInt8(ascii: "]"))
                return .array(values)
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"):
            index += 4
            return .bool(true)
        case UInt8(ascii: "f"):
            index += 5
            return .bool(false)
        case UInt8(ascii: "n"):
            index += 4
            return .null
        default:
            let start = index
            while index < bytes.count, Self.numberBytes.contains(bytes[index]) { index += 1 }
            guard let number = Double(String(decoding: bytes[start..<index], as: UTF8.self)) else { throw Malformed() }
            return .number(number)
        }
    }

    private mutating func string() throws -> String {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw Malformed() }
        index += 1
        var output: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\"") { return String(decoding: output, as: UTF8.self) }
            guard byte == UInt8(ascii: "\\") else {
                output.append(byte)
                continue
            }
            guard index < bytes.count else { throw Malformed() }
            let escaped = bytes[index]
            index += 1
            switch escaped {
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "u"):
                guard index + 4 <= bytes.count,
                    let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
                else { throw Malformed() }
                index += 4
                var scalarValue = code
                // A surrogate pair.
                if (0xD800...0xDBFF).contains(code), index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"),
                    let low = UInt32(String(decoding: bytes[index + 2..<index + 6], as: UTF8.self), radix: 16)
                {
                    index += 6
                    scalarValue = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                output.append(
                    contentsOf: Array(String(Unicode.Scalar(scalarValue).map(Character.init) ?? "\u{FFFD}").utf8))
            default: output.append(escaped)
            }
        }
        throw Malformed()
    }
}

/// One statement of a parse: its tree and where it is in the parsed text.
public struct ParsedStatement: Sendable, Hashable {
    /// The wrapped statement node (`{"CreateStmt": {…}}`).
    public var node: SQLNode
    /// The statement's start, as a UTF-8 byte offset into the parsed text (leading comments included).
    public var byteOffset: Int
    public var byteLength: Int

    public var nodeType: String { node.nodeType ?? "" }
    public var body: SQLNode { node.body ?? .null }
}

/// Why PostgreSQL's grammar rejects the text; `byteOffset` is where (0-based, UTF-8), when known.
public struct SQLParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var byteOffset: Int?
    public var description: String { message }
}

extension SQLGrammar {
    /// Parses `sql` with PostgreSQL's parser (libpg_query's `pg_query_parse`).
    public static func parse(_ sql: String) -> Result<[ParsedStatement], SQLParseError> {
        let bytes = Array(sql.utf8)
        let result = pg_query_parse(sql)
        defer { pg_query_free_parse_result(result) }
        if let error = result.error {
            let message = error.pointee.message.map { String(cString: $0) } ?? "syntax error"
            // cursorpos is a 1-based character (not byte) position.
            let position = Int(error.pointee.cursorpos)
            var offset: Int?
            if position > 0 {
                var characters = 0
                var index = 0
                while index < bytes.count, characters < position - 1 {
                    index += 1
                    while index < bytes.count, bytes[index] & 0xC0 == 0x80 { index += 1 }
                    characters += 1
                }
                offset = index
            }
            return .failure(SQLParseError(message: message, byteOffset: offset))
        }
        var reader = JSONReader(
            Array(UnsafeBufferPointer(start: result.parse_tree, count: result.parse_tree.map { strlen($0) } ?? 0)).map {
                UInt8(bitPattern: $0)
            })
        guard result.parse_tree != nil, let root = try? reader.read(), case .object = root else {
            return .failure(SQLParseError(message: "libpg_query returned no parse tree", byteOffset: nil))
        }
        let statements = (root["stmts"]?.array ?? []).map { entry -> ParsedStatement in
            let start = entry["stmt_location"]?.int ?? 0
            let length = entry["stmt_len"]?.int ?? (bytes.count - start)
            return ParsedStatement(
                node: entry["stmt"] ?? .null, byteOffset: start, byteLength: max(0, min(length, bytes.count - start)))
        }
        return .success(statements)
    }
}
