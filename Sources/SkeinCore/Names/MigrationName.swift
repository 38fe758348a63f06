/// What kind of migration a file is, by its extension.
public enum MigrationKind: String, Sendable, Hashable, Codable {
    /// A goose SQL migration (`.sql`), which Skein runs.
    case sql
    /// A goose Go migration (`.go`), which Skein lists but cannot run.
    case go
}

/// A migration file name as goose reads it: the version is the digits before the first `_`
/// (goose's `NumericComponent`), the extension `.sql` or `.go`.
public struct MigrationName: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file name without directories, e.g. `20240115143022_add_user_authentication.sql`.
    public var fileName: String
    /// The version goose uses: an Int64 greater than zero.
    public var version: Int64
    /// The text between the first `_` and the extension, e.g. `add_user_authentication`.
    public var description: String
    public var kind: MigrationKind

    public init(fileName: String, version: Int64, description: String, kind: MigrationKind) {
        self.fileName = fileName
        self.version = version
        self.description = description
        self.kind = kind
    }

    /// Why goose does not accept a file name as a migration.
    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        case unsupportedExtension
        case missingSeparator
        case versionNotANumber(String)
        case versionNotPositive(Int64)

        public var description: String {
            switch self {
            case .unsupportedExtension: "migration file does not have .sql or .go file extension"
            case .missingSeparator: "no filename separator '_' found"
            case .versionNotANumber(let text): "the version \"\(text)\" before the first '_' is not a 64-bit integer"
            case .versionNotPositive: "migration version must be greater than zero"
            }
        }
    }

    /// Reads `fileName` (a bare name or a path; only the last component counts) exactly as goose
    /// v3.17.0's `NumericComponent` does, including Go's `ParseInt` accepting a leading `+`.
    public static func parse(_ fileName: String) -> Result<MigrationName, Problem> {
        let base =
            lastComponentOfASCIIPath(fileName, omittingEmpty: false)
            ?? fileName.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? fileName
        let kind: MigrationKind
        let stem: Substring
        if base.hasSuffix(".sql") {
            kind = .sql
            stem = base.dropLast(4)
        } else if base.hasSuffix(".go") {
            kind = .go
            stem = base.dropLast(3)
        } else {
            return .failure(.unsupportedExtension)
        }
        guard let separator = base.firstIndex(of: "_") else { return .failure(.missingSeparator) }
        let digits = base[..<separator]
        guard let version = parseGoInt64(digits) else { return .failure(.versionNotANumber(String(digits))) }
        guard version >= 1 else { return .failure(.versionNotPositive(version)) }
        let afterSeparator = base.index(after: separator)
        let descriptionText = afterSeparator <= stem.endIndex ? String(base[afterSeparator..<stem.endIndex]) : ""
        return .success(MigrationName(fileName: base, version: version, description: descriptionText, kind: kind))
    }

    /// The text after the last `/` of an ASCII path (where bytes and Characters agree), without splitting
    /// it into components; `nil` for a path with non-ASCII text (the caller splits by Characters).
    /// `omittingEmpty`: trailing slashes are skipped, and a path of slashes only is returned whole.
    static func lastComponentOfASCIIPath(_ path: String, omittingEmpty: Bool) -> String? {
        var path = path
        return path.withUTF8 { bytes -> String? in
            var end = bytes.count
            var index = 0
            while index < end {
                if bytes[index] >= 0x80 { return nil }
                index += 1
            }
            if omittingEmpty {
                while end > 0, bytes[end - 1] == UInt8(ascii: "/") { end -= 1 }
                if end == 0 { return String(decoding: bytes, as: UTF8.self) }
            }
            var start = end
            while start > 0, bytes[start - 1] != UInt8(ascii: "/") { start -= 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
    }

    /// Go's `strconv.ParseInt(s, 10, 64)`: optional sign, ASCII digits, no underscores, no overflow.
    static func parseGoInt64(_ text: Substring) -> Int64? {
        var body = text
        var negative = false
        if let first = body.first, first == "+" || first == "-" {
            negative = first == "-"
            body = body.dropFirst()
        }
        guard !body.isEmpty, body.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        guard let magnitude = UInt64(body) else { return nil }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }
}

/// The policy's file-name rules: `YYYYMMDDHHMMSS_description.sql` with a real calendar date and
/// time and a lowercase snake_case description.
public enum MigrationNamePolicy {
    /// The stable ids of the naming findings (shared with `skein lint`).
    public enum Rule: String, Sendable, CaseIterable {
        case format = "migration-name-format"
        case timestamp = "migration-name-timestamp"
        case snakeCase = "migration-name-snake-case"
        case length = "migration-name-length"
        case verb = "migration-name-verb"
    }

    /// The longest description the policy's "under 50 characters" allows.
    public static let maximumDescriptionLength = 50

    /// The policy's "Action-oriented" verbs; one list shared by `create`, `validate` and lint.
    public static let actionVerbs: [String] = [
        "add", "alter", "archive", "attach", "backfill", "change", "clean", "convert", "create", "delete",
        "deprecate", "detach", "disable", "drop", "enable", "extend", "fix", "grant", "index", "initial",
        "insert", "merge", "migrate", "modify", "move", "normalize", "partition", "populate", "purge",
        "rebuild", "refresh", "reindex", "remove", "rename", "replace", "restore", "revoke", "seed", "set",
        "split", "truncate", "update", "upgrade", "validate",
    ]

    /// A timestamp version's calendar parts.
    public struct Timestamp: Sendable, Hashable {
        public var year, month, day, hour, minute, second: Int
    }

    /// Reads a 14-digit `YYYYMMDDHHMMSS` version; `nil` if the digits are not a real date and time
    /// (month 01–12, a day that exists in that month, hour 00–23, minute and second 00–59).
    public static func timestamp(fromDigits digits: Substring) -> Timestamp? {
        guard digits.utf8.count == 14, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let values = Array(digits.utf8).map { Int($0 - 0x30) }
        func number(_ from: Int, _ count: Int) -> Int { values[from..<from + count].reduce(0) { $0 * 10 + $1 } }
        let stamp = Timestamp(
            year: number(0, 4), month: number(4, 2), day: number(6, 2), hour: number(8, 2), minute: number(10, 2),
            second: number(12, 2))
        guard (1...12).contains(stamp.month), stamp.year >= 1,
            (1...daysIn(month: stamp.month, year: stamp.year)).contains(stamp.day),
            (0...23).contains(stamp.hour), (0...59).contains(stamp.minute), (0...59).contains(stamp.second)
        else { return nil }
        return stamp
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Whether the description is lowercase ASCII snake_case: `[a-z0-9]+(_[a-z0-9]+)*`.
    public static func isSnakeCase(_ description: String) -> Bool {
        let bytes = description.utf8
        guard let first = bytes.first, isLowercaseLetter(first), bytes.last != UInt8(ascii: "_") else { return false }
        var previous = first
        for byte in bytes {
            if byte == UInt8(ascii: "_") {
                if previous == UInt8(ascii: "_") { return false }
            } else if !isLowercaseLetter(byte) && !(byte >= 0x30 && byte <= 0x39) {
                return false
            }
            previous = byte
        }
        return true
    }

    private static func isLowercaseLetter(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }

    /// The policy's spelling of a free-form name: words split at spaces, hyphens, punctuation and
    /// camelCase humps, lowercased, joined with `_`; non-ASCII letters are dropped. `AddUserTable`
    /// → `add_user_table`, `add user-table` → `add_user_table`.
    public static func snakeCased(_ name: String) -> String {
        var words: [String] = []
        var current = ""
        var previous: Character?
        let characters = Array(name)
        for (index, character) in characters.enumerated() {
            let isASCIIAlphanumeric = character.isASCII && (character.isLetter || character.isNumber)
            guard isASCIIAlphanumeric else {
                if !current.isEmpty { words.append(current) }
                current = ""
                previous = nil
                continue
            }
            if character.isUppercase, let previous {
                let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) {
                    words.append(current)
                    current = ""
                }
            }
            current += character.lowercased()
            previous = character
        }
        if !current.isEmpty { words.append(current) }
        return words.joined(separator: "_")
    }

    /// Every naming finding for one file name (an empty array when the name follows the policy).
    /// - Parameters:
    ///   - fileName: the file's name, or a path: only its last component is checked.
    ///   - location: where to report the findings (the file's path as given).
    public static func check(fileName: String, location: SourceLocation) -> [Diagnostic] {
        let base =
            MigrationName.lastComponentOfASCIIPath(fileName, omittingEmpty: true)
            ?? fileName.split(separator: "/").last.map(String.init) ?? fileName
        let example = "20240115143022_add_user_authentication.sql"
        guard base.hasSuffix(".sql"), let separator = base.firstIndex(of: "_") else {
            return [
                Diagnostic(
                    severity: .error, code: Rule.format.rawValue,
                    message: "\"\(base)\" does not follow the pattern YYYYMMDDHHMMSS_description.sql",
                    help: "rename it like \(example)", location: location)
            ]
        }
        let digits = base[..<separator]
        let description = String(base[base.index(after: separator)..<base.index(base.endIndex, offsetBy: -4)])
        var findings: [Diagnostic] = []
        if digits.utf8.count != 14 || !digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            findings.append(
                Diagnostic(
                    severity: .error, code: Rule.format.rawValue,
                    message:
                        "\"\(base)\" has version \"\(digits)\"; the policy requires a 14-digit timestamp YYYYMMDDHHMMSS",
                    help:
                        "rename it to <UTC timestamp>_\(snakeCased(description).isEmpty ? "description" : snakeCased(description)).sql, e.g. \(example) (skein create NAME writes one)",
                    location: location))
        } else if timestamp(fromDigits: digits) == nil {
            findings.append(
                Diagnostic(
                    severity: .error, code: Rule.timestamp.rawValue,
                    message:
                        "\"\(digits)\" in \"\(base)\" is not a real date and time (YYYY MM 01-12 DD HH 00-23 MM 00-59 SS 00-59)",
                    help: "use the UTC date and time the migration was written", location: location))
        }
        if description.isEmpty {
            findings.append(
                Diagnostic(
                    severity: .error, code: Rule.format.rawValue,
                    message: "\"\(base)\" has no description after the timestamp",
                    help: "describe the change, e.g. \(example)", location: location))
        } else if !isSnakeCase(description) {
            let fixed = snakeCased(description)
            findings.append(
                Diagnostic(
                    severity: .error, code: Rule.snakeCase.rawValue,
                    message:
                        "description \"\(description)\" is not lowercase snake_case (no spaces, capitals, hyphens or other characters)",
                    help: fixed.isEmpty
                        ? "use lowercase words joined by underscores" : "rename it to \(digits)_\(fixed).sql",
                    location: location))
        }
        findings += descriptionWarnings(description, location: location)
        return findings
    }

    /// The policy's "should" rules for a description: under 50 characters and starting with an action
    /// verb (warnings).
    public static func descriptionWarnings(_ description: String, location: SourceLocation?) -> [Diagnostic] {
        guard !description.isEmpty else { return [] }
        var findings: [Diagnostic] = []
        if description.count > maximumDescriptionLength {
            findings.append(
                Diagnostic(
                    severity: .warning, code: Rule.length.rawValue,
                    message:
                        "description \"\(description)\" is \(description.count) characters; the policy asks for under \(maximumDescriptionLength)",
                    help: "shorten it; details belong in a comment inside the file", location: location))
        }
        // A snake_case description is its own snakeCased spelling.
        let words = isSnakeCase(description) ? description : snakeCased(description)
        let firstWord = String(words.utf8.split(separator: UInt8(ascii: "_")).first.map { Substring($0) } ?? "")
        if !actionVerbs.contains(firstWord) {
            findings.append(
                Diagnostic(
                    severity: .warning, code: Rule.verb.rawValue,
                    message: "description \"\(description)\" does not start with an action verb",
                    help:
                        "start with one of: \(actionVerbs.prefix(12).joined(separator: ", ")), …  (e.g. create_users_table)",
                    location: location))
        }
        return findings
    }
}
