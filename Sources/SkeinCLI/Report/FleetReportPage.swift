import Foundation
import SkeinFleet

/// `skein fleet up --html FILE`: one self-contained page for a fleet run (inline CSS and SVG, no script, no
/// network): a summary, a bar per target with its duration coloured by outcome, and a row per target with its
/// versions, files and failure.
struct FleetReportPage {
    var report: FleetReport

    typealias Page = MigrationReportPage

    func render() -> String {
        let counts = report.counts
        let order: [FleetTargetResult.Outcome] = [.migrated, .current, .failed, .unreachable, .skipped]
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>skein fleet \(Page.escape(report.command)): \(report.results.count) targets</title>
            <style>
            \(Page.css)
            .bar.migrated, .key.migrated { fill: #2e8b57; color: #2e8b57; }
            .bar.current, .key.current { fill: #7fb38f; color: #7fb38f; }
            .bar.unreachable, .key.unreachable { fill: #8e44ad; color: #8e44ad; }
            .bar.skipped, .key.skipped { fill: #aaa; color: #aaa; }
            tr.unreachable td { background: #f5eefa; } tr.skipped td { color: #777; }
            </style>
            </head>
            <body>
            <h1>skein fleet \(Page.escape(report.command))</h1>
            <dl class="summary">
            <dt>targets</dt><dd>\(report.results.count)</dd>
            <dt>outcomes</dt><dd>\(order.compactMap { outcome in counts[outcome].map { "\($0) \(outcome.rawValue)" } }.joined(separator: ", "))</dd>
            <dt>versions</dt><dd>\(report.versions.reversed().map { "\($0.targets) at \($0.version.map(String.init) ?? "unknown")" }.joined(separator: ", "))</dd>
            <dt>wall time</dt><dd>\(Page.seconds(report.seconds))</dd>
            </dl>

            """
        html += durations()
        html += table()
        return html + "</body>\n</html>\n"
    }

    /// A bar per target, as long as its run took, coloured by outcome.
    func durations() -> String {
        let results = report.results
        let longest = max(results.map(\.seconds).max() ?? 0, 0.001)
        let (left, right, row) = (260.0, 90.0, 16.0)
        let height = Double(results.count) * row + 24
        let plot = Page.width - left - right
        var svg = "<h2>Duration per target</h2>\n"
        svg += Page.svgStart("fleet-durations", height: height, label: "duration of each target's run")
        for (index, result) in results.enumerated() {
            let y = Double(index) * row + 4
            let width = max(1, result.seconds / longest * plot)
            let name = result.name.count > 38 ? String(result.name.prefix(37)) + "…" : result.name
            svg += Page.text(name, x: left - 6, y: y + 11, class: "label end")
            svg +=
                "<rect class=\"bar \(result.outcome.rawValue)\" x=\"\(Page.number(left))\" y=\"\(Page.number(y))\" "
                + "width=\"\(Page.number(width))\" height=\"\(Page.number(row - 4))\"><title>"
                + Page.escape("\(result.name): \(result.outcome.rawValue) in \(Page.seconds(result.seconds))")
                + "</title></rect>\n"
            svg += Page.text(
                "\(result.outcome.rawValue) \(Page.seconds(result.seconds))", x: left + width + 4, y: y + 11,
                class: "label")
        }
        svg += "</svg>\n"
        return svg
            + "<p class=\"legend\">"
            + ["migrated", "current", "failed", "unreachable", "skipped"].map {
                "<span class=\"key \($0)\">■</span> \($0)"
            }.joined(separator: " ") + "</p>\n"
    }

    /// A row per target.
    func table() -> String {
        var html = """
            <h2>Targets</h2>
            <div class="attempts">
            <table class="attempts">
            <thead><tr><th>target</th><th>group</th><th>outcome</th><th>version</th><th>files</th><th>duration</th><th>message</th></tr></thead>
            <tbody>

            """
        for result in report.results {
            let versions =
                (result.versionBefore.map { "\($0) → " } ?? "") + (result.versionAfter.map(String.init) ?? "?")
            let cells = [
                ("name", Page.breakable(result.name + (result.schema.map { " (schema \($0))" } ?? ""))),
                ("nowrap", Page.escape(result.group ?? "") + (result.canary ? " (canary)" : "")),
                ("nowrap", result.outcome.rawValue),
                ("nowrap", Page.escape(versions)),
                ("name", result.steps.map(Page.breakable).joined(separator: "<br/>")),
                ("nowrap", Page.seconds(result.seconds)),
                ("message", Page.escape(result.message ?? "").replacingOccurrences(of: "\n", with: "<br/>")),
            ]
            html +=
                "<tr class=\"\(result.outcome.rawValue)\">"
                + cells.map { "<td class=\"\($0.0)\">\($0.1)</td>" }.joined() + "</tr>\n"
        }
        return html + "</tbody>\n</table>\n</div>\n"
    }
}
