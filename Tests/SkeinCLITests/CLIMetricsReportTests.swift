import Foundation
import SkeinTestSupport
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite("skein metrics and skein report against a real PostgreSQL", .requiresPostgreSQL)
struct CLIMetricsReportTests {
    /// Three migrations: 1 and 2 apply, 3 fails (42P07); then `down` rolls 2 back. Returns the arguments that reach
    /// the database (all that `metrics`, `history` and `report` take) and the URL.
    static func migratedDatabase(_ dir: URL) async throws -> (args: [String], database: DatabaseURL) {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let files = [
            "00001_create_a.sql": "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n",
            "00002_create_b.sql":
                "-- +goose Up\nCREATE TABLE b AS SELECT g AS id FROM generate_series(1, 20000) g;\n"
                + "-- +goose Down\nDROP TABLE b;\n",
            "00003_create_c.sql": "-- +goose Up\nCREATE TABLE c (id int);\nCREATE TABLE a (id int);\n"
                + "-- +goose Down\nDROP TABLE c;\n",
        ]
        for (name, text) in files {
            try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let database = try await TestDatabase.makeFreshDatabase()
        let args = ["--database-url", database.text]
        let up = try await SkeinBinary.run(["up", "--dir", dir.path] + args)
        #expect(up.status == 1 && up.stderr.contains("42P07"), "\(up.stderr)")
        let down = try await SkeinBinary.run(["down", "--dir", dir.path] + args)
        #expect(down.status == 0, "\(down.stderr)")
        return (args, database)
    }

    static func expectNoSecrets(_ text: String, _ database: DatabaseURL) {
        #expect(!text.contains(database.text))
        if let password = database.password, !password.isEmpty { #expect(!text.contains(password)) }
        #expect(!text.lowercased().contains("password"))
    }

    static func temporaryDirectory(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("skein-\(name)-\(UUID().uuidString)")
    }

    @Test("metrics after up (2 applied, 1 failed) and down (1 rolled back): counters, ratio, gauges, JSON")
    func metrics() async throws {
        let dir = Self.temporaryDirectory("metrics")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (args, database) = try await Self.migratedDatabase(dir)

        let result = try await SkeinBinary.run(["metrics"] + args)
        #expect(result.status == 0, "\(result.stderr)")
        let text = result.stdout
        let samples = Dictionary(
            text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line -> (String, String) in
                let space = line.lastIndex(of: " ")!
                return (String(line[..<space]), String(line[line.index(after: space)...]))
            }, uniquingKeysWith: { first, _ in first })
        #expect(samples[#"skein_migrations_total{direction="up",outcome="applied"}"#] == "2", "\(text)")
        #expect(samples[#"skein_migrations_total{direction="up",outcome="failed"}"#] == "1")
        #expect(samples[#"skein_migrations_total{direction="down",outcome="rolled-back"}"#] == "1")
        #expect(samples[#"skein_migrations_total{direction="down",outcome="failed"}"#] == "0")
        #expect(samples["skein_migration_failure_ratio"] == "0.25")
        #expect(samples[#"skein_runs_total{outcome="failed"}"#] == "1")
        #expect(samples[#"skein_runs_total{outcome="rolled-back"}"#] == "1")
        #expect(samples[#"skein_runs_total{outcome="applied"}"#] == "0")
        #expect(samples["skein_current_version"] == "1")
        #expect(samples["skein_last_run_success"] == "1")
        // Version 2's Down dropped a table of 20000 rows: the last run shrank the database.
        let change = try #require(samples["skein_last_run_database_size_change_bytes"].flatMap { Int64($0) })
        #expect(change < 0)
        #expect((samples["skein_database_size_bytes"].flatMap { Int64($0) } ?? 0) > 1_000_000)
        let lastRun = try #require(samples["skein_last_run_timestamp_seconds"].flatMap(Double.init))
        #expect(abs(lastRun - Date().timeIntervalSince1970) < 600)
        let durations = samples.keys.filter { $0.hasPrefix("skein_migration_duration_seconds{") }.sorted()
        #expect(
            durations == [
                #"skein_migration_duration_seconds{version="1",file="00001_create_a.sql",direction="up"}"#,
                #"skein_migration_duration_seconds{version="2",file="00002_create_b.sql",direction="down"}"#,
                #"skein_migration_duration_seconds{version="2",file="00002_create_b.sql",direction="up"}"#,
                #"skein_migration_duration_seconds{version="3",file="00003_create_c.sql",direction="up"}"#,
            ])
        // Every family has its HELP and TYPE lines, right before its samples.
        for name in ["skein_migrations_total", "skein_runs_total"] {
            #expect(text.contains("# TYPE \(name) counter\n\(name){"))
        }
        #expect(text.contains("# HELP skein_migration_failure_ratio "))
        Self.expectNoSecrets(result.stdout + result.stderr, database)

        let json = try await SkeinBinary.run(["metrics", "--format", "json"] + args)
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["schemaVersion"] as? Int == 1)
        #expect(object["failureRatio"] as? Double == 0.25)
        #expect(object["currentVersion"] as? Int == 1)
        let counts = try #require(object["migrationCounts"] as? [[String: Any]])
        #expect(
            counts.map { "\($0["direction"] ?? "")/\($0["outcome"] ?? "")=\($0["count"] ?? "")" } == [
                "up/applied=2", "up/failed=1", "down/failed=0", "down/rolled-back=1",
            ])
        let attempts = try #require(object["latestAttempts"] as? [[String: Any]])
        #expect(attempts.map { $0["outcome"] as? String } == ["applied", "applied", "rolled-back", "failed"])
        let run = try #require(object["lastRun"] as? [String: Any])
        #expect(run["outcome"] as? String == "rolled-back" && run["command"] as? String == "down")
        Self.expectNoSecrets(json.stdout + json.stderr, database)

        let bad = try await SkeinBinary.run(["metrics", "--format", "yaml"] + args)
        #expect(bad.status == 2)
    }

    @Test("a redo ends applied: its run row, skein_runs_total and lastRun agree; its attempts stay a Down and an Up")
    func redo() async throws {
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write("00001_create_a.sql", "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n")
        try dir.write("00002_create_b.sql", "-- +goose Up\nCREATE TABLE b (id int);\n-- +goose Down\nDROP TABLE b;\n")
        let database = try await TestDatabase.makeFreshDatabase()
        let args = ["--database-url", database.text]
        for command in ["up", "redo"] {
            let result = try await SkeinBinary.run([command, "--dir", dir.path] + args)
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }

        let history = try await SkeinBinary.run(["history", "--format", "json"] + args)
        #expect(history.status == 0, "\(history.stderr)")
        let entries = try #require(
            (JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [String: Any])?["entries"]
                as? [[String: Any]])
        func describe(_ entry: [String: Any], _ keys: [String]) -> String {
            keys.map { entry[$0] as? String ?? "-" }.joined(separator: " ")
        }
        #expect(
            entries.filter { $0["action"] as? String == "run" }.map {
                describe($0, ["command", "direction", "outcome"])
            }
                == ["up up applied", "redo up applied"])
        #expect(
            entries.filter { $0["action"] as? String == "migrate" }.map {
                describe($0, ["fileName", "direction", "outcome"])
            }
                == [
                    "00001_create_a.sql up applied", "00002_create_b.sql up applied",
                    "00002_create_b.sql down rolled-back", "00002_create_b.sql up applied",
                ])

        let metrics = try await SkeinBinary.run(["metrics"] + args)
        #expect(metrics.status == 0, "\(metrics.stderr)")
        let lines = Set(metrics.stdout.split(separator: "\n").map(String.init))
        #expect(lines.contains(#"skein_runs_total{outcome="applied"} 2"#), "\(metrics.stdout)")
        #expect(lines.contains(#"skein_runs_total{outcome="rolled-back"} 0"#))
        #expect(lines.contains(#"skein_migrations_total{direction="down",outcome="rolled-back"} 1"#))
        #expect(lines.contains("skein_current_version 2"))
        let json = try await SkeinBinary.run(["metrics", "--format", "json"] + args)
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let run = try #require(object["lastRun"] as? [String: Any])
        #expect(run["command"] as? String == "redo" && run["outcome"] as? String == "applied", "\(run)")
        let runCounts = try #require(object["runCounts"] as? [[String: Any]])
        #expect(
            runCounts.map { "\($0["outcome"] ?? "")=\($0["count"] ?? "")" } == [
                "applied=2", "failed=0", "rolled-back=0",
            ])
    }

    @Test("report --html: one well-formed page, three SVG charts, a bar per attempt, the failure marked, byte-stable")
    func report() async throws {
        let dir = Self.temporaryDirectory("report")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (args, database) = try await Self.migratedDatabase(dir)
        let page = dir.appendingPathComponent("out/report.html")
        try FileManager.default.createDirectory(
            at: page.deletingLastPathComponent(), withIntermediateDirectories: true)

        let result = try await SkeinBinary.run(["report", "--html", page.path] + args)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("4 migration attempts, 2 runs"), "\(result.stdout)")
        let html = try String(contentsOf: page, encoding: .utf8)
        let outline = try PageOutline(parsing: html)

        #expect(outline.count("svg") == 3)
        #expect(outline.classes("svg") == ["chart timeline", "chart durations", "chart size"])
        // A bar per attempt, in the order they ran; the failure and the rollback carry their class.
        #expect(outline.classes("rect") == ["bar applied", "bar applied", "bar failed", "bar rolled-back"])
        #expect(outline.titles(ofClass: "bar failed").allSatisfy { $0.contains("00003_create_c.sql") })
        #expect(outline.titles(ofClass: "bar failed").count == 1)
        // The timeline marks each attempt: two applied, one failed (a cross), one rolled back.
        #expect(
            outline.classes("circle").filter { $0.hasPrefix("mark") }.sorted() == [
                "mark applied", "mark applied", "mark rolled-back",
            ])
        #expect(outline.classes("path") == ["mark failed"])
        // One size point per run row (the failed up and the down); the failed run's point is marked.
        #expect(outline.classes("circle").filter { $0.hasPrefix("point") } == ["point failed", "point"])
        #expect(outline.count("polyline") == 1)
        #expect(outline.count("tr") == 1 + 6, "a header row and 4 attempts + 2 runs")

        // Self-contained: no network, no script.
        #expect(!html.contains("http://") && !html.contains("https://"))
        #expect(outline.count("script") == 0 && !html.lowercased().contains("<script"))
        #expect(outline.count("link") == 0 && outline.count("img") == 0)
        Self.expectNoSecrets(html + result.stdout + result.stderr, database)

        // The same rows give the same bytes.
        let again = dir.appendingPathComponent("out/again.html")
        #expect(try await SkeinBinary.run(["report", "--html", again.path] + args).status == 0)
        #expect(try Data(contentsOf: again) == Data(contentsOf: page))

        let unwritable = try await SkeinBinary.run(
            ["report", "--html", dir.appendingPathComponent("no/such/r.html").path] + args)
        #expect(unwritable.status == 1 && unwritable.stderr.contains("cannot write"), "\(unwritable.stderr)")
    }
}

