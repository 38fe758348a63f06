import Foundation

/// Why a connection string cannot be used; never contains the password.
public struct ConnectionStringError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case syntax
        case unknownKeyword = "unknown-keyword"
        case invalidValue = "invalid-value"
    }

    public var kind: Kind
    public var message: String
    public var help: String

    init(_ kind: Kind, _ message: String, help: String) {
        self.kind = kind
        self.message = message
        self.help = help
    }

    public var description: String { "invalid connection string: \(message) (\(help))" }
}

extension String {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }

    /// A backslash before each backslash and quote, scalar by scalar: a quote followed by a combining mark is one
    /// `Character`, but still a quote to libpq.
    func replacingBackslashesAndQuotes() -> String {
        var result = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            if scalar == "\\" || scalar == "'" { result.append("\\") }
            result.append(scalar)
        }
        return String(result)
    }
}

extension ConnectionString {
    /// `text` with any password hidden, whether or not it parses: a URL's `user:password@` becomes
    /// `user:xxxxxx@`, a `password=…` keyword's value becomes `xxxxxx`. For messages about strings that could
    /// not be parsed (a parsed one masks itself in ``description``).
    public static func masked(_ text: String) -> String {
        // On the UTF-8 bytes, with libpq's white space (a quote or a space followed by a combining mark is still a
        // quote or a space to libpq). The ranges to hide are all found in the text as given, then replaced.
        let bytes = Array(text.utf8)
        var hidden: [Range<Int>] = []
        // URL user info as libpq finds it: scheme://user:password@host, when an @ comes before any /. The keyword
        // search below skips it (a `password=` in the user name would hide past the @). Only a text that starts with
        // a scheme is a URL: in `dbname=x://u password=…` the :// is inside a value.
        var userInfo = 0..<0
        if let scheme = urlScheme(bytes),
            let at = bytes[scheme.upperBound...].firstIndex(where: {
                $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: "/")
            }),
            bytes[at] == UInt8(ascii: "@")
        {
            userInfo = scheme.upperBound..<at
            if let colon = bytes[userInfo].firstIndex(of: UInt8(ascii: ":")) { hidden.append(colon + 1..<at) }
        }
        // key=value: password=secret, password = 'se cret', pass\ word; a URI's ?password=secret&…
        let keyword = Array("password".utf8)
        var index = 0
        while index + keyword.count <= bytes.count {
            guard !userInfo.contains(index),
                bytes[index..<index + keyword.count].elementsEqual(keyword, by: { $0 | 0x20 == $1 })
            else {
                index += 1
                continue
            }
            var position = index + keyword.count
            while position < bytes.count, isSpace(bytes[position]) { position += 1 }
            guard position < bytes.count, bytes[position] == UInt8(ascii: "=") else {
                index += 1
                continue
            }
            position += 1
            while position < bytes.count, isSpace(bytes[position]) { position += 1 }
            let start = position
            if position < bytes.count, bytes[position] == UInt8(ascii: "'") {
                position += 1
                while position < bytes.count, bytes[position] != UInt8(ascii: "'") {
                    position += bytes[position] == UInt8(ascii: "\\") ? 2 : 1
                }
                position += 1
            } else {
                while position < bytes.count, !isSpace(bytes[position]), bytes[position] != UInt8(ascii: "&") {
                    position += bytes[position] == UInt8(ascii: "\\") ? 2 : 1
                }
            }
            let end = min(position, bytes.count)
            hidden.append(start..<end)
            index = max(end, index + 1)
        }
        // Overlapping ranges become one; each is replaced, from the last, so the earlier ones stay where they are.
        var merged: [Range<Int>] = []
        for range in hidden.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, range.lowerBound < last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        var result = bytes
        for range in merged.reversed() { result.replaceSubrange(range, with: Array("xxxxxx".utf8)) }
        return String(decoding: result, as: UTF8.self)
    }

    /// Where `scheme://` is when the text (after white space) starts with one: a letter, then letters, digits,
    /// `+`, `-` or `.` (RFC 3986).
    private static func urlScheme(_ bytes: [UInt8]) -> Range<Int>? {
        func isLetter(_ byte: UInt8) -> Bool { (0x61...0x7A).contains(byte | 0x20) }
        var index = 0
        while index < bytes.count, isSpace(bytes[index]) { index += 1 }
        let start = index
        guard start < bytes.count, isLetter(bytes[start]) else { return nil }
        while index < bytes.count,
            isLetter(bytes[index]) || (0x30...0x39).contains(bytes[index]) || [0x2B, 0x2D, 0x2E].contains(bytes[index])
        {
            index += 1
        }
        guard bytes[index...].starts(with: Array("://".utf8)) else { return nil }
        return start..<index + 3
    }
}
