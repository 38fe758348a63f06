// Go's string functions that goose's parser relies on, with Go's exact rules, so that Skein splits
// files exactly as goose does.

enum GoText {
    /// Go's `unicode.IsSpace` (the Unicode White_Space property, which includes U+0085 and U+00A0).
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace
    }

    /// Go's `strings.TrimSpace`.
    static func trimSpace(_ text: Substring) -> Substring {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return text[text.endIndex...] }
        let last = scalars.lastIndex(where: { !isSpace($0) })!
        return Substring(scalars[first...last])
    }

    static func trimSpace(_ text: String) -> String { String(trimSpace(text[...])) }

    /// Whether the line has anything but white space.
    static func hasContent(_ text: Substring) -> Bool {
        text.unicodeScalars.contains { !isSpace($0) }
    }

    /// Go's `bufio.ScanLines`: lines end at `\n`, one `\r` before it is dropped, a last line without
    /// `\n` counts, and nothing follows a final `\n`.
    /// Each line comes with its length in bytes before the `\r` was dropped (goose's 4 MiB limit counts it).
    static func linesWithRawLength(_ text: String) -> [(line: Substring, rawLength: Int)] {
        var result: [(line: Substring, rawLength: Int)] = []
        let utf8 = text.utf8
        var start = utf8.startIndex
        var index = utf8.startIndex
        func append(_ end: String.Index) {
            var lineEnd = end
            if lineEnd > start, utf8[utf8.index(before: lineEnd)] == UInt8(ascii: "\r") {
                lineEnd = utf8.index(before: lineEnd)
            }
            result.append((text[start..<lineEnd], utf8.distance(from: start, to: end)))
        }
        while index < utf8.endIndex {
            if utf8[index] == UInt8(ascii: "\n") {
                append(index)
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        if start < utf8.endIndex { append(utf8.endIndex) }
        return result
    }
}