/// The elements of a page parsed as XML: their names, classes and `<title>` texts.
final class PageOutline: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var className: String?
        var title = ""
    }

    private(set) var elements: [Element] = []
    private var stack: [Int] = []
    private var inTitle = false

    init(parsing html: String) throws {
        super.init()
        let parser = XMLParser(data: Data(html.utf8))
        parser.delegate = self
        guard parser.parse() else {
            throw ParseError(
                description: "not well-formed at line \(parser.lineNumber): \(String(describing: parser.parserError))")
        }
    }

    struct ParseError: Error, CustomStringConvertible { var description: String }

    func count(_ name: String) -> Int { elements.filter { $0.name == name }.count }
    func classes(_ name: String) -> [String] { elements.filter { $0.name == name }.compactMap(\.className) }
    func titles(ofClass name: String) -> [String] { elements.filter { $0.className == name }.map(\.title) }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if elementName == "title", let parent = stack.last, elements[parent].name != "head" {
            inTitle = true
        }
        elements.append(Element(name: elementName, className: attributes["class"]))
        stack.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
        if elementName == "title" { inTitle = false }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        // The text of a chart element's <title> goes to that element.
        guard inTitle, stack.count >= 2 else { return }
        elements[stack[stack.count - 2]].title += string
    }
}
