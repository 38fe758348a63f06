import SkeinCore

/// goose's `-table` value read with SQL identifier rules, so that Skein and goose mean the same table.
///
/// goose pastes the value into its SQL as it is. Skein splits it on unquoted dots, folds unquoted parts to
/// lower case (as PostgreSQL does), keeps double-quoted parts as written (`""` is a quote), and quotes every
/// part when it builds SQL. Anything else — a semicolon, a space, an empty part, more than two parts — is
/// rejected with a message, since goose would paste it into SQL.
public struct VersionTableName: Sendable, Hashable, CustomStringConvertible {
    /// The schema, or `nil` for the search path's first schema (goose's default).
    public var schema: String?
    public var table: String

    public static let gooseDefault = VersionTableName(schema: nil, table: "goose_db_version")

    public init(schema: String?, table: String) {
        self.schema = schema
        self.table = table
    }

    /// The name quoted for SQL: `"app"."goose_db_version"`.
    public var quoted: String {
        [schema, table].compactMap { $0 }.map(Self.quoteIdentifier).joined(separator: ".")
    }

    /// As the user would write it back.
    public var description: String { quoted }

    /// Quotes an identifier (`SQLIdentifier.quote(_:)`, SkeinCore).
    public static func quoteIdentifier(_ name: String) -> String {
        SQLIdentifier.quote(name)
    }

    /// Reads a `-table` / `version-table` value.
    public static func parse(_ text: String) throws(VersionTableNameError) -> VersionTableName {
        var parts: [String] = []
        var current = ""
        var isQuoted = false
        var partWasQuoted = false
        var scalars = Array(text.unicodeScalars)[...]
        func fail(_ reason: String) -> VersionTableNameError {
            VersionTableNameError(value: text, reason: reason)
        }
        while let scalar = scalars.popFirst() {
            if isQuoted {
                if scalar == "\"" {
                    if scalars.first == "\"" {
                        scalars.removeFirst()
                        current.unicodeScalars.append("\"")
                    } else {
                        isQuoted = false
                    }
                } else {
                    current.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"":
                guard current.isEmpty, !partWasQuoted else { throw fail("a quote may only start a name part") }
                isQuoted = true
                partWasQuoted = true
            case ".":
                guard !current.isEmpty else { throw fail("a name part is empty") }
                parts.append(current)
                current = ""
                partWasQuoted = false
            default:
                guard !partWasQuoted else { throw fail("text follows a closing quote") }
                let isLetter = scalar.properties.isAlphabetic || scalar == "_"
                let isDigit = ("0"..."9").contains(scalar) || scalar == "$"
                guard isLetter || (isDigit && !current.isEmpty) else {
                    throw fail(
                        "\"\(scalar)\" cannot appear in an unquoted name; write the part in double quotes if it is really part of the name"
                    )
                }
                current += String(scalar).lowercased()
            }
        }
        guard !isQuoted else { throw fail("a double quote is not closed") }
        guard !current.isEmpty else { throw fail(text.isEmpty ? "the name is empty" : "a name part is empty") }
        parts.append(current)
        guard parts.count <= 2 else { throw fail("use table or schema.table") }
        return parts.count == 2
            ? VersionTableName(schema: parts[0], table: parts[1]) : VersionTableName(schema: nil, table: parts[0])
    }
}

/// A `-table` value Skein will not paste into SQL.
public struct VersionTableNameError: Error, Sendable, Hashable, CustomStringConvertible {
    public var value: String
    public var reason: String

    public var description: String {
        "invalid version table name \(value.debugDescription): \(reason) (e.g. goose_db_version or app.goose_db_version)"
    }
}
