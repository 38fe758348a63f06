import Foundation
import SkeinTestSupport
import Testing

@testable import SkeinCodegen

/// The Swift emitter's pieces, and the fixture whose output the GeneratedCodeTests target compiles.
@Suite("SwiftEmitter: names, literals, casts and byte-stable output")
struct SwiftEmitterTests {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    @Test(
        "the checked-in Generated/ is exactly what each fixture generates today (twice: byte-stable)",
        .requiresPostgreSQL,
        arguments: [
            (
                "GeneratedCodeTests", "skein.yaml",
                [
                    "Models.swift", "Queries.swift", "agents.sql.swift", "catalog_nodes.sql.swift", "devices.sql.swift",
                    "edges.sql.swift", "grids.sql.swift", "route_plans.sql.swift", "shipments.sql.swift",
                    "spans.sql.swift", "users.sql.swift",
                ]
            ),
            ("GeneratedPluginFormTests", "sqlc.yaml", ["Models.swift", "Queries.swift", "invoices.sql.swift"]),
        ])
    func fixtureIsCurrent(target: String, configurationFile: String, expected: [String]) async throws {
        let fixture = Self.tests.appendingPathComponent(target).appendingPathComponent("Fixture").path
        let configuration = try CodegenConfiguration.parse(
            try String(contentsOfFile: fixture + "/" + configurationFile, encoding: .utf8), path: configurationFile)
        let package = try #require(configuration.packages.first)
        var outputs: [[GeneratedFile]] = []
        for _ in 0..<2 {
            let database = try await TestDatabase.makeFreshDatabase()
            let describer = try QueryDescriber(connectionString: database.text)
            try await CodeGenerator.apply(try SchemaSource.load(package.schema, base: fixture), on: describer)
            outputs.append(try await CodeGenerator.generate(package, base: fixture, describer: describer).files)
        }
        #expect(outputs[0] == outputs[1])
        let directory = OutputDirectory(path: fixture + "/" + package.options.out)
        for file in outputs[0] {
            let existing = (try? String(contentsOfFile: directory.path + "/" + file.path, encoding: .utf8)) ?? ""
            let old = existing.split(separator: "\n", omittingEmptySubsequences: false)
            let new = file.contents.split(separator: "\n", omittingEmptySubsequences: false)
            if let line = zip(old, new).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
                Issue.record(
                    "\(file.path):\(line.offset + 1): checked in `\(line.element.0)`, generated `\(line.element.1)`")
            }
        }
        #expect(
            directory.changes(outputs[0]).isEmpty,
            "Tests/\(target)/Generated is stale: run `skein generate -f Tests/\(target)/Fixture/\(configurationFile)`")
        #expect(outputs[0].map(\.path) == expected)
    }

    @Test("enum labels become case names; keywords are escaped")
    func names() {
        #expect(SwiftEmitter.caseName("in-review") == "inReview")
        #expect(SwiftEmitter.caseName("2fa") == "_2fa")
        #expect(SwiftEmitter.caseName("ACTIVE") == "active")
        #expect(SwiftEmitter.caseName("") == "empty")
        #expect(SwiftEmitter.identifier("default") == "`default`")
        #expect(SwiftEmitter.identifier("status") == "status")
        #expect(PackageAnalysis.singular("users") == "user")
        #expect(PackageAnalysis.singular("categories") == "category")
        #expect(PackageAnalysis.singular("addresses") == "address")
        #expect(PackageAnalysis.singular("status") == "status")
        #expect(PackageAnalysis.singular("agent_runs") == "agent_run")
    }

    @Test("SQL goes into a raw literal that keeps quotes, backslashes and #")
    func literals() {
        let sql = ##"SELECT '"#' AS a, E'\\n' AS b, "x""y" FROM t"##
        let literal = SwiftEmitter.multilineLiteral(sql, indent: "    ")
        #expect(literal.hasPrefix("##\"\"\"\n"))
        #expect(literal.hasSuffix("\"\"\"##"))
        #expect(SwiftEmitter.stringLiteral("a\"b\\c\n") == #""a\"b\\c\n""#)
    }

    @Test("casts go after every placeholder of the parameter, nowhere else")
    func casts() {
        let sql = "SELECT '$1', \"$1\" FROM users WHERE status = $1 OR $10 = 1 OR backup = $1 -- $1"
        #expect(
            PackageAnalysis.insertCasts([1: "user_status"], into: sql)
                == "SELECT '$1', \"$1\" FROM users WHERE status = ($1::user_status) OR $10 = 1 OR backup = ($1::user_status) -- $1"
        )
    }

    @Test(":execrows and :execresult count their own rows")
    func counting() throws {
        let update = try #require(PackageAnalysis.countingStatement("UPDATE users SET a = 1 WHERE id = $1"))
        #expect(update.1 == "UPDATE")
        #expect(update.0.contains("UPDATE users SET a = 1 WHERE id = $1\n    RETURNING 1"))
        let returning = try #require(PackageAnalysis.countingStatement("DELETE FROM t RETURNING id"))
        #expect(!returning.0.contains("RETURNING 1") && returning.1 == "DELETE")
        #expect(PackageAnalysis.countingStatement("SELECT 1")?.1 == "SELECT")
        #expect(PackageAnalysis.countingStatement("CREATE TABLE x (a int)") == nil)
    }
}
