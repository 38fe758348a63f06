import Foundation
import Logging
import PostgresNIO
import SkeinTestSupport
import Testing

/// Three files: the 1st and 3rd parse, the 2nd's Up has a typo on line 3 (goose applies the 1st, then fails).
enum TypoMigrations {
    static let typoLocation = "20240101000002_create_the_2nd.sql:3:16"

    static let files = [
        "20240101000001_create_the_1st.sql":
            "-- +goose Up\nCREATE TABLE first (id int);\n-- +goose Down\nDROP TABLE first;\n",
        "20240101000002_create_the_2nd.sql":
            "-- +goose Up\nCREATE TABLE second (\n    id int NOT NUL\n);\n-- +goose Down\nDROP TABLE second;\n",
        "20240101000003_create_the_3rd.sql":
            "-- +goose Up\nCREATE TABLE third (id int);\n-- +goose Down\nDROP TABLE third;\n",
    ]

    /// A fresh directory holding `files`.
    static func directory(_ files: [String: String] = files) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("skein-precheck-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, text) in files {
            try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return url
    }
}

@Suite("skein binary: a typo refuses the whole run before anything is applied", .requiresPostgreSQL)
struct CLISyntaxPrecheckTests {
    /// goose's version rows, in insertion order (`nil`: no table), and how many audit rows Skein wrote.
    static func rows(_ database: DatabaseURL) async throws -> (versions: [Int64]?, audit: Int64?) {
        let logger = Logger(label: "test")
        let connection = try await PostgresConnection.connect(
            configuration: try database.connectionConfiguration(), id: 1, logger: logger)
        do {
            let result = try await rows(on: connection, logger: logger)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    static func rows(on connection: PostgresConnection, logger: Logger) async throws
        -> (versions: [Int64]?, audit: Int64?)
    {
        var versions: [Int64]?
        var table = false
        for try await value in try await connection.query(
            "SELECT to_regclass('goose_db_version') IS NOT NULL", logger: logger
        ).decode(Bool.self) { table = value }
        if table {
            versions = []
            for try await version in try await connection.query(
                "SELECT version_id FROM goose_db_version ORDER BY id", logger: logger
            ).decode(Int64.self) { versions?.append(version) }
        }
        var audit: Int64?
        var exists = false
        for try await value in try await connection.query(
            "SELECT to_regclass('goose_db_version_skein_audit') IS NOT NULL", logger: logger
        ).decode(Bool.self) { exists = value }
        if exists {
            for try await count in try await connection.query(
                "SELECT count(*)::int8 FROM goose_db_version_skein_audit", logger: logger
            ).decode(Int64.self) { audit = count }
        }
        return (versions, audit)
    }

    @Test("skein up: exit 1, the error names the 2nd file's line and column, the 1st file is not applied")
    func skeinGrammar() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = try TypoMigrations.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try await SkeinBinary.run(["up", "--dir", dir.path, "--database-url", database.text])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(
                "\(TypoMigrations.typoLocation): error[syntax-error]: Up: syntax error at or near \"NUL\""),
            "\(result.stderr)")
        #expect(result.stderr.contains("nothing was applied"), "\(result.stderr)")
        #expect(!result.stdout.contains("OK "), "\(result.stdout)")
        // A refused run writes nothing at all: not even goose's table or Skein's (the fresh-database rule).
        let rows = try await Self.rows(database)
        #expect(rows.versions == nil, "no version table on a refused run")
        #expect(rows.audit == nil, "no audit table on a refused run")
    }

    @Test("goose's grammar (-dir D postgres URL up): exit 1 naming the typo, the 1st file is not applied")
    func gooseGrammar() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = try TypoMigrations.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try await SkeinBinary.run(["-dir", dir.path, "postgres", database.text, "up"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(TypoMigrations.typoLocation): error[syntax-error]"), "\(result.stderr)")
        #expect(!result.stderr.contains("OK "), "\(result.stderr)")
        // goose's grammar creates goose's table where goose does (it reads it before running), and nothing else.
        #expect(try await Self.rows(database).versions == [0])
    }

    @Test("--dry-run reports the typo too, and changes nothing")
    func dryRun() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = try TypoMigrations.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try await SkeinBinary.run(["up", "--dry-run", "--dir", dir.path, "--database-url", database.text])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(TypoMigrations.typoLocation): error[syntax-error]"), "\(result.stderr)")
    }

