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

    func replacingBackslashesAndQuotes() -> String {
        var result = ""
        for character in self {
            if character == "\\" || character == "'" { result.append("\\") }
            result.append(character)
        }
        return result
    }
}

extension ConnectionString {
    /// `text` with any password hidden, whether or not it parses: a URL's `user:password@` becomes
    /// `user:xxxxxx@`, a `password=…` keyword's value becomes `xxxxxx`. For messages about strings that could
    /// not be parsed (a parsed one masks itself in ``description``).
    public static func masked(_ text: String) -> String {
        var result = text
        // URL user info: scheme://user:password@host
        if let scheme = result.range(of: "://"),
            let at = result[scheme.upperBound...].range(of: "@"),
            let colon = result[scheme.upperBound..<at.lowerBound].range(of: ":")
        {
            result.replaceSubrange(colon.upperBound..<at.lowerBound, with: "xxxxxx")
        }
        // key=value: password=secret or password='se cret'
        var searchStart = result.startIndex
        while let key = result.range(of: "password", options: [.caseInsensitive], range: searchStart..<result.endIndex)
        {
            var index = key.upperBound
            while index < result.endIndex, result[index] == " " { index = result.index(after: index) }
            guard index < result.endIndex, result[index] == "=" else {
                searchStart = key.upperBound
                continue
            }
            index = result.index(after: index)
            while index < result.endIndex, result[index] == " " { index = result.index(after: index) }
            var end = index
            if end < result.endIndex, result[end] == "'" {
                end = result.index(after: end)
                while end < result.endIndex, result[end] != "'" {
                    if result[end] == "\\" { end = result.index(after: end) }
                    if end < result.endIndex { end = result.index(after: end) }
                }
                if end < result.endIndex { end = result.index(after: end) }
            } else {
                while end < result.endIndex, result[end] != " ", result[end] != "&" { end = result.index(after: end) }
            }
            result.replaceSubrange(index..<end, with: "xxxxxx")
            searchStart = result.index(index, offsetBy: 6, limitedBy: result.endIndex) ?? result.endIndex
        }
        return result
    }
}
