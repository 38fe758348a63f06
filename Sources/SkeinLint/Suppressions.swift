import Foundation
import SkeinCore

/// Inline suppressions: `-- skein:ignore <rule-id> <reason>` silences a rule on the next statement,
/// `-- skein:ignore-file <rule-id> <reason>` in the whole file. A reason is required, so a suppression says why.
struct Suppressions {
    /// Rules silenced in the whole file.
    private(set) var fileWide: Set<String> = []
    /// Rules silenced on a range of lines (the statement after the comment).
    private(set) var ranges: [(rule: String, lines: ClosedRange<Int>)] = []
    /// Malformed suppressions, reported as errors.
    private(set) var problems: [Diagnostic] = []

    init(_ file: LintFile) {
        // Most files have none: skip the line scan unless the marker is there at all.
        var text = file.text
        guard text.withUTF8({ GoText.contains($0, "skein:ignore") }) else { return }
        // The goose statements of both directions, by start line, with their last line.
        let statements = (file.up + file.down).map(\.statement)
        var spans: [ClosedRange<Int>] = []
        for statement in statements {
            let count = statement.sql.utf8.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            let span = statement.line...(statement.line + count)
            if spans.last != span { spans.append(span) }
        }
        spans.sort { $0.lowerBound < $1.lowerBound }
        for index in file.lineRanges.indices {
            let line = file.line(at: index).trimmingCharacters(in: .whitespaces)
            let isFile = line.hasPrefix("-- skein:ignore-file")
            guard isFile || line.hasPrefix("-- skein:ignore") else { continue }
            let words = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
            let lineNumber = index + 1
            guard words.count == 4 else {
                problems.append(
                    Diagnostic(
                        severity: .error, code: "invalid-suppression",
                        message: "a suppression needs a rule id and a reason: `\(line)`",
                        help: "write `-- skein:ignore <rule-id> <why it is safe here>`",
                        location: SourceLocation(file: file.path, line: lineNumber)))
                continue
            }
            let rule = String(words[2])
            if isFile {
                fileWide.insert(rule)
            } else if let next = spans.first(where: { $0.lowerBound > lineNumber }) {
                ranges.append((rule, next))
            }
        }
    }

    func suppresses(_ finding: LintFinding) -> Bool {
        if fileWide.contains(finding.rule) { return true }
        guard let line = finding.location.line else { return false }
        return ranges.contains { $0.rule == finding.rule && $0.lines.contains(line) }
    }
}
