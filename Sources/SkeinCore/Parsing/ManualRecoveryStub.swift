/// The policy's placeholder Down for a destructive migration that cannot be reversed automatically:
///
/// ```sql
/// -- +goose Down
/// -- Cannot automatically reverse - requires manual data restoration
/// SELECT 'MANUAL_RECOVERY_REQUIRED' as status;
/// ```
///
/// Running such a Down prints OK and deletes the version row while restoring nothing, so the runner
/// refuses to roll back across it, lint accepts it as the only Down without real statements, and
/// verify skips it. This is the one detector all of them use.
public enum ManualRecoveryStub {
    /// The marker literal.
    public static let marker = "MANUAL_RECOVERY_REQUIRED"

    /// Whether one statement is the stub: `SELECT 'MANUAL_RECOVERY_REQUIRED'`, optionally with
    /// `[AS] alias`, optionally ending in `;` (keywords in any case, any white space).
    public static func isStub(_ sql: String) -> Bool {
        // The quoted marker is in every stub: most statements are not read further.
        var text = sql
        guard text.withUTF8({ GoText.contains($0, "'MANUAL_RECOVERY_REQUIRED'") }) else { return false }
        var tokens = Tokens(GoText.trimSpace(sql))
        guard tokens.keyword() == "select", tokens.quotedLiteral() == marker else { return false }
        if tokens.atEnd { return true }
        let afterLiteral = tokens
        if tokens.keyword() == "as" {
            guard tokens.identifier() != nil else { return false }
        } else {
            tokens = afterLiteral
            _ = tokens.identifier()
        }
        _ = tokens.character(";")
        return tokens.atEnd
    }

    /// Whether a Down section is the stub: it has statements and every one of them is the stub.
    public static func isStub(_ section: GooseSection) -> Bool {
        !section.statements.isEmpty && section.statements.allSatisfy { isStub($0.sql) }
    }

    private struct Tokens {
        var scalars: [Unicode.Scalar]
        var position = 0

        init(_ text: String) { scalars = Array(text.unicodeScalars) }

        var atEnd: Bool {
            mutating get {
                skipSpace()
                return position == scalars.count
            }
        }

        mutating func skipSpace() {
            while position < scalars.count, GoText.isSpace(scalars[position]) { position += 1 }
        }

        mutating func identifier() -> String? {
            skipSpace()
            let start = position
            while position < scalars.count,
                scalars[position].properties.isAlphabetic || scalars[position] == "_"
                    || ("0"..."9").contains(scalars[position])
            {
                position += 1
            }
            if position < scalars.count, scalars[position] == "\"", position == start {
                position += 1
                while position < scalars.count, scalars[position] != "\"" { position += 1 }
                guard position < scalars.count else { return nil }
                position += 1
            }
            guard position > start else { return nil }
            return String(String.UnicodeScalarView(scalars[start..<position]))
        }

        mutating func keyword() -> String? { identifier()?.lowercased() }

        mutating func quotedLiteral() -> String? {
            skipSpace()
            guard position < scalars.count, scalars[position] == "'" else { return nil }
            position += 1
            let start = position
            while position < scalars.count, scalars[position] != "'" { position += 1 }
            guard position < scalars.count else { return nil }
            defer { position += 1 }
            return String(String.UnicodeScalarView(scalars[start..<position]))
        }

        mutating func character(_ scalar: Unicode.Scalar) -> Bool {
            skipSpace()
            guard position < scalars.count, scalars[position] == scalar else { return false }
            position += 1
            return true
        }
    }
}
