import Foundation
import SkeinConnection
import SkeinCore
import SkeinGovernance
import SkeinPostgres

/// One self-contained HTML page about the audit log: a summary, a timeline of migration attempts, their durations,
/// the database's size over the runs, and every attempt in a table. Inline CSS and SVG only: no script, no network,
/// no external reference. The markup is well-formed XML (every element closed, only XML's entities), every text
/// escaped, and the page is the same bytes for the same rows (no time of its own unless `generatedAt` is given).
struct MigrationReportPage {
    var entries: [AuditEntry]
    /// Shown on the page when given; `nil` keeps the page a function of the rows alone.
    var generatedAt: Date?

    init(entries: [AuditEntry], generatedAt: Date? = nil) {
        self.entries = entries.sorted { $0.id < $1.id }
        self.generatedAt = generatedAt
    }

    var attempts: [AuditEntry] { entries.filter { $0.action == .migrate && $0.version != nil } }
    var runs: [AuditEntry] { entries.filter { $0.action == .run } }

    /// Every chart's width in CSS pixels (the page is 80em wide at most; a narrower window scales the charts down).
    static let width = 960.0

    func render() -> String {
        let metrics = MigrationMetrics(entries: entries, now: generatedAt ?? Date(timeIntervalSince1970: 0))
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <title>Skein migration report</title>
            <style>
            \(Self.css)
            </style>
            </head>
            <body>
            <h1>Skein migration report</h1>

            """
        if let generatedAt { html += "<p class=\"generated\">Generated \(Self.time(generatedAt)).</p>\n" }
        html += summary(metrics)
        html += "<h2>Timeline</h2>\n<p>When each migration was attempted (one lane per version, oldest first).</p>\n"
        html += timeline()
        html += "<h2>Durations</h2>\n<p>How long each attempt took, in the order they ran.</p>\n"
        html += durations()
        html += "<h2>Database size</h2>\n<p>\(Self.escape(sizeCaption()))</p>\n"
        html += sizes()
        html += "<h2>Attempts</h2>\n"
        html += table()
        html += "</body>\n</html>\n"
        return html
    }

    // MARK: - Parts

    func summary(_ metrics: MigrationMetrics) -> String {
        func count(_ direction: Direction?, _ outcome: AuditOutcome) -> Int {
            metrics.migrationCounts.filter { $0.outcome == outcome && (direction == nil || $0.direction == direction) }
                .reduce(0) { $0 + $1.count }
        }
        var rows: [(String, String)] = [
            ("Current version", String(metrics.currentVersion)),
            ("Applied", String(count(.up, .applied))),
            ("Rolled back", String(count(.down, .rolledBack))),
            ("Failed", String(count(nil, .failed))),
            ("Failure rate", String(format: "%.1f%%", metrics.failureRatio * 100)),
            ("Runs", String(metrics.runCounts.reduce(0) { $0 + $1.count })),
        ]
        if let run = metrics.lastRun {
            rows.append(("Last run", "\(run.command ?? "run") (\(run.outcome)), \(Self.time(run.startedAt))"))
            if let size = run.databaseSizeAfter { rows.append(("Database size", Self.bytes(size))) }
            if let change = run.databaseSizeChange {
                rows.append(("Last run's size change", (change >= 0 ? "+" : "−") + Self.bytes(abs(change))))
            }
        }
        return "<dl class=\"summary\">\n"
            + rows.map { "<dt>\(Self.escape($0.0))</dt><dd>\(Self.escape($0.1))</dd>\n" }.joined() + "</dl>\n"
    }

    /// One lane per version; a mark per attempt at its start time: applied (filled circle), rolled back (hollow
    /// circle), failed (a cross). Each lane is labelled with its file name, whole (``LabelColumn``).
    func timeline() -> String {
        let attempts = attempts
        let versions = Array(Set(attempts.compactMap(\.version))).sorted()
        let top = 10.0
        let files = Dictionary(attempts.map { ($0.version!, $0.file ?? String($0.version!)) }) { _, last in last }
        let column = LabelColumn(versions.map { files[$0] ?? String($0) })
        var lanes: [Int64: Double] = [:]
        var bottom = top
        var rows = ""
        for (index, version) in versions.enumerated() {
            let height = LabelColumn.height(lines: column.lines[index].count, minimum: 22)
            let y = bottom + height / 2
            lanes[version] = y
            bottom += height
            rows +=
                "<line class=\"lane\" x1=\"\(Self.number(column.plotLeft))\" y1=\"\(Self.number(y))\" x2=\""
                + "\(Self.number(Self.width - 20))\" y2=\"\(Self.number(y))\"/>\n" + column.text(index, y: y)
        }
        let height = max(bottom, top + 22) + 30
        var svg = Self.svgStart("timeline", height: height, label: "Timeline of migration attempts")
        guard !attempts.isEmpty else {
            return svg + Self.text("no migration attempts yet", x: 10, y: 24, class: "empty") + "</svg>\n"
        }
        svg += rows
        let axis = TimeAxis(dates: attempts.map(\.startedAt), left: column.plotLeft, right: Self.width - 20)
        for attempt in attempts {
            let x = axis.x(attempt.startedAt)
            let y = lanes[attempt.version!] ?? top
            let title = "<title>\(Self.escape(Self.describe(attempt)))</title>"
            let kind = Self.kind(attempt.outcome)
            switch kind {
            case "failed":
                svg +=
                    "<path class=\"mark failed\" d=\"M\(Self.number(x - 5)) \(Self.number(y - 5))L\(Self.number(x + 5)) "
                    + "\(Self.number(y + 5))M\(Self.number(x - 5)) \(Self.number(y + 5))L\(Self.number(x + 5)) "
                    + "\(Self.number(y - 5))\">\(title)</path>\n"
            default:
                svg +=
                    "<circle class=\"mark \(kind)\" cx=\"\(Self.number(x))\" cy=\"\(Self.number(y))\" r=\"5\">"
                    + "\(title)</circle>\n"
            }
        }
        svg += axis.labels(y: bottom + 18)
        return svg + "</svg>\n" + Self.legend
    }

    /// One horizontal bar per attempt, in the order they ran; its class says applied, rolled-back or failed.
    func durations() -> String {
        let attempts = attempts
        let column = LabelColumn(
            attempts.map { "\($0.file ?? String($0.version!)) (\($0.direction?.rawValue ?? "?"))" })
        let heights = column.lines.map { LabelColumn.height(lines: $0.count, minimum: 20) }
        let height = 20 + max(heights.reduce(0, +), 20)
        var svg = Self.svgStart("durations", height: height, label: "Duration of each migration attempt")
        guard !attempts.isEmpty else {
            return svg + Self.text("no migration attempts yet", x: 10, y: 24, class: "empty") + "</svg>\n"
        }
        let longest = max(attempts.compactMap(\.durationSeconds).max() ?? 0, 0.001)
        let span = Self.width - column.plotLeft - 90
        var top = 10.0
        for (index, attempt) in attempts.enumerated() {
            let y = top + heights[index] / 2
            top += heights[index]
            let seconds = attempt.durationSeconds ?? 0
            let barWidth = max(1, seconds / longest * span)
            svg += column.text(index, y: y)
            svg +=
                "<rect class=\"bar \(Self.kind(attempt.outcome))\" x=\"\(Self.number(column.plotLeft))\" y=\""
                + "\(Self.number(y - 7))\" width=\"\(Self.number(barWidth))\" height=\"14\">"
                + "<title>\(Self.escape(Self.describe(attempt)))</title></rect>\n"
            svg += Self.text(
                attempt.durationSeconds.map(Self.seconds) ?? "?", x: column.plotLeft + barWidth + 6, y: y + 4,
                class: "value")
        }
        return svg + "</svg>\n"
    }

    /// A point per run row with a size after, joined by a line; a failed run's point is marked. The axis starts at
    /// zero (``SizeScale``): a change of a few KiB in a database of megabytes is as flat as it is small, and the
    /// caption gives the smallest and largest size in bytes.
    func sizes() -> String {
        let runs = runs.filter { $0.databaseSizeAfter != nil }
        let height = 220.0
        var svg = Self.svgStart("size", height: height, label: "Database size after each run")
        guard !runs.isEmpty else {
            return svg + Self.text("no runs yet", x: 10, y: 24, class: "empty") + "</svg>\n"
        }
        let left = 90.0
        let top = 15.0
        let bottom = height - 35
        let axis = TimeAxis(dates: runs.map { $0.finishedAt ?? $0.startedAt }, left: left, right: Self.width - 20)
        let scale = SizeScale(largest: runs.map { $0.databaseSizeAfter! }.max()!)
        func y(_ size: Int64) -> Double { bottom - Double(size) / Double(scale.top) * (bottom - top) }
        for tick in scale.ticks {
            svg +=
                "<line class=\"grid\" x1=\"\(Self.number(left))\" y1=\"\(Self.number(y(tick)))\" x2=\""
                + "\(Self.number(Self.width - 20))\" y2=\"\(Self.number(y(tick)))\"/>\n"
            svg += Self.text(scale.label(tick), x: left - 6, y: y(tick) + 4, class: "tick end")
        }
        svg +=
            "<line class=\"axis\" x1=\"\(Self.number(left))\" y1=\"\(Self.number(top))\" x2=\"\(Self.number(left))\" "
            + "y2=\"\(Self.number(bottom))\"/>\n"
        let points = runs.map {
            "\(Self.number(axis.x($0.finishedAt ?? $0.startedAt))),\(Self.number(y($0.databaseSizeAfter!)))"
        }
        svg += "<polyline class=\"line\" points=\"\(points.joined(separator: " "))\"/>\n"
        for run in runs {
            let title =
                "\(run.command ?? "run") (\(run.outcome)) \(Self.time(run.finishedAt ?? run.startedAt)): "
                + Self.exactBytes(run.databaseSizeAfter!)
                + (run.databaseSizeBefore.map { " (before: \(Self.exactBytes($0)))" } ?? "")
            svg +=
                "<circle class=\"point\(run.outcome == .failed ? " failed" : "")\" cx=\""
                + "\(Self.number(axis.x(run.finishedAt ?? run.startedAt)))\" cy=\"\(Self.number(y(run.databaseSizeAfter!)))\" "
                + "r=\"4\"><title>\(Self.escape(title))</title></circle>\n"
        }
        svg += axis.labels(y: height - 12)
        return svg + "</svg>\n"
    }

    /// The size chart's caption: the range of sizes, exact.
    func sizeCaption() -> String {
        let sizes = runs.compactMap(\.databaseSizeAfter)
        guard let low = sizes.min(), let high = sizes.max() else { return "The database's size after each run." }
        guard high != low else { return "The database's size after each run: \(Self.exactBytes(high)) each time." }
        return "The database's size after each run: from \(Self.exactBytes(low)) to \(Self.exactBytes(high)) "
            + "(a range of \(Self.bytes(high - low)))."
    }

    /// Every attempt and run, oldest first, in a frame that scrolls sideways rather than widen the page. Long file
    /// names and messages break after `_` (or anywhere, as a last resort); who ran it is two lines: user@host, then
    /// the role.
    func table() -> String {
        let rows = entries.filter { $0.action == .migrate || $0.action == .run || $0.action == .repair }
        guard !rows.isEmpty else { return "<p class=\"empty\">The audit log is empty.</p>\n" }
        var html =
            "<div class=\"attempts\">\n<table class=\"attempts\">\n<thead><tr><th>started (UTC)</th><th>action</th>"
            + "<th>migration / command</th><th>direction</th><th>outcome</th><th>duration</th><th>by</th>"
            + "<th>message</th></tr></thead>\n<tbody>\n"
        for entry in rows {
            let what =
                entry.action == .run
                ? (entry.command ?? "run") : (entry.file ?? entry.version.map(String.init) ?? "")
            let message = [entry.message, entry.sqlState.map { "SQLSTATE \($0)" }].compactMap { $0 }
                .joined(separator: " ")
            let cells = [
                ("nowrap", Self.escape(Self.time(entry.startedAt))), ("nowrap", Self.escape(entry.action.rawValue)),
                ("name", Self.breakable(what)), ("nowrap", Self.escape(entry.direction?.rawValue ?? "")),
                ("nowrap", Self.escape(entry.outcome.rawValue)),
                ("nowrap", Self.escape(entry.durationSeconds.map(Self.seconds) ?? "")),
                (
                    "by",
                    "<span>\(Self.escape("\(entry.osUser ?? "?")@\(entry.host ?? "?")"))</span> "
                        + "<span>as \(Self.escape(entry.databaseUser))</span>"
                ),
                ("message", Self.breakable(message)),
            ]
            html +=
                "<tr class=\"\(Self.kind(entry.outcome))\">"
                + cells.map { "<td class=\"\($0.0)\">\($0.1)</td>" }.joined() + "</tr>\n"
        }
        return html + "</tbody>\n</table>\n</div>\n"
    }

    // MARK: - Helpers

    static func svgStart(_ name: String, height: Double, label: String) -> String {
        "<svg class=\"chart \(name)\" role=\"img\" aria-label=\"\(escape(label))\" width=\"\(number(width))\" "
            + "height=\"\(number(height))\" viewBox=\"0 0 \(number(width)) \(number(height))\">\n"
    }

    static func text(_ content: String, x: Double, y: Double, class name: String) -> String {
        "<text class=\"\(name)\" x=\"\(number(x))\" y=\"\(number(y))\">\(escape(content))</text>\n"
    }

    static let legend = """
        <p class="legend"><span class="key applied">●</span> applied <span class="key rolled-back">○</span> rolled back \
        <span class="key failed">✕</span> failed</p>

        """

    /// `applied`, `rolled-back` or `failed` for CSS; anything else is `other`.
    static func kind(_ outcome: AuditOutcome) -> String {
        switch outcome {
        case .applied, .rolledBack, .failed: outcome.rawValue
        case .recorded: "other"
        }
    }

    static func describe(_ attempt: AuditEntry) -> String {
        var text =
            "\(attempt.file ?? String(attempt.version ?? 0)) \(attempt.direction?.rawValue ?? "") \(attempt.outcome.rawValue) "
            + "at \(time(attempt.startedAt))"
        if let seconds = attempt.durationSeconds { text += " in \(self.seconds(seconds))" }
        if let message = attempt.message, attempt.outcome == .failed { text += ": \(message)" }
        return text
    }

    /// Text for HTML and XML alike: `& < > " '` as entities, control characters XML forbids replaced by U+FFFD.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0xFFFE...0xFFFF).contains(scalar.value) {
                    escaped += "\u{FFFD}"
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return escaped
    }

    /// Coordinates with one decimal at most (stable, short).
    static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
    }

    static func seconds(_ value: Double) -> String {
        value < 1 ? String(format: "%.0f ms", value * 1000) : String(format: "%.2f s", value)
    }

    static func bytes(_ value: Int64) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var amount = Double(value)
        var unit = 0
        while abs(amount) >= 1024, unit < units.count - 1 {
            amount /= 1024
            unit += 1
        }
        return unit == 0 ? "\(value) bytes" : String(format: "%.1f", amount) + " " + units[unit]
    }

    /// `text` escaped, with a line-break opportunity (`<wbr/>`) after each `_`, so that a long file name wraps
    /// between its words.
    static func breakable(_ text: String) -> String {
        text.split(separator: "_", omittingEmptySubsequences: false).map { escape(String($0)) }
            .joined(separator: "_<wbr/>")
    }

    /// `7,912,227 bytes`: every digit, grouped by thousands.
    static func exactBytes(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped += "," }
            grouped.append(digit)
        }
        return (value < 0 ? "−" : "") + grouped + " bytes"
    }

    static func time(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    static let css = """
        body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 80em; \
        padding: 0 1em; color: #1d1d1f; }
        h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 2em; }
        .generated, .legend, p { color: #555; font-size: 0.9em; }
        dl.summary { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1.5em; }
        dl.summary dt { font-weight: 600; } dl.summary dd { margin: 0; }
        svg.chart { display: block; max-width: 100%; height: auto; font-size: 11px; }
        svg text { fill: #333; } svg text.end { text-anchor: end; } svg text.middle { text-anchor: middle; }
        svg text.label { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", \
        "Liberation Mono", monospace; font-size: 11px; }
        svg text.axis-label, svg text.tick { fill: #777; } svg text.empty { fill: #777; font-style: italic; }
        line.lane, line.grid { stroke: #e3e3e3; } line.axis { stroke: #999; }
        .mark.applied, .bar.applied, .key.applied { fill: #2e8b57; color: #2e8b57; }
        .mark.rolled-back { fill: #fff; stroke: #d2691e; stroke-width: 2; }
        .bar.rolled-back, .key.rolled-back { fill: #d2691e; color: #d2691e; }
        .mark.failed { stroke: #c0392b; stroke-width: 3; fill: none; }
        .bar.failed, .key.failed { fill: #c0392b; color: #c0392b; }
        .bar.other, .mark.other { fill: #888; }
        polyline.line { fill: none; stroke: #3366cc; stroke-width: 2; }
        circle.point { fill: #3366cc; } circle.point.failed { fill: #c0392b; }
        div.attempts { overflow-x: auto; }
        table.attempts { border-collapse: collapse; font-size: 0.85em; width: 100%; }
        table.attempts th, table.attempts td { border-bottom: 1px solid #ddd; padding: 0.3em 0.5em; text-align: left; \
        vertical-align: top; }
        table.attempts th, td.nowrap, td.by span { white-space: nowrap; } td.by span { display: block; }
        td.name, td.message { overflow-wrap: anywhere; min-width: 12em; }
        tr.failed td { background: #fdecea; } tr.rolled-back td { background: #fdf3e7; }
        """
}
