import Foundation

extension SwiftEmitter {
    // MARK: - Names and literals

    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
        "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public", "rethrows",
        "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue", "default", "defer",
        "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "throw", "switch", "where",
        "while", "Any", "as", "false", "is", "nil", "self", "Self", "super", "throws", "true", "try", "package",
        "Type", "Protocol",
    ]

    /// A field's name as an argument label in a declaration: every keyword but `inout`, `var` and `let` may be one
    /// as it is (in a call, all may).
    static func label(_ name: String) -> String {
        ["inout", "var", "let"].contains(name) ? "`\(name)`" : name
    }

    /// `name: Type` in a parameter list; `self` cannot name the parameter (it would hide `self`), so the label
    /// gets another parameter name.
    /// `optionalDefault`: an Optional parameter defaults to `nil` (query parameters; not a row's or model's fields).
    static func parameter(_ name: String, _ type: String, optionalDefault: Bool = false) -> String {
        let suffix = optionalDefault && type.hasSuffix("?") ? " = nil" : ""
        return (name == "self" ? "self self_: \(type)" : "\(label(name)): \(type)") + suffix
    }

    /// The value of the parameter ``parameter(_:_:)`` declared.
    static func argument(_ name: String) -> String {
        name == "self" ? "self_" : identifier(name)
    }

    /// A name usable as a Swift identifier: keywords in backticks.
    static func identifier(_ name: String) -> String {
        keywords.contains(name) ? "`\(name)`" : name
    }

    /// An enum label as a case name: `in-progress` → `inProgress`, `2fa` → `_2fa`.
    static func caseName(_ label: String) -> String {
        let cleaned = String(label.map { $0.isLetter || $0.isNumber ? $0 : "_" })
        if cleaned.allSatisfy({ $0 == "_" }) { return "empty" }
        var name = QueryAnalyzer.memberName(cleaned)
        if let first = name.first, first.isNumber { name = "_" + name }
        return name
    }

    static func stringLiteral(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// A raw multi-line literal holding `text` exactly (with as many `#` as it needs).
    static func multilineLiteral(_ text: String, indent: String) -> String {
        // One `#` more than the longest run of `#` after a `"` or a backslash in the text.
        var hashes = 1
        let bytes = Array(text.utf8)
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            var run = 0
            while index + 1 + run < bytes.count, bytes[index + 1 + run] == UInt8(ascii: "#") { run += 1 }
            hashes = max(hashes, run + 1)
        }
        let delimiter = String(repeating: "#", count: hashes)
        // Lines split on the byte: the query's SQL has no "\r\n" (the query file's lines lose their "\r").
        let lines: [String] =
            bytes.contains(UInt8(ascii: "\r"))
            ? text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : indent + $0 }
            : bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map {
                $0.isEmpty ? "" : indent + String(decoding: $0, as: UTF8.self)
            }
        return delimiter + "\"\"\"\n" + lines.joined(separator: "\n") + "\n" + indent + "\"\"\"" + delimiter
    }
}
