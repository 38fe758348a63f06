import CPgQuery
import Foundation

/// A node of PostgreSQL's parse tree as libpg_query reports it (its JSON form): objects keyed by field name,
/// node objects wrapped in their type name (`{"IndexStmt": {…}}`), arrays, strings, numbers, booleans.
/// Fields at their default value (false, 0, empty) are absent, as in libpg_query's output.
///
/// A node is a position in a ``SQLTree``, the parse's JSON text and an index of its values: reading a node
/// allocates nothing until a string is asked for, and a whole parse is two allocations.
public struct SQLNode: Sendable, Hashable {
    let tree: SQLTree
    let index: Int

    /// The node every absent value reads as: not an object, an array, a string, a number or a boolean.
    public static let null = SQLNode(tree: .null, index: 0)

    /// A field of an object (`nil` when absent or not an object).
    public subscript(_ key: String) -> SQLNode? {
        tree.field(key, of: index).map { SQLNode(tree: tree, index: $0) }
    }

    /// For a wrapped node (`{"IndexStmt": {…}}`), its type name.
    public var nodeType: String? {
        guard tree.isWrappedNode(index) else { return nil }
        return tree.string(at: index + 1)
    }

    /// For a wrapped node, its fields (`{"IndexStmt": X}` → X).
    public var body: SQLNode? {
        tree.isWrappedNode(index) ? SQLNode(tree: tree, index: index + 2) : nil
    }

    /// The value of a string node.
    public var string: String? {
        tree.tokens[index].kind.isString ? tree.string(at: index) : nil
    }

    /// A boolean field: absent means false, as libpg_query leaves out defaults.
    public func flag(_ key: String) -> Bool {
        guard let field = tree.field(key, of: index) else { return false }
        return tree.tokens[field].kind == .true
    }

    /// The value of a number node, truncated to an integer.
    public var int: Int? {
        tree.tokens[index].kind == .number ? tree.integer(at: index) : nil
    }

    /// The elements of an array node (empty for anything else).
    public var array: [SQLNode] {
        tree.elements(of: index).map { SQLNode(tree: tree, index: $0) }
    }

    /// Every wrapped node below (and including) this one, depth first.
    public func descendants() -> [SQLNode] {
        // Values are stored in document order, so the subtree's wrapped nodes are its objects in index order.
        var result: [SQLNode] = []
        let end = Int(tree.tokens[index].end)
        for position in index..<end where tree.isWrappedNode(position) {
            result.append(SQLNode(tree: tree, index: position))
        }
        return result
    }

    /// The names in a `String` list (`[{"String": {"sval": "public"}}, …]`), as in qualified names.
    public var names: [String] {
        array.compactMap { $0["String"]?["sval"]?.string }
    }

    /// Nodes are equal when their values are: the same JSON text (strings: the same decoded text).
    public static func == (lhs: SQLNode, rhs: SQLNode) -> Bool {
        let left = lhs.tree.tokens[lhs.index]
        let right = rhs.tree.tokens[rhs.index]
        if left.kind.isString, right.kind.isString { return lhs.string == rhs.string }
        guard left.kind == right.kind else { return false }
        return lhs.tree.text(of: lhs.index) == rhs.tree.text(of: rhs.index)
    }

    public func hash(into hasher: inout Hasher) {
        let token = tree.tokens[index]
        if token.kind.isString {
            hasher.combine(string)
        } else {
            hasher.combine(token.kind)
            tree.text(of: index).withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }
}

/// One parse's JSON text (libpg_query's output) and an index of its values in document order, which the
/// ``SQLNode``s of the parse point into. Immutable once built.
public final class SQLTree: Sendable {
    /// What a value is.
    enum Kind: UInt8, Hashable {
        case object, array, string, escapedString, number, `true`, `false`, null

        var isString: Bool { self == .string || self == .escapedString }
    }

    /// One value: objects are followed by their fields (a key string, then its value), arrays by their elements.
    struct Token {
        var kind: Kind
        /// The value's first byte in the JSON text; for strings, the first byte after the opening quote.
        var start: Int32
        /// Its length in bytes (strings: between the quotes, escapes as written).
        var length: Int32
        /// The index of the first token after this value and everything in it.
        var end: Int32
    }

    let bytes: [UInt8]
    let tokens: [Token]

    /// A tree holding a single `null`.
    static let null = SQLTree(bytes: Array("null".utf8), tokens: [Token(kind: .null, start: 0, length: 4, end: 1)])

