import CPgQuery
import Foundation

/// Indexes JSON text into ``SQLTree/Token``s, without recursion (parse trees nest deeply).
struct Tokenizer {
    typealias Token = SQLTree.Token
    typealias Malformed = SQLTree.Malformed

    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    var tokens: [Token] = []
    /// The containers not yet closed, innermost last.
    var open: [Int] = []

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        // libpg_query's JSON has a value every 10–20 bytes.
        tokens.reserveCapacity(bytes.count / 12 + 16)
    }

    mutating func run() throws(Malformed) -> [Token] {
        while true {
            try value()
            // After a value: close containers, or go on to the next member.
            while true {
                skipSpace()
                guard let container = open.last else {
                    guard index == bytes.count else { throw Malformed() }
                    return tokens
                }
                guard index < bytes.count else { throw Malformed() }
                let byte = bytes[index]
                let isObject = tokens[container].kind == .object
                if byte == UInt8(ascii: ",") {
                    index += 1
                    if isObject { try key() }
                    break
                }
                guard byte == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { throw Malformed() }
                index += 1
                close(container)
            }
        }
    }

    private mutating func close(_ container: Int) {
        tokens[container].length = Int32(index) - tokens[container].start
        tokens[container].end = Int32(tokens.count)
        open.removeLast()
    }

    private mutating func skipSpace() {
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09
        {
            index += 1
        }
    }

    /// An object member's name and its `:`.
    private mutating func key() throws(Malformed) {
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw Malformed() }
        try string()
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw Malformed() }
        index += 1
    }

    /// Reads one value; a container is only opened (its members follow, `run` closes it).
    private mutating func value() throws(Malformed) {
        skipSpace()
        guard index < bytes.count else { throw Malformed() }
        let start = index
        switch bytes[index] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let isObject = bytes[index] == UInt8(ascii: "{")
            index += 1
            open.append(tokens.count)
            tokens.append(Token(kind: isObject ? .object : .array, start: Int32(start), length: 0, end: 0))
            skipSpace()
            if index < bytes.count, bytes[index] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                index += 1
                close(tokens.count - 1)
            } else if isObject {
                try key()
                try value()
            } else {
                try value()
            }
        case UInt8(ascii: "\""):
            try string()
        case UInt8(ascii: "t"):
            try literal("true", .true)
        case UInt8(ascii: "f"):
            try literal("false", .false)
        case UInt8(ascii: "n"):
            try literal("null", .null)
        default:
            while index < bytes.count, Self.isNumberByte(bytes[index]) { index += 1 }
            guard index > start else { throw Malformed() }
            tokens.append(
                Token(kind: .number, start: Int32(start), length: Int32(index - start), end: Int32(tokens.count + 1)))
        }
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }

    private mutating func literal(_ word: StaticString, _ kind: SQLTree.Kind) throws(Malformed) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count,
            memcmp(bytes.baseAddress! + index, word.utf8Start, count) == 0
        else { throw Malformed() }
        tokens.append(Token(kind: kind, start: Int32(index), length: Int32(count), end: Int32(tokens.count + 1)))
        index += count
    }

    /// A string at `index` (its opening quote).
    private mutating func string() throws(Malformed) {
        index += 1
        let start = index
        var escaped = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                tokens.append(
                    Token(
                        kind: escaped ? .escapedString : .string, start: Int32(start), length: Int32(index - start),
                        end: Int32(tokens.count + 1)))
                index += 1
                return
            }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                index += 1
            }
            index += 1
        }
        throw Malformed()
    }
}
