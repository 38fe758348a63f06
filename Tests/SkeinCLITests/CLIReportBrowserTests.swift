import Foundation
import SkeinTestSupport
import Testing

/// `skein report` as a browser shows it: the page rendered from a real audit log, laid out by headless Chromium at
/// 1400×1800, and measured there by a script added to a copy of the page (the page itself has none).
@Suite("skein report in headless Chromium", .requiresPostgreSQL, .requiresChromium)
struct CLIReportBrowserTests {
    static let longFile =
        "20240115093000_add_customer_billing_address_columns_and_backfill_them_from_the_legacy_orders_table.sql"
    static let files = [
        "20240101120000_create_accounts.sql":
            "-- +goose Up\nCREATE TABLE accounts (id int);\nINSERT INTO accounts VALUES (1);\n"
            + "-- +goose Down\nDROP TABLE accounts;\n",
        longFile:
            "-- +goose Up\nCREATE TABLE billing_addresses (id int, line text);\n"
            + "INSERT INTO billing_addresses VALUES (1, 'Main Street 1');\n"
            + "-- +goose Down\nDROP TABLE billing_addresses;\n",
        "20240201100000_create_audit_events.sql": brokenThird,
    ]
    /// Creates a table that exists already: 42P07.
    static let brokenThird =
        "-- +goose Up\nCREATE TABLE audit_events (id int);\nCREATE TABLE accounts (id int);\n"
        + "-- +goose Down\nDROP TABLE audit_events;\n"
    static let fixedThird =
        "-- +goose Up\nCREATE TABLE audit_events (id int);\nINSERT INTO audit_events VALUES (1);\n"
        + "-- +goose Down\nDROP TABLE audit_events;\n"

    /// What the script measures in the browser (every length in CSS pixels).
    struct Measurements: Decodable {
        struct Widths: Decodable {
            var scrollWidth: Double
            var clientWidth: Double
        }
        struct Table: Decodable {
            var width: Double
            var container: String
            var containerScrollWidth: Double
            var containerClientWidth: Double
        }
        struct Label: Decodable {
            var chart: String
            var text: String
            var left, right, top, bottom: Double
            var svgLeft, svgRight, svgTop, svgBottom: Double
            var plotLeft: Double
        }
        struct Run: Decodable {
            var command: String
            var outcome: String
        }
        var page: Widths
        var table: Table
        var overflowing: [String]
        var byLines: [Int]
        var labels: [Label]
        var sizeLabels: [String]
        var sizePointSpan: Double
        var sizeAxisHeight: Double
        var runs: [Run]
        var lastRun: String
    }

    /// Measures the laid-out page and writes the result into it as JSON, `<pre id="measurements">`.
    static let measuringScript = """
        <script>
        (function () {
          "use strict";
          function box(element) {
            const r = element.getBoundingClientRect();
            return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height };
          }
          function name(element) {
            const classes = (element.getAttribute("class") || "").trim();
            return element.tagName.toLowerCase() + (classes ? "." + classes.split(/\\s+/).join(".") : "");
          }
          function lines(cell) {
            const range = document.createRange();
            range.selectNodeContents(cell);
            const tops = [...range.getClientRects()].filter(r => r.width > 0).map(r => r.top).sort((a, b) => a - b);
            let count = tops.length ? 1 : 0;
            for (let i = 1; i < tops.length; i++) if (tops[i] - tops[i - 1] > 4) count++;
            return count;
          }
          const root = document.documentElement;
          const result = { page: { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth } };
          const table = document.querySelector("table.attempts");
          const container = table.parentElement;
          result.table = {
            width: box(table).width, container: name(container),
            containerScrollWidth: container.scrollWidth, containerClientWidth: container.clientWidth
          };
          result.overflowing = [];
          for (const element of document.body.querySelectorAll("*")) {
            if (element instanceof SVGElement && !(element instanceof SVGSVGElement)) continue;
            const inner = box(element), outer = box(element.parentElement);
            if (inner.width === 0 && inner.height === 0) continue;
            const sticksOut = inner.left < outer.left - 0.5 || inner.right > outer.right + 0.5;
            const overflows = element.clientWidth > 0 && element.scrollWidth > element.clientWidth;
            if (sticksOut || overflows) {
              result.overflowing.push(name(element) + ": " + inner.left.toFixed(1) + "…" + inner.right.toFixed(1)
                + " (scroll " + element.scrollWidth + "/" + element.clientWidth + ") in " + name(element.parentElement)
                + ": " + outer.left.toFixed(1) + "…" + outer.right.toFixed(1));
            }
          }
          const headers = [...table.querySelectorAll("thead th")].map(th => th.textContent.trim());
          const rows = [...table.querySelectorAll("tbody tr")];
          result.byLines = rows.map(tr => lines(tr.cells[headers.indexOf("by")]));
          result.labels = [];
          for (const chart of ["timeline", "durations"]) {
            const svg = document.querySelector("svg.chart." + chart);
            const frame = box(svg);
            const plot = [...svg.querySelectorAll(chart === "timeline" ? "line.lane" : "rect.bar")];
            const plotLeft = Math.min(...plot.map(element => box(element).left));
            for (const text of svg.querySelectorAll("text.label")) {
              const b = box(text);
              result.labels.push({
                chart: chart, text: text.textContent, left: b.left, right: b.right, top: b.top, bottom: b.bottom,
                svgLeft: frame.left, svgRight: frame.right, svgTop: frame.top, svgBottom: frame.bottom,
                plotLeft: plotLeft
              });
            }
          }
          const size = document.querySelector("svg.chart.size");
          result.sizeLabels = [...size.querySelectorAll("text")]
            .filter(t => !t.classList.contains("axis-label") && !t.classList.contains("empty")).map(t => t.textContent);
          const points = [...size.querySelectorAll("circle.point")].map(c => box(c).top + box(c).height / 2);
          result.sizePointSpan = Math.max(...points) - Math.min(...points);
          const axis = [...size.querySelectorAll("line.axis")]
            .find(l => l.getAttribute("x1") === l.getAttribute("x2"));
          result.sizeAxisHeight = box(axis).height;
          result.runs = rows.map(tr => [...tr.cells].map(td => td.textContent.trim()))
            .filter(cells => cells[1] === "run").map(cells => ({ command: cells[2], outcome: cells[4] }));
          const terms = [...document.querySelectorAll("dl.summary dt")];
          const last = terms.find(dt => dt.textContent === "Last run");
          result.lastRun = last ? last.nextElementSibling.textContent : "";
          const output = document.createElement("pre");
          output.id = "measurements";
          output.textContent = JSON.stringify(result);
          document.body.appendChild(output);
        })();
        </script>
        """