    private init(bytes: [UInt8], tokens: [Token]) {
        self.bytes = bytes
        self.tokens = tokens
    }

    struct Malformed: Error {}

    /// Indexes well-formed UTF-8 JSON (libpg_query's output); the root is token 0.
    convenience init(json bytes: [UInt8]) throws(Malformed) {
        guard bytes.count < Int(Int32.max) else { throw Malformed() }
        let tokens = try bytes.withUnsafeBufferPointer { buffer throws(Malformed) in
            var tokenizer = Tokenizer(bytes: buffer)
            return try tokenizer.run()
        }
        self.init(bytes: bytes, tokens: tokens)
    }

    /// Whether the value at `index` is an object with a single field whose name starts with a capital letter.
    func isWrappedNode(_ index: Int) -> Bool {
        let token = tokens[index]
        guard token.kind == .object, Int(token.end) > index + 2, tokens[index + 2].end == token.end else {
            return false
        }
        let first = bytes[Int(tokens[index + 1].start)]
        return first >= UInt8(ascii: "A") && first <= UInt8(ascii: "Z")
    }

    /// The index of the value of field `key` in the object at `index`.
    func field(_ key: String, of index: Int) -> Int? {
        let object = tokens[index]
        guard object.kind == .object else { return nil }
        let end = Int(object.end)
        var key = key
        return key.withUTF8 { key in
            bytes.withUnsafeBufferPointer { bytes in
                tokens.withUnsafeBufferPointer { tokens in
                    var position = index + 1
                    while position < end {
                        let name = tokens[position]
                        if name.kind == .escapedString {
                            if self.string(at: position).utf8.elementsEqual(key) { return position + 1 }
                        } else if Int(name.length) == key.count,
                            key.isEmpty
                                || memcmp(bytes.baseAddress! + Int(name.start), key.baseAddress!, key.count) == 0
                        {
                            return position + 1
                        }
                        position = Int(tokens[position + 1].end)
                    }
                    return nil
                }
            }
        }
    }

    /// The indexes of the elements of the array at `index` (none for anything else).
    func elements(of index: Int) -> [Int] {
        let array = tokens[index]
        guard array.kind == .array else { return [] }
        var result: [Int] = []
        var position = index + 1
        while position < Int(array.end) {
            result.append(position)
            position = Int(tokens[position].end)
        }
        return result
    }

    /// The JSON text of the value at `index`.
    func text(of index: Int) -> ArraySlice<UInt8> {
        let token = tokens[index]
        return bytes[Int(token.start)..<Int(token.start + token.length)]
    }

    /// The decoded value of the string at `index`.
    func string(at index: Int) -> String {
        let token = tokens[index]
        let range = Int(token.start)..<Int(token.start + token.length)
        return bytes.withUnsafeBufferPointer { bytes in
            let raw = UnsafeBufferPointer(rebasing: bytes[range])
            return token.kind == .escapedString ? Self.unescaped(raw) : String(decoding: raw, as: UTF8.self)
        }
    }

    /// The number at `index` as an integer (truncated, like `Int(Double)`).
    func integer(at index: Int) -> Int? {
        let text = String(decoding: self.text(of: index), as: UTF8.self)
        if let value = Int(text) { return value }
        return Double(text).flatMap { Int(exactly: $0.rounded(.towardZero)) }
    }

    /// A JSON string's text with its escapes resolved.
    static func unescaped(_ raw: UnsafeBufferPointer<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(raw.count)
        var index = 0
        func hex(_ start: Int) -> UInt32? {
            guard start + 4 <= raw.count else { return nil }
            return UInt32(
                String(decoding: UnsafeBufferPointer(rebasing: raw[start..<start + 4]), as: UTF8.self), radix: 16)
        }
        while index < raw.count {
            let byte = raw[index]
            index += 1
            guard byte == UInt8(ascii: "\\"), index < raw.count else {
                output.append(byte)
                continue
            }
            let escaped = raw[index]
            index += 1
            switch escaped {
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "u"):
                guard let code = hex(index) else {
                    output.append(contentsOf: "\u{FFFD}".utf8)
                    index = raw.count
                    continue
                }
                index += 4
                var scalarValue = code
                // A surrogate pair.
                if (0xD800...0xDBFF).contains(code), index + 6 <= raw.count, raw[index] == UInt8(ascii: "\\"),
                    let low = hex(index + 2)
                {
                    index += 6
                    scalarValue = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                output.append(contentsOf: String(Unicode.Scalar(scalarValue).map(Character.init) ?? "\u{FFFD}").utf8)
            default: output.append(escaped)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
