import Foundation
import SkeinCore
import SkeinSQL

/// Lines meant as goose annotations that goose v3.17 reads as plain comments. goose takes a line as an
/// annotation only when it starts with `--` in its first column and the rest, trimmed of white space, is exactly
/// `+goose Up`, `+goose Down`, `+goose StatementBegin`, `+goose StatementEnd` or `+goose NO TRANSACTION` (Skein
/// also reads v3.18's `+goose ENVSUB ON` / `OFF`). So `--+goose Up` works, while `-- +goose up`, `-- +goos Up`,
/// `-- +goose StatementBegin -- note` and an indented `  -- +goose Down` are silently ignored.
struct IgnoredGooseAnnotationRule: LintRule {
    static let info = LintRuleInfo(
        id: "ignored-goose-annotation", defaultSeverity: .error,
        summary:
            "a line meant as a goose annotation that goose v3.17 ignores (wrong case, misspelled, indented, extra words)",
        policy: "Required Directives: -- +goose Up, -- +goose Down, -- +goose StatementBegin/StatementEnd")

    var rules: [LintRuleInfo] { [Self.info] }

    /// What follows `--` in the annotations goose reads, exactly.
    static let annotations = [
        "+goose Up", "+goose Down", "+goose StatementBegin", "+goose StatementEnd", "+goose NO TRANSACTION",
        "+goose ENVSUB ON", "+goose ENVSUB OFF",
    ]

    /// ``annotations`` as UTF-8.
    private static let annotationBytes = annotations.map { Array($0.utf8) }

    /// Whether a line is an annotation goose reads: `--` in its first column, then exactly one of
    /// ``annotations`` between white space.
    static func isAnnotation(_ bytes: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) -> Bool {
        guard line.count >= 2, bytes[line.lowerBound] == UInt8(ascii: "-"),
            bytes[line.lowerBound + 1] == UInt8(ascii: "-")
        else { return false }
        let comment = UnsafeBufferPointer(
            rebasing: bytes[GoText.trimSpace(bytes, line.lowerBound + 2..<line.upperBound)])
        return annotationBytes.contains { $0.elementsEqual(comment) }
    }

    /// The annotations' words without `+goose`, lower-cased and without spaces, for recognizing misspellings.
    private static let keywords = Dictionary(
        uniqueKeysWithValues: annotations.map { annotation in
            (annotation.dropFirst("+goose ".count).lowercased().filter { !$0.isWhitespace }, annotation)
        })

    static func trimSpace(_ text: Substring) -> Substring {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return text[text.endIndex...] }
        return Substring(scalars[first...last])
    }

    /// The annotation a comment (the text after `--`, trimmed) was meant to be, or `nil` for an ordinary comment.
    /// Returns `+goose` alone for an unrecognized `+goose …` line.
    static func intendedAnnotation(_ comment: Substring) -> String? {
        if let exact = annotations.first(where: { $0 == comment }) { return exact }
        let squeezed = comment.lowercased().filter { !$0.isWhitespace && $0 != "-" && $0 != "_" }
        let hasPlus = squeezed.hasPrefix("+")
        let rest = Array(hasPlus ? squeezed.dropFirst() : Substring(squeezed))
        // `goose` itself, then (with `+`) a near miss of it: `goos`, `gooose`, `gose`.
        let prefixLengths = hasPlus ? [5, 4, 6] : [5]
        for length in prefixLengths where rest.count >= length {
            let prefix = String(rest[..<length])
            guard prefix == "goose" || (hasPlus && distance(prefix, "goose") <= 1) else { continue }
            let word = String(rest[length...])
            if let annotation = keywords[word] { return annotation }
            guard hasPlus else { continue }
            let nearest = keywords.keys.filter { $0.count >= 4 }.map { (distance(word, $0), $0) }.min { $0 < $1 }
            if let (edits, keyword) = nearest, edits <= (keyword.count >= 8 ? 2 : 1) {
                return keywords[keyword]
            }
            // `-- +goose Up: create users`, `-- +goose StatementBegin -- the trigger`.
            if let match = keywords.sorted(by: { $0.key.count > $1.key.count }).first(where: {
                word.hasPrefix($0.key)
            }) {
                return match.value
            }
            if hasPlus && prefix == "goose" { return "+goose" }
        }
        return nil
    }

    /// Edit distance with adjacent transpositions (`dwon` is one edit from `down`).
    static func distance(_ lhs: String, _ rhs: String) -> Int {
        let a = Array(lhs)
        let b = Array(rhs)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        var findings: [LintFinding] = []
        // Only lines with a `--` can hold an annotation, and the annotations goose reads are most of them: find
        // the others in the bytes before reading Characters.
        let candidates = file.withUTF8 { bytes in
            file.lineRanges.indices.filter {
                GoText.contains(UnsafeBufferPointer(rebasing: bytes[file.lineRanges[$0]]), "--")
                    && !Self.isAnnotation(bytes, file.lineRanges[$0])
            }
        }
        for offset in candidates {
            let rawLine = file.line(at: offset)
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            let trimmed = Self.trimSpace(line)
            guard trimmed.hasPrefix("--") else { continue }
            let comment = Self.trimSpace(trimmed.dropFirst(2))
            let indented = !line.hasPrefix("--")
            if !indented, Self.annotations.contains(where: { $0 == comment }) { continue }
            guard let intended = Self.intendedAnnotation(comment) else { continue }
            let column = line.unicodeScalars.distance(from: line.startIndex, to: trimmed.startIndex) + 1
            let written = "`" + String(trimmed) + "`"
            let message: String
            let hint: String
            if indented, intended == String(comment) {
                message =
                    "\(written) is indented, and goose v3.17 only reads annotations that start in the first column: it treats this line as a comment"
                hint = "move `-- \(intended)` to the start of the line"
            } else if intended == "+goose" {
                message =
                    "\(written) is not an annotation goose v3.17 knows, so it treats the line as a comment"
                hint =
                    "goose reads exactly `-- +goose Up`, `-- +goose Down`, `-- +goose StatementBegin`, `-- +goose StatementEnd` and `-- +goose NO TRANSACTION` (case and spelling matter, nothing after them)"
            } else {
                message =
                    "\(written) looks like `-- \(intended)`, but goose v3.17 matches annotations exactly (case, spelling, nothing after them), so it treats this line as a comment"
                hint = "write `-- \(intended)` exactly, at the start of the line"
            }
            findings.append(
                Self.info.finding(
                    message, hint: hint,
                    at: file.location(line: offset + 1, column: column)))
        }
        return findings
    }
}
