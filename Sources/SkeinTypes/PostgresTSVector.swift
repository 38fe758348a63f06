import Foundation
public import NIOCore
public import PostgresNIO

/// `tsvector`: sorted, distinct lexemes, each with its positions and weights.
public struct PostgresTSVector: Sendable, Hashable, Codable, CustomStringConvertible, PostgresBinaryValue {
    /// A lexeme's weight: A is the highest, D the default.
    public enum Weight: UInt16, Sendable, Hashable, Codable {
        case d = 0
        case c = 1
        case b = 2
        case a = 3
    }

    /// Where a lexeme occurs (1–16383) and with which weight.
    public struct Position: Sendable, Hashable, Codable {
        public var position: UInt16
        public var weight: Weight

        public init(_ position: UInt16, weight: Weight = .d) {
            self.position = position
            self.weight = weight
        }
    }

    public struct Lexeme: Sendable, Hashable, Codable {
        public var text: String
        public var positions: [Position]

        public init(_ text: String, positions: [Position] = []) {
            self.text = text
            self.positions = positions
        }
    }

    public var lexemes: [Lexeme]

    public init(_ lexemes: [Lexeme]) {
        self.lexemes = lexemes
    }

    public static var psqlType: PostgresDataType { PostgresDataType(3614) }
    public static var psqlArrayType: PostgresDataType { PostgresDataType(3643) }
    public static var decodedTypes: [PostgresDataType] { [PostgresDataType(3614)] }

    public init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws {
        let count = Int(try buffer.read(Int32.self))
        guard count >= 0 else { throw PostgresDecodingError.Code.failure }
        lexemes = try (0..<count).map { _ in
            // The lexeme's text, then a zero byte; then its positions.
            guard let end = buffer.readableBytesView.firstIndex(of: 0),
                let text = buffer.readString(length: end - buffer.readerIndex)
            else { throw PostgresDecodingError.Code.failure }
            buffer.moveReaderIndex(forwardBy: 1)
            let positions = try (0..<Int(try buffer.read(UInt16.self))).map { _ in
                let packed = try buffer.read(UInt16.self)
                return Position(packed & 0x3FFF, weight: Weight(rawValue: packed >> 14) ?? .d)
            }
            return Lexeme(text, positions: positions)
        }
    }

    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(Int32(lexemes.count))
        for lexeme in lexemes {
            buffer.writeString(lexeme.text)
            buffer.writeInteger(UInt8(0))
            buffer.writeInteger(UInt16(lexeme.positions.count))
            for position in lexeme.positions {
                buffer.writeInteger(position.weight.rawValue << 14 | position.position & 0x3FFF)
            }
        }
    }

    /// `'cat':3A 'fat':2,4`, as PostgreSQL prints it.
    public var description: String {
        lexemes.map { lexeme in
            let quoted = "'" + lexeme.text.replacingOccurrences(of: "'", with: "''") + "'"
            guard !lexeme.positions.isEmpty else { return quoted }
            let letters: [Weight: String] = [.a: "A", .b: "B", .c: "C", .d: ""]
            return quoted + ":"
                + lexeme.positions.map { "\($0.position)\(letters[$0.weight] ?? "")" }.joined(separator: ",")
        }.joined(separator: " ")
    }
}
