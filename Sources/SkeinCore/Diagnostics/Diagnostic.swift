/// A place in a file: 1-based line and column (columns count Unicode scalars).
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file's path as the user gave it.
    public var file: String
    /// 1-based line, or `nil` when the finding is about the whole file.
    public var line: Int?
    /// 1-based column in Unicode scalars, or `nil` when unknown.
    public var column: Int?

    public init(file: String, line: Int? = nil, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, leaving out what is unknown.
    public var description: String {
        var text = file
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        return text
    }
}

/// How serious a finding is.
public enum Severity: String, Sendable, Hashable, Codable, Comparable, CaseIterable {
    case info
    case warning
    case error

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .error: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// A finding in the user's SQL, file names, configuration or plan.
///
/// Diagnostics are values: a run gathers all of them and reports everything at once, rendered like a
/// compiler's messages:
/// ```
/// migrations/0012_add_index.sql:3:1: error[syntax]: …
///   help: …
/// ```
public struct Diagnostic: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var severity: Severity
    /// A stable kebab-case id (`duplicate-version`, `missing-file`, …).
    public var code: String
    public var message: String
    /// What to do about it; `nil` when there is nothing useful to say.
    public var help: String?
    public var location: SourceLocation?
    /// What goose v3.17's command line prints for the same problem (after `goose run: `), where it has words for
    /// it; Skein's goose grammar prints it as its last line.
    public var gooseMessage: String?

    public init(
        severity: Severity, code: String, message: String, help: String? = nil, location: SourceLocation? = nil,
        gooseMessage: String? = nil
    ) {
        self.severity = severity
        self.code = code
        self.message = message
        self.help = help
        self.location = location
        self.gooseMessage = gooseMessage
    }

    /// The compiler-style rendering: `file:line: severity[code]: message` and an indented `help:` line.
    public var description: String {
        var text = ""
        if let location { text += "\(location): " }
        text += "\(severity.rawValue)[\(code)]: \(message)"
        if let help { text += "\n  help: \(help)" }
        return text
    }
}

extension Array where Element == Diagnostic {
    /// Whether any diagnostic is an error.
    public var hasErrors: Bool { contains { $0.severity == .error } }
}
