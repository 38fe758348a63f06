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
