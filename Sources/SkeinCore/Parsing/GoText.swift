import Foundation

// Go's string functions that goose's parser relies on, with Go's exact rules, so that Skein splits
// files exactly as goose does.
//
// The parser works on UTF-8 bytes (files are validated as UTF-8 before they are parsed): ASCII, which is
// nearly all of SQL, is decided byte by byte, and only non-ASCII bytes are decoded into scalars.

package enum GoText {
    /// Go's `unicode.IsSpace` (the Unicode White_Space property, which includes U+0085 and U+00A0).
    @inline(__always)
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x80 ? isASCIISpace(UInt8(truncatingIfNeeded: scalar.value)) : scalar.properties.isWhitespace
    }

    /// `\t \n \v \f \r` and space: the ASCII part of `unicode.IsSpace`.
    @inline(__always)
    static func isASCIISpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    /// Go's `strings.TrimSpace`.
    static func trimSpace(_ text: Substring) -> Substring {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return text[text.endIndex...] }
        let last = scalars.lastIndex(where: { !isSpace($0) })!
        return Substring(scalars[first...last])
    }

    static func trimSpace(_ text: String) -> String { String(trimSpace(text[...])) }

    // MARK: - UTF-8 bytes (valid UTF-8 only)

    /// The scalar starting at `index` and its length in bytes.
    @inline(__always)
    static func scalar(in bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (Unicode.Scalar, Int) {
        let lead = UInt32(bytes[index])
        if lead < 0x80 { return (Unicode.Scalar(UInt8(lead)), 1) }
        func continuation(_ offset: Int) -> UInt32 { UInt32(bytes[index + offset]) & 0x3F }
        let value: UInt32
        let length: Int
        if lead < 0xE0 {
            value = (lead & 0x1F) << 6 | continuation(1)
            length = 2
        } else if lead < 0xF0 {
            value = (lead & 0x0F) << 12 | continuation(1) << 6 | continuation(2)
            length = 3
        } else {
            value = (lead & 0x07) << 18 | continuation(1) << 12 | continuation(2) << 6 | continuation(3)
            length = 4
        }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
    }

    /// Whether the scalar starting at `index` is white space, and its length in bytes.
    @inline(__always)
    static func spaceAt(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int) -> (isSpace: Bool, length: Int) {
        let byte = bytes[index]
        if byte < 0x80 { return (isASCIISpace(byte), 1) }
        let (scalar, length) = self.scalar(in: bytes, at: index)
        return (scalar.properties.isWhitespace, length)
    }

    /// Go's `strings.TrimSpace` on `bytes[range]`, as a range.
    package static func trimSpace(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var start = range.lowerBound
        while start < range.upperBound {
            let (space, length) = spaceAt(bytes, start)
            guard space else { break }
            start += length
        }
        var end = range.upperBound
        while end > start {
            var lead = end - 1
            let byte = bytes[lead]
            if byte < 0x80 {
                guard isASCIISpace(byte) else { break }
            } else {
                while bytes[lead] & 0xC0 == 0x80 { lead -= 1 }
                guard scalar(in: bytes, at: lead).0.properties.isWhitespace else { break }
            }
            end = lead
        }
        return start..<end
    }

    /// Whether `bytes[range]` has anything but white space.
    static func hasContent(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var index = range.lowerBound
        while index < range.upperBound {
            let (space, length) = spaceAt(bytes, index)
            if !space { return true }
            index += length
        }
        return false
    }

    /// The 1-based column (in Unicode scalars) of the first scalar of `bytes[range]` that is not white space, or
    /// `nil` when it has none.
    static func contentColumn(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        var index = range.lowerBound
        var column = 1
        while index < range.upperBound {
            let (space, length) = spaceAt(bytes, index)
            if !space { return column }
            index += length
            column += 1
        }
        return nil
    }

    /// Whether `bytes[range]` starts with `prefix` (ASCII).
    @inline(__always)
    static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard range.count >= count else { return false }
        let start = prefix.utf8Start
        for offset in 0..<count where bytes[range.lowerBound + offset] != start[offset] { return false }
        return true
    }

    /// Whether `bytes[range]` is exactly `text` (ASCII), byte for byte as Go compares strings.
    @inline(__always)
    static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ text: StaticString) -> Bool {
        range.count == text.utf8CodeUnitCount && hasPrefix(bytes, range, text)
    }

    /// Whether `text` (ASCII) occurs anywhere in `bytes`.
    package static func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard count > 0, bytes.count >= count else { return count == 0 }
        let first = text.utf8Start[0]
        var index = 0
        while index <= bytes.count - count {
            if bytes[index] == first, hasPrefix(bytes, index..<bytes.count, text) { return true }
            index += 1
        }
        return false
    }

    /// One line of Go's `bufio.ScanLines`: `range` without the `\n` and without one `\r` before it;
    /// `rawLength` counts the dropped `\r` (goose's 4 MiB limit counts it).
    struct Line {
        var range: Range<Int>
        var rawLength: Int
    }

    /// Go's `bufio.ScanLines`: lines end at `\n`, one `\r` before it is dropped, a last line without
    /// `\n` counts, and nothing follows a final `\n`.
    static func lines(_ bytes: UnsafeBufferPointer<UInt8>) -> [Line] {
        var result: [Line] = []
        var start = 0
        func append(_ end: Int) {
            let lineEnd = end > start && bytes[end - 1] == UInt8(ascii: "\r") ? end - 1 : end
            result.append(Line(range: start..<lineEnd, rawLength: end - start))
        }
        var index = 0
        let count = bytes.count
        while index < count {
            if bytes[index] == UInt8(ascii: "\n") {
                append(index)
                start = index + 1
            }
            index += 1
        }
        if start < count { append(count) }
        return result
    }
}
