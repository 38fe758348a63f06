import Foundation

extension MigrationReportPage {
    /// A chart's column of file names, left of its plot: each name whole, on as many lines as it needs.
    ///
    /// Names are set in a monospace font (`text.label` in the page's CSS), so a line's width is known without the
    /// browser: the common ones advance 0.55–0.61 em per character (Consolas, Menlo, DejaVu Sans Mono, Liberation
    /// Mono), and ``advance`` allows 0.62 em. A name longer than ``maximumCharacters`` wraps after `_`, `-`, `.` or a
    /// space (where none is near enough, within the name), never drops a character, and is never clipped.
    struct LabelColumn {
        static let fontSize = 11.0
        static let advance = 0.62 * fontSize
        static let lineHeight = 13.0
        static let maximumCharacters = 56
        /// Space between the chart's left edge and the labels, and between the labels and the plot.
        static let margin = 8.0

        /// Each label's lines, in the order given.
        var lines: [[String]]
        /// Where the plot starts: right of the longest line.
        var plotLeft: Double

        init(_ labels: [String]) {
            lines = labels.map { Self.wrap($0, limit: Self.maximumCharacters) }
            let longest = lines.joined().map(\.count).max() ?? 0
            plotLeft = max(120, 2 * Self.margin + Double(longest) * Self.advance)
        }

        /// The height a label of `count` lines needs, with room around it.
        static func height(lines count: Int, minimum: Double) -> Double {
            max(minimum, Double(count) * lineHeight + 9)
        }

        /// `text` in lines of at most `limit` characters: broken after `_`, `-`, `.` or a space, or within a run
        /// longer than a line. The lines joined are `text`.
        static func wrap(_ text: String, limit: Int) -> [String] {
            precondition(limit > 0)
            var pieces: [String] = []
            var piece = ""
            for character in text {
                piece.append(character)
                if "_-. ".contains(character) {
                    pieces.append(piece)
                    piece = ""
                }
            }
            if !piece.isEmpty { pieces.append(piece) }
            var lines: [String] = []
            var line = ""
            for var piece in pieces {
                if line.count + piece.count > limit, !line.isEmpty {
                    lines.append(line)
                    line = ""
                }
                while piece.count > limit {
                    lines.append(String(piece.prefix(limit)))
                    piece = String(piece.dropFirst(limit))
                }
                line += piece
            }
            if !line.isEmpty || lines.isEmpty { lines.append(line) }
            return lines
        }

        /// A right-aligned label of `lines` ending at `x`, its block centred on `y`; its text is the name whole.
        static func text(_ lines: [String], x: Double, y: Double) -> String {
            let first = y + 4 - Double(lines.count - 1) * lineHeight / 2
            let spans = lines.enumerated().map { index, line in
                "<tspan x=\"\(MigrationReportPage.number(x))\" "
                    + "y=\"\(MigrationReportPage.number(first + Double(index) * lineHeight))\">"
                    + "\(MigrationReportPage.escape(line))</tspan>"
            }
            return "<text class=\"label end\" x=\"\(MigrationReportPage.number(x))\" "
                + "y=\"\(MigrationReportPage.number(first))\">\(spans.joined())</text>\n"
        }

        /// The label of the `index`th name, at the column's right edge, centred on `y`.
        func text(_ index: Int, y: Double) -> String {
            Self.text(lines[index], x: plotLeft - Self.margin, y: y)
        }
    }

    /// The size chart's value axis: from zero, so that a change looks as large as it is, to a round size at or
    /// above the largest, in at most five equal steps of a round size (1, 2 or 5 × 10ⁿ bytes, KiB, MiB, …).
    struct SizeScale: Equatable {
        /// The step between ticks, in bytes.
        var step: Int64
        /// The top of the axis: a whole number of steps.
        var top: Int64
        /// The step's unit: its name and its size in bytes.
        var unit: String
        var unitBytes: Int64

        static let units: [(name: String, bytes: Int64)] = [
            ("bytes", 1), ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
        ]

        init(largest: Int64) {
            let largest = max(largest, 1)
            var candidates: [(step: Int64, unit: String, bytes: Int64)] = []
            for (name, bytes) in Self.units {
                for power in [1, 10, 100] as [Int64] {
                    for multiple in [1, 2, 5] as [Int64] { candidates.append((multiple * power * bytes, name, bytes)) }
                }
            }
            let fitting = candidates.first(where: { (largest + $0.step - 1) / $0.step <= 5 })
            let chosen = fitting ?? candidates[candidates.count - 1]
            step = chosen.step
            unit = chosen.unit
            unitBytes = chosen.bytes
            top = (largest + step - 1) / step * step
        }

        /// The ticks from zero to the top.
        var ticks: [Int64] { Array(stride(from: 0, through: top, by: Int(step))) }

        /// `0`, `2 MiB`, `500 KiB`: whole numbers of the step's unit, so no two ticks read the same.
        func label(_ value: Int64) -> String {
            value == 0 ? "0" : "\(value / unitBytes) \(unit)"
        }
    }

    /// A time axis over the dates given: left to right, the middle when they are all the same instant.
    struct TimeAxis {
        var first: Date
        var last: Date
        var left: Double
        var right: Double

        init(dates: [Date], left: Double, right: Double) {
            first = dates.min() ?? Date(timeIntervalSince1970: 0)
            last = dates.max() ?? first
            self.left = left
            self.right = right
        }

        func x(_ date: Date) -> Double {
            let span = last.timeIntervalSince(first)
            guard span > 0 else { return (left + right) / 2 }
            return left + date.timeIntervalSince(first) / span * (right - left)
        }

        func labels(y: Double) -> String {
            guard last > first else {
                return MigrationReportPage.text(
                    MigrationReportPage.time(first), x: (left + right) / 2, y: y, class: "axis-label middle")
            }
            return MigrationReportPage.text(MigrationReportPage.time(first), x: left, y: y, class: "axis-label")
                + MigrationReportPage.text(MigrationReportPage.time(last), x: right, y: y, class: "axis-label end")
        }
    }
}
