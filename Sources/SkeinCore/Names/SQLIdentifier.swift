/// SQL identifiers.
public enum SQLIdentifier {
    /// The one identifier quoting function: wraps in `"` and doubles any `"` (`odd"name` → `"odd""name"`).
    public static func quote(_ name: String) -> String {
        var result = "\""
        for character in name {
            if character == "\"" { result += "\"\"" } else { result.append(character) }
        }
        return result + "\""
    }

    /// A qualified name, each part quoted: `["app", "Orders"]` → `"app"."Orders"`.
    public static func quote(path parts: [String]) -> String {
        parts.map(quote).joined(separator: ".")
    }
}
