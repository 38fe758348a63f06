import Foundation
import Logging
import PostgresNIO
import SkeinTestSupport
import Testing

/// goose v3.17.0's own command line, recorded in `../shared/conformance/goose-cli-v3.17.0/` (66 cases, 255 steps),
/// replayed step by step against `skein` in goose's grammar: exit code, stdout, stderr and the version table after
/// each step. Every remaining difference must be listed, with its reason, in the `goose-transcript-differences`
/// block of docs/goose-compatibility.md; an undocumented difference fails this test, and so does a listed one that
/// no longer happens.
///
/// Two rules apply to every step (documented once in docs/goose-compatibility.md, not per step):
/// - Skein's own context lines in goose's grammar are log lines that start `skein: ` (after goose's timestamp);
///   they are removed from stderr before comparing, so goose's lines must all be there, in goose's order, with
///   goose's last line last.
/// - For the cases recorded with pgx v4's connection-error wording (`connectionErrorText: pgx-v4`), a line is
///   compared up to `failed to connect to` / `cannot parse`, as the conformance folder's README says.
@Suite("goose v3.17.0's CLI transcripts replayed against skein", .requiresPostgreSQL)
struct GooseTranscriptTests {
    struct Case: Decodable {
        var description: String
        var env: [String: String]
        var connectionErrorText: String?
        var versionTableName: String?
        var steps: [Step]
    }

    struct Step: Decodable {
        var argv: [String]
        var exitCode: Int32
        var stdout: String
        var stderr: String
        var versionTable: [[VersionCell]]?
    }