    @Test("reset checks the Downs it is about to run, not the Ups: a typo in the 1st Down refuses, all stay applied")
    func downs() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        var files = TypoMigrations.files
        files["20240101000001_create_the_1st.sql"] =
            "-- +goose Up\nCREATE TABLE first (id int);\n-- +goose Down\nDROP TABLEE first;\n"
        files["20240101000002_create_the_2nd.sql"] =
            "-- +goose Up\nCREATE TABLE second (id int);\n-- +goose Down\nDROP TABLE second;\n"
        let dir = try TypoMigrations.directory(files)
        defer { try? FileManager.default.removeItem(at: dir) }
        let arguments = ["--dir", dir.path, "--database-url", database.text]
        let up = try await SkeinBinary.run(["up"] + arguments)
        #expect(up.status == 0, "\(up.stderr)")
        let reset = try await SkeinBinary.run(["reset"] + arguments)
        #expect(reset.status == 1)
        #expect(
            reset.stderr.contains(
                "20240101000001_create_the_1st.sql:4:6: error[syntax-error]: Down: syntax error at or near \"TABLEE\""),
            "\(reset.stderr)")
        #expect(!reset.stdout.contains("OK "), "\(reset.stdout)")
        #expect(
            try await Self.rows(database).versions == [0, 20_240_101_000_001, 20_240_101_000_002, 20_240_101_000_003])
    }
}

@Suite("skein binary: validate parses every statement with PostgreSQL's grammar")
struct CLIValidateSyntaxTests {
    @Test("skein validate: exit 1, the typo at file:line:col, in text and JSON")
    func skeinGrammar() async throws {
        let dir = try TypoMigrations.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try await SkeinBinary.run(["validate", "--dir", dir.path])
        #expect(text.status == 1)
        #expect(
            text.stdout.contains(
                "\(TypoMigrations.typoLocation): error[syntax-error]: Up: syntax error at or near \"NUL\""),
            "\(text.stdout)")
        #expect(text.stdout.contains("3 migrations, 1 error, 0 warnings"), "\(text.stdout)")
        let json = try await SkeinBinary.run(["validate", "--format", "json", "--dir", dir.path])
        #expect(json.status == 1)
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let findings = document?["findings"] as? [[String: Any]] ?? []
        #expect(findings.count == 1)
        #expect(findings.first?["code"] as? String == "syntax-error")
        #expect(findings.first?["line"] as? Int == 3 && findings.first?["column"] as? Int == 16)
    }

    @Test("goose's grammar (-dir D validate): exit 1 naming the typo; a directory without one still passes")
    func gooseGrammar() async throws {
        let dir = try TypoMigrations.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try await SkeinBinary.run(["-dir", dir.path, "validate"])
        #expect(result.status == 1)
        // Skein's diagnostic as a `skein: ` line, then goose's validate line last.
        #expect(result.stderr.contains("\(TypoMigrations.typoLocation): error[syntax-error]"), "\(result.stderr)")
        #expect(result.stderr.contains(" goose validate: failed to parse file "), "\(result.stderr)")
        var files = TypoMigrations.files
        files["20240101000002_create_the_2nd.sql"] =
            "-- +goose Up\nCREATE TABLE second (id int);\n-- +goose Down\nDROP TABLE second;\n"
        let clean = try TypoMigrations.directory(files)
        defer { try? FileManager.default.removeItem(at: clean) }
        let passing = try await SkeinBinary.run(["-dir", clean.path, "validate"])
        #expect(passing.status == 0, "\(passing.stdout)\(passing.stderr)")
    }
}