    /// Where the screenshot is kept: `.build/artifacts/report-browser/` in the package.
    static var artifacts: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/artifacts/report-browser")
    }

    @Test(
        "at 1400×1800 nothing overflows, every file name is whole, the size axis is readable and the redo run is applied"
    )
    func reportInChromium() async throws {
        let chromium = try #require(
            HeadlessChromium.installed, "no chromium, and \(HeadlessChromium.requiredVariable) is set")
        let database = try await TestDatabase.makeFreshDatabase()
        // An operator with a long name, as cloud IAM roles are spelled: a login role of its own, owning the database.
        let role = "svc-payments-deploy-production-eu-west-1-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        let quoted = TestDatabase.quoteIdentifier(role)
        _ = try await rows("CREATE ROLE \(quoted) LOGIN PASSWORD 'secret-report'", on: database)
        _ = try await rows(
            "ALTER DATABASE \(TestDatabase.quoteIdentifier(database.database)) OWNER TO \(quoted)", on: database)
        var components = try #require(URLComponents(string: database.text))
        components.user = role
        components.password = "secret-report"
        let url = try #require(components.string)
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        for (name, text) in Self.files { try dir.write(name, text) }
        let args = ["--dir", dir.path, "--database-url", url]
        let reading = ["--database-url", url]

        // up: two applied, the third fails; fixed, up applies it; redo; down; up again.
        let failed = try await SkeinBinary.run(["up"] + args)
        #expect(failed.status == 1 && failed.stderr.contains("42P07"), "\(failed.stderr)")
        try dir.write("20240201100000_create_audit_events.sql", Self.fixedThird)
        for command in ["up", "redo", "down", "up"] {
            let result = try await SkeinBinary.run([command] + args)
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }

        // The runs' sizes differ, by a few KiB only.
        let history = try await SkeinBinary.run(["history", "--format", "json"] + reading)
        let entries = try #require(
            (JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [String: Any])?["entries"]
                as? [[String: Any]])
        let sizes = entries.filter { $0["action"] as? String == "run" }.compactMap {
            ($0["databaseSizeAfter"] as? NSNumber)?.int64Value
        }
        let (low, high) = (try #require(sizes.min()), try #require(sizes.max()))
        #expect(sizes.count == 5 && high > low && high - low < 512 * 1024, "\(sizes)")

        let work = FileManager.default.temporaryDirectory.appendingPathComponent("skein-report-browser-\(UUID())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let page = work.appendingPathComponent("report.html")
        let report = try await SkeinBinary.run(["report", "--html", page.path] + reading)
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(!html.lowercased().contains("<script"), "the page itself has no script")

        // A copy with the measuring script, loaded in the browser; the DOM it dumps holds the measurements.
        let measured = work.appendingPathComponent("measured.html")
        let bodyEnd = try #require(html.range(of: "</body>"))
        try html.replacingCharacters(in: bodyEnd, with: Self.measuringScript + "\n</body>")
            .write(to: measured, atomically: true, encoding: .utf8)
        let dom = try await chromium.dumpDOM(of: measured)
        let json = try #require(
            dom.firstMatch(of: #/<pre id="measurements">(.*?)</pre>/#)?.output.1,
            "no measurements in: \(dom.prefix(500))")
        let text = json.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
        let m = try JSONDecoder().decode(Measurements.self, from: Data(text.utf8))

        // The screenshot, for a person to look at (no pixel comparison).
        try FileManager.default.createDirectory(at: Self.artifacts, withIntermediateDirectories: true)
        let png = Self.artifacts.appendingPathComponent("report.png")
        try await chromium.screenshot(of: page, to: png)
        try? FileManager.default.removeItem(at: Self.artifacts.appendingPathComponent("report.html"))
        try FileManager.default.copyItem(at: page, to: Self.artifacts.appendingPathComponent("report.html"))
        print("report screenshot (1400×1800): \(png.path)")
        print("report measurements: \(text)")

        // 1. Nothing is wider than the window or its container.
        #expect(m.page.scrollWidth <= m.page.clientWidth, "the page scrolls sideways: \(m.page)")
        #expect(m.table.containerScrollWidth <= m.table.containerClientWidth, "\(m.table)")
        #expect(m.table.width <= m.table.containerClientWidth + 0.5, "\(m.table)")
        #expect(m.overflowing.isEmpty, "\(m.overflowing.joined(separator: "\n"))")
        // 2. "by" (user@host as a long role) takes two lines at most.
        #expect(m.byLines.count == entries.filter { ["migrate", "run"].contains($0["action"] as? String) }.count)
        #expect((m.byLines.max() ?? 0) <= 2, "lines per 'by' cell: \(m.byLines)")
        // 3. Every file name is on the page whole, inside its chart, left of the bars and lanes, over no other label.
        for chart in ["timeline", "durations"] {
            let labels = m.labels.filter { $0.chart == chart }
            let names = Set(Self.files.keys).union(
                chart == "durations" ? Self.files.keys.flatMap { ["\($0) (up)", "\($0) (down)"] } : [])
            #expect(labels.allSatisfy { names.contains($0.text) }, "\(chart): \(labels.map(\.text))")
            #expect(labels.contains { $0.text.hasPrefix(Self.longFile) }, "\(chart): \(labels.map(\.text))")
            for label in labels {
                #expect(
                    label.left >= label.svgLeft - 0.5 && label.right <= label.svgRight + 0.5
                        && label.top >= label.svgTop - 0.5 && label.bottom <= label.svgBottom + 0.5,
                    "\(chart): '\(label.text)' at \(label.left)…\(label.right) is cut off (chart: \(label.svgLeft)…)"
                )
                #expect(label.right <= label.plotLeft + 0.5, "\(chart): '\(label.text)' runs into the plot")
            }
            for (index, label) in labels.enumerated() {
                for other in labels[(index + 1)...] {
                    let apart =
                        label.bottom <= other.top + 0.5 || other.bottom <= label.top + 0.5
                        || label.right <= other.left + 0.5 || other.right <= label.left + 0.5
                    #expect(apart, "\(chart): '\(label.text)' overlaps '\(other.text)'")
                }
            }
        }
        // 4. The size axis has distinct labels, and a change of a few KiB looks as small as it is.
        #expect(m.sizeLabels.count >= 2 && Set(m.sizeLabels).count == m.sizeLabels.count, "\(m.sizeLabels)")
        let change = Double(high - low) / Double(high)
        #expect(
            m.sizePointSpan / m.sizeAxisHeight <= change + 0.02,
            "a change of \(high - low) bytes of \(high) spans \(m.sizePointSpan) of \(m.sizeAxisHeight) px")
        // 5. Each run's outcome: the redo ended applied.
        #expect(
            m.runs.map { "\($0.command) \($0.outcome)" } == [
                "up failed", "up applied", "redo applied", "down rolled-back", "up applied",
            ])
        #expect(m.lastRun.hasPrefix("up (applied)"), "\(m.lastRun)")

        // The database goes at the end of the test run; the role (cluster-wide) goes now.
        _ = try await rows("REASSIGN OWNED BY \(quoted) TO CURRENT_USER", on: database)
        _ = try await rows("DROP OWNED BY \(quoted)", on: database)
        _ = try await rows("DROP ROLE \(quoted)", on: database)
    }
}