    /// One cell of `[[version_id, is_applied], …]`.
    enum VersionCell: Decodable, Hashable, CustomStringConvertible {
        case version(Int64)
        case applied(Bool)
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let flag = try? container.decode(Bool.self) {
                self = .applied(flag)
            } else {
                self = .version(try container.decode(Int64.self))
            }
        }
        var description: String {
            switch self {
            case .version(let value): "\(value)"
            case .applied(let value): "\(value)"
            }
        }
    }

    /// What differs at one step.
    enum Field: String, CaseIterable, Comparable {
        case exit, stdout, stderr, versionTable
        static func < (a: Field, b: Field) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    /// A documented difference: `case step fields reason`.
    struct Documented: Hashable {
        var caseName: String
        var step: Int
        var fields: Set<Field>
        var reason: String
    }

    static var casesFolder: URL {
        get throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
            let shared =
                ProcessInfo.processInfo.environment["SKEIN_SHARED_DIR"].flatMap { $0.isEmpty ? nil : $0 }
                .map(URL.init(fileURLWithPath:)) ?? root.deletingLastPathComponent().appendingPathComponent("shared")
            let url = shared.appendingPathComponent("conformance/goose-cli-v3.17.0/cases")
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw MissingFolder(path: url.path)
            }
            return url
        }
    }

    struct MissingFolder: Error, CustomStringConvertible {
        var path: String
        var description: String {
            "the goose CLI conformance cases are missing at \(path); CI places shared/ beside the checkout — set SKEIN_SHARED_DIR"
        }
    }

    /// The `goose-transcript-differences` block of docs/goose-compatibility.md.
    static func documented() throws -> [String: Documented] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(
            contentsOf: root.appendingPathComponent("docs/goose-compatibility.md"), encoding: .utf8)
        guard let start = text.range(of: "```goose-transcript-differences\n"),
            let end = text.range(of: "\n```", range: start.upperBound..<text.endIndex)
        else { throw BlockMissing() }
        var entries: [String: Documented] = [:]
        for line in text[start.upperBound..<end.lowerBound].split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let parts = trimmed.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
            guard parts.count == 4, let step = Int(parts[1]) else { throw BadEntry(line: String(line)) }
            let fields = try Set(
                parts[2].split(separator: ",").map {
                    guard let field = Field(rawValue: String($0)) else { throw BadEntry(line: String(line)) }
                    return field
                })
            let entry = Documented(caseName: String(parts[0]), step: step, fields: fields, reason: String(parts[3]))
            entries["\(entry.caseName) \(entry.step)"] = entry
        }
        return entries
    }

    struct BlockMissing: Error, CustomStringConvertible {
        var description: String {
            "docs/goose-compatibility.md has no ```goose-transcript-differences block"
        }
    }

    struct BadEntry: Error, CustomStringConvertible {
        var line: String
        var description: String {
            "bad goose-transcript-differences line (want: CASE STEP exit,stdout,stderr,versionTable REASON): \(line)"
        }
    }

    /// The README's normalisation, in its order.
    static func normalise(_ text: String, directory: String, url: String, window: ClosedRange<Date>) -> String {
        var text = text.replacingOccurrences(of: directory, with: "$DIR").replacingOccurrences(of: url, with: "$URL")
        func replace(_ pattern: String, _ template: String, options: NSRegularExpression.Options = []) {
            let regex = try! NSRegularExpression(pattern: pattern, options: options)
            text = regex.stringByReplacingMatches(
                in: text, range: NSRange(text.startIndex..., in: text), withTemplate: template)
        }
        replace(#"\b\d{4}/\d\d/\d\d \d\d:\d\d:\d\d "#, "<TS> ")
        replace(#"\((?:\d+h)?(?:\d+m)?\d+(?:\.\d+)?(?:ns|µs|μs|us|ms|s)\)"#, "(<DUR>)")
        replace(
            #"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d \d{4}"#,
            "<DATE>")
        replace(
            #"^goroutine \d+ \[[^\]\n]*\]:\n.*\z"#, "<GO-PANIC-TRACE>\n",
            options: [.anchorsMatchLines, .dotMatchesLineSeparators])
        // Versions taken from the clock during the run.
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMddHHmmss"
        let regex = try! NSRegularExpression(pattern: #"(?<!\d)\d{14}(?!\d)"#)
        for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).reversed() {
            guard let range = Range(match.range, in: text), let date = formatter.date(from: String(text[range])),
                window.contains(date)
            else { continue }
            text.replaceSubrange(range, with: "<NOW14>")
        }
        return text
    }

    /// stderr without Skein's own context lines (`<TS> skein: …`).
    static func withoutSkeinLines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("<TS> skein: ") }
            .joined(separator: "\n")
    }

    /// pgx v4's connection-error wording compared up to the part goose itself writes.
    static func loosely(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            for marker in ["failed to connect to", "cannot parse"] {
                if let range = line.range(of: marker) { return String(line[..<range.upperBound]) + " …" }
            }
            return String(line)
        }.joined(separator: "\n")
    }

    static func versionTable(_ table: String, in url: DatabaseURL) async throws -> [[VersionCell]]? {
        let logger = Logger(label: "goose-transcripts")
        let connection = try await PostgresConnection.connect(
            configuration: try url.connectionConfiguration(), id: 1, logger: logger)
        defer { Task { try? await connection.close() } }
        let exists = try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT to_regclass('\(table)') IS NOT NULL"), logger: logger
        ).collect().first?.decode(Bool.self)
        guard exists == true else { return nil }
        let rows = try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT version_id, is_applied FROM \(table) ORDER BY id"), logger: logger)
        var table: [[VersionCell]] = []
        for try await (version, applied) in rows.decode((Int64, Bool).self) {
            table.append([.version(version), .applied(applied)])
        }
        return table
    }

    static func copy(_ source: URL, to target: URL) throws {
        try FileManager.default.copyItem(at: source, to: target)
    }

    /// Replays one case; returns the differing fields per step, and what they were.
    static func replay(_ name: String, in folder: URL) async throws -> [(step: Int, fields: Set<Field>, detail: String)]
    {
        let data = try Data(contentsOf: folder.appendingPathComponent(name).appendingPathComponent("case.json"))
        let recorded = try JSONDecoder().decode(Case.self, from: data)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("goose-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let directory = scratch.appendingPathComponent(name)
        try copy(folder.appendingPathComponent(name), to: directory)
        let home = scratch.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let database = try await TestDatabase.makeFreshDatabase()
        let url = database.text
        var differences: [(Int, Set<Field>, String)] = []
        let started = Date().addingTimeInterval(-120)
        for (index, step) in recorded.steps.enumerated() {
            let arguments = step.argv.map {
                $0.replacingOccurrences(of: "$URL", with: url).replacingOccurrences(of: "$DIR", with: directory.path)
            }
            var environment = [
                "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": home.path, "TZ": "UTC",
                "LANG": "C.UTF-8",
            ]
            for (key, value) in recorded.env {
                environment[key] =
                    value.replacingOccurrences(of: "$URL", with: url).replacingOccurrences(
                        of: "$DIR", with: directory.path)
            }
            let result = try await SkeinBinary.run(arguments, in: directory, environment: environment, replacing: true)
            let window = started...Date().addingTimeInterval(120)
            var stdout = normalise(result.stdout, directory: directory.path, url: url, window: window)
            var stderr = withoutSkeinLines(
                normalise(result.stderr, directory: directory.path, url: url, window: window))
            var wantOut = step.stdout
            var wantErr = step.stderr
            if recorded.connectionErrorText == "pgx-v4" {
                (stdout, stderr, wantOut, wantErr) = (
                    loosely(stdout), loosely(stderr), loosely(wantOut), loosely(wantErr)
                )
            }
            let table = try await versionTable(recorded.versionTableName ?? "goose_db_version", in: database)
            var fields: Set<Field> = []
            var detail = ""
            if result.status != step.exitCode {
                fields.insert(.exit)
                detail += "  exit: goose \(step.exitCode), skein \(result.status)\n"
            }
            if stdout != wantOut {
                fields.insert(.stdout)
                detail += "  stdout: goose \(wantOut.debugDescription)\n          skein \(stdout.debugDescription)\n"
            }
            if stderr != wantErr {
                fields.insert(.stderr)
                detail += "  stderr: goose \(wantErr.debugDescription)\n          skein \(stderr.debugDescription)\n"
            }
            if table != step.versionTable {
                fields.insert(.versionTable)
                detail +=
                    "  versionTable: goose \(step.versionTable.map { "\($0)" } ?? "none"), skein \(table.map { "\($0)" } ?? "none")\n"
            }
            if !fields.isEmpty { differences.append((index, fields, detail)) }
        }
        return differences
    }

    static var caseNames: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: casesFolder.path).filter { !$0.hasPrefix(".") }.sorted())
            ?? []
    }

    @Test(
        "every step of every recorded case matches goose v3.17.0, or is a documented difference", arguments: caseNames)
    func replays(_ name: String) async throws {
        let documented = try Self.documented()
        let differences = try await Self.replay(name, in: Self.casesFolder)
        var seen: Set<Int> = []
        for (step, fields, detail) in differences {
            seen.insert(step)
            let fieldList = fields.sorted().map(\.rawValue).joined(separator: ",")
            guard let entry = documented["\(name) \(step)"] else {
                Issue.record(
                    "\(name) step \(step) differs from goose (\(fieldList)) and is not in docs/goose-compatibility.md's goose-transcript-differences block:\n\(detail)"
                )
                continue
            }
            #expect(
                entry.fields == fields,
                "\(name) step \(step): documented as \(entry.fields.sorted().map(\.rawValue).joined(separator: ",")), differs in \(fieldList):\n\(detail)"
            )
        }
        for entry in documented.values where entry.caseName == name && !seen.contains(entry.step) {
            Issue.record(
                "\(name) step \(entry.step) is documented as a difference (\(entry.reason)) but now matches goose: remove the entry"
            )
        }
    }

    @Test("every documented difference names a recorded case and step")
    func entriesNameRealSteps() throws {
        let folder = try Self.casesFolder
        for entry in try Self.documented().values {
            let file = folder.appendingPathComponent(entry.caseName).appendingPathComponent("case.json")
            guard let data = FileManager.default.contents(atPath: file.path) else {
                Issue.record("documented difference for a case that does not exist: \(entry.caseName)")
                continue
            }
            let recorded = try JSONDecoder().decode(Case.self, from: data)
            #expect(entry.step < recorded.steps.count, "\(entry.caseName) has no step \(entry.step)")
            #expect(!entry.reason.isEmpty)
        }
    }
}
