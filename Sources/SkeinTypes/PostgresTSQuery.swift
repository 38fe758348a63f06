import Foundation
public import NIOCore
public import PostgresNIO

/// `tsquery`: a full-text search query, a tree of lexemes joined by `&`, `|`, `!` and `<->` (`<N>`).
///
/// The binary format lists the tree's items in prefix order, each operator followed by its right operand and then
/// its left one; a lexeme carries its weights (a bit each: A 8, B 4, C 2, D 1) and whether it is a prefix (`:*`).
public struct PostgresTSQuery: Sendable, Hashable, Codable, CustomStringConvertible, PostgresBinaryValue {
    /// The weights a lexeme matches (none: all).
    public struct Weights: OptionSet, Sendable, Hashable, Codable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let a = Weights(rawValue: 1 << 3)
        public static let b = Weights(rawValue: 1 << 2)
        public static let c = Weights(rawValue: 1 << 1)
        public static let d = Weights(rawValue: 1 << 0)
    }

    public indirect enum Node: Sendable, Hashable, Codable {
        case lexeme(String, weights: Weights = [], prefix: Bool = false)
        case not(Node)
        case and(Node, Node)
        case or(Node, Node)
        /// `left <distance> right`; `<->` is distance 1.
        case phrase(Node, Node, distance: UInt16 = 1)
    }

    /// The query; `nil` for the empty query (what `to_tsquery` makes of stop words only).
    public var root: Node?

    public init(_ root: Node?) {
        self.root = root
    }

    public static var psqlType: PostgresDataType { PostgresDataType(3615) }
    public static var psqlArrayType: PostgresDataType { PostgresDataType(3645) }
    public static var decodedTypes: [PostgresDataType] { [PostgresDataType(3615)] }

    public init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws {
        let count = Int(try buffer.read(Int32.self))
        guard count >= 0 else { throw PostgresDecodingError.Code.failure }
        var remaining = count
        func node() throws -> Node {
            guard remaining > 0 else { throw PostgresDecodingError.Code.failure }
            remaining -= 1
            switch try buffer.read(UInt8.self) {
            case 1:
                let weights = Weights(rawValue: try buffer.read(UInt8.self))
                let prefix = try buffer.read(UInt8.self) != 0
                guard let end = buffer.readableBytesView.firstIndex(of: 0),
                    let text = buffer.readString(length: end - buffer.readerIndex)
                else { throw PostgresDecodingError.Code.failure }
                buffer.moveReaderIndex(forwardBy: 1)
                return .lexeme(text, weights: weights, prefix: prefix)
            case 2:
                let operation = try buffer.read(UInt8.self)
                let distance: UInt16 = operation == 4 ? try buffer.read(UInt16.self) : 0
                if operation == 1 { return .not(try node()) }
                // The right operand comes first.
                let right = try node()
                let left = try node()
                switch operation {
                case 2: return .and(left, right)
                case 3: return .or(left, right)
                case 4: return .phrase(left, right, distance: distance)
                default: throw PostgresDecodingError.Code.failure
                }
            default:
                throw PostgresDecodingError.Code.failure
            }
        }
        root = count == 0 ? nil : try node()
        guard remaining == 0 else { throw PostgresDecodingError.Code.failure }
    }

    public func write(into buffer: inout ByteBuffer) {
        var items: [(kind: UInt8, write: (inout ByteBuffer) -> Void)] = []
        func add(_ node: Node) {
            switch node {
            case .lexeme(let text, let weights, let prefix):
                items.append(
                    (
                        1,
                        { buffer in
                            buffer.writeInteger(weights.rawValue)
                            buffer.writeInteger(UInt8(prefix ? 1 : 0))
                            buffer.writeString(text)
                            buffer.writeInteger(UInt8(0))
                        }
                    ))
            case .not(let operand):
                items.append((2, { $0.writeInteger(UInt8(1)) }))
                add(operand)
            case .and(let left, let right), .or(let left, let right), .phrase(let left, let right, _):
                let operation: UInt8
                var distance: UInt16?
                switch node {
                case .and: operation = 2
                case .or: operation = 3
                case .phrase(_, _, let length):
                    operation = 4
                    distance = length
                default: operation = 0
                }
                items.append(
                    (
                        2,
                        { buffer in
                            buffer.writeInteger(operation)
                            if let distance { buffer.writeInteger(distance) }
                        }
                    ))
                add(right)
                add(left)
            }
        }
        if let root { add(root) }
        buffer.writeInteger(Int32(items.count))
        for item in items {
            buffer.writeInteger(item.kind)
            item.write(&buffer)
        }
    }

    /// `'fat' & ( 'rat' | 'cat' )`, as PostgreSQL prints it.
    public var description: String {
        root.map { Self.text($0, parent: -1, rightOfPhrase: false) } ?? ""
    }

    private static func priority(_ node: Node) -> Int {
        switch node {
        case .lexeme: 5
        case .not: 4
        case .phrase: 3
        case .and: 2
        case .or: 1
        }
    }

    private static func text(_ node: Node, parent: Int, rightOfPhrase: Bool) -> String {
        let own = priority(node)
        switch node {
        case .lexeme(let text, let weights, let prefix):
            var result = "'"
            for character in text {
                if character == "'" || character == "\\" { result.append(character) }
                result.append(character)
            }
            result += "'"
            if prefix || !weights.isEmpty {
                result += ":" + (prefix ? "*" : "")
                for (weight, letter) in [(Weights.a, "A"), (.b, "B"), (.c, "C"), (.d, "D")]
                where weights.contains(weight) {
                    result += letter
                }
            }
            return result
        case .not(let operand):
            let inner = "!" + text(operand, parent: own, rightOfPhrase: false)
            return own < parent ? "( " + inner + " )" : inner
        case .and(let left, let right), .or(let left, let right), .phrase(let left, let right, _):
            var isPhrase = false
            let symbol: String
            switch node {
            case .and: symbol = "&"
            case .or: symbol = "|"
            case .phrase(_, _, let distance):
                isPhrase = true
                symbol = distance == 1 ? "<->" : "<\(distance)>"
            default: symbol = ""
            }
            let inner =
                text(left, parent: own, rightOfPhrase: false) + " \(symbol) "
                + text(right, parent: own, rightOfPhrase: isPhrase)
            return own < parent || (isPhrase && rightOfPhrase) ? "( " + inner + " )" : inner
        }
    }
}
