/// Text routines on the generator's hot paths, for the names and SQL it handles a few thousand times per project.
///
/// Each does what a one-line `Character` or Foundation form would, measured faster: on the 1000-query benchmark
/// (docs/benchmarks.md), `typeName`/`memberName` through `Character` and Foundation's `trimmingCharacters(in:)`
/// (which bridges to `NSString`) were a quarter of `skein generate --offline`'s time. Names and SQL are almost
/// always ASCII, so each takes a byte path when the text is ASCII and keeps the general one otherwise.
enum FastText {
    static func isASCIILetterOrDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || isASCIIDigit(byte)
    }

    static func isASCIIDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    static func isASCIIUppercase(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") }

    /// A scalar PostgreSQL's lexer takes into an identifier: a letter, a digit or `_`.
    static func isIdentifier(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let byte = UInt8(scalar.value)
            return isASCIILetterOrDigit(byte) || byte == UInt8(ascii: "_")
        }
        return scalar.properties.isAlphabetic
    }

    /// Whether `needle` (lowercase ASCII) is at `position` of `scalars`, ASCII letters compared without case.
    /// PostgreSQL folds only ASCII letters in identifiers, so no other scalar matches a letter of the needle.
    static func hasLowercasedPrefix(_ needle: [UInt8], in scalars: [Unicode.Scalar], at position: Int) -> Bool {
        guard position >= 0, position + needle.count <= scalars.count else { return false }
        for (offset, expected) in needle.enumerated() {
            let scalar = scalars[position + offset]
            guard scalar.isASCII else { return false }
            var byte = UInt8(scalar.value)
            if isASCIIUppercase(byte) { byte |= 0x20 }
            if byte != expected { return false }
        }
        return true
    }

    /// The string of `scalars`, built through UTF-8 bytes (appending to a `String.UnicodeScalarView` one scalar at
    /// a time costs several times more).
    static func string(_ scalars: some Collection<Unicode.Scalar>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(scalars.count)
        for scalar in scalars {
            if scalar.isASCII {
                bytes.append(UInt8(scalar.value))
            } else if let encoded = UTF8.encode(scalar) {
                bytes.append(contentsOf: encoded)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `text` without leading and trailing characters for which `drop` holds: Foundation's
    /// `trimmingCharacters(in:)` without the bridge.
    static func trimmed(_ text: some StringProtocol, where drop: (Character) -> Bool) -> String {
        guard let first = text.firstIndex(where: { !drop($0) }), let last = text.lastIndex(where: { !drop($0) })
        else { return "" }
        return String(text[first...last])
    }

    /// Foundation's `.whitespaces`: white space that does not end a line.
    static func isHorizontalSpace(_ character: Character) -> Bool { character.isWhitespace && !character.isNewline }

    /// `user_status` → `UserStatus` as ASCII bytes; `nil` when `name` is not ASCII.
    static func asciiTypeName(_ name: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(name.utf8.count + 1)
        var startsWord = true
        for byte in name.utf8 {
            guard byte < 0x80 else { return nil }
            guard isASCIILetterOrDigit(byte) else {
                startsWord = true
                continue
            }
            out.append(startsWord && byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 0x20 : byte)
            startsWord = false
        }
        if let first = out.first, isASCIIDigit(first) { out.insert(UInt8(ascii: "_"), at: 0) }
        return out
    }

    /// ``asciiTypeName(_:)`` with its leading capital (or leading acronym) lowered: `GetUserByID` →
    /// `getUserByID`, `URLPath` → `urlPath`.
    static func asciiMemberName(_ name: String) -> [UInt8]? {
        guard var camel = asciiTypeName(name) else { return nil }
        guard let first = camel.first, isASCIIUppercase(first) else { return camel }
        var prefixLength = 1
        while prefixLength < camel.count, isASCIIUppercase(camel[prefixLength]),
            prefixLength + 1 == camel.count || isASCIIUppercase(camel[prefixLength + 1])
        {
            prefixLength += 1
        }
        for index in 0..<prefixLength where isASCIIUppercase(camel[index]) { camel[index] |= 0x20 }
        return camel
    }
}
