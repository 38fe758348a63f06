import Foundation
import SkeinTestSupport
import Testing

/// `skein check-queries`: which migration breaks which query (the codegen issue's "no open-source tool does this").
@Suite("skein check-queries", .requiresPostgreSQL)
struct CLICheckQueriesTests {
    static let queries = """
        -- name: GetUser :one
        SELECT id, email, nickname FROM users WHERE id = @id;

        -- name: CountUsers :one
        SELECT count(*) FROM users;

        -- name: ListEmails :many
        SELECT email FROM users ORDER BY email;
        """

    /// A project whose third migration drops a column one query reads and retypes another.
    static func project() throws -> CLIGenerateTests.Project {
        let project = try CLIGenerateTests.Project(
            queries: queries,
            schema:
                "-- +goose Up\nCREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n-- +goose Down\nDROP TABLE users;\n"
        )
        try project.directory.write(
            "schema/00002_add_nickname.sql",
            "-- +goose Up\nALTER TABLE users ADD COLUMN nickname text;\n-- +goose Down\nALTER TABLE users DROP COLUMN nickname;\n"
        )
        try project.directory.write(
            "schema/00003_drop_nickname.sql",
            "-- +goose Up\nALTER TABLE users DROP COLUMN nickname;\nALTER TABLE users ALTER COLUMN email TYPE varchar(200);\n"
                + "-- +goose Down\nSELECT 1;\n")
        return project
    }

    func check(_ project: CLIGenerateTests.Project, _ arguments: [String] = []) async throws -> SkeinBinary.Result {
        try await SkeinBinary.run(["check-queries"] + arguments, in: project.directory.url)
    }

    @Test("the migration that breaks a query is named, with PostgreSQL's words; a type change is a warning; exit 1")
    func breaks() async throws {
        let project = try Self.project()
        defer { project.directory.delete() }
        let result = try await check(project)
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.contains(
                "queries/users.sql:1: error[query-broken]: 00003_drop_nickname.sql breaks GetUser: column \"nickname\" does not exist (SQLSTATE 42703)"
            ), "\(result.stdout)")
        #expect(
            lines.contains(
                "queries/users.sql:7: warning[query-changed]: 00003_drop_nickname.sql changes ListEmails: column email: text → character varying(200) (regenerate: skein generate)"
            ), "\(result.stdout)")
        // GetUser is not "invalid" too: it was broken by a migration, and said so once.
        #expect(!result.stdout.contains("query-invalid"))
        #expect(lines.last == "checked 3 queries after each of 3 migrations: 1 broken, 1 changed")
    }

    @Test("--since: what is deployed applies at once; a query that never described is invalid; json and sarif")
    func sinceAndFormats() async throws {
        let project = try Self.project()
        defer { project.directory.delete() }
        let deployed = try await check(project, ["--since", "3", "--format", "json"])
        #expect(deployed.status == 1)
        let document = try JSONSerialization.jsonObject(with: Data(deployed.stdout.utf8)) as? [String: Any]
        let package = (document?["packages"] as? [[String: Any]])?.first
        #expect(package?["steps"] as? Int == 0 && package?["queries"] as? Int == 3)
        let findings = package?["findings"] as? [[String: Any]] ?? []
        #expect(findings.map { $0["code"] as? String } == ["query-invalid"], "\(deployed.stdout)")
        #expect(findings.first?["line"] as? Int == 1)

        let sarif = try await check(project, ["--format", "sarif"])
        let log = try JSONSerialization.jsonObject(with: Data(sarif.stdout.utf8)) as? [String: Any]
        #expect(log?["version"] as? String == "2.1.0")
        let results = (log?["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]] ?? []
        #expect(Set(results.compactMap { $0["ruleId"] as? String }) == ["query-broken", "query-changed"])
    }

    @Test("a clean history exits 0; a migration that does not apply is named at its line")
    func cleanAndBroken() async throws {
        let project = try Self.project()
        defer { project.directory.delete() }
        try project.directory.write(
            "schema/00003_drop_nickname.sql",
            "-- +goose Up\nALTER TABLE users ADD COLUMN age int;\n-- +goose Down\nSELECT 1;\n")
        let clean = try await check(project)
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        #expect(clean.stdout.hasSuffix("checked 3 queries after each of 3 migrations: 0 broken, 0 changed\n"))

        try project.directory.write(
            "schema/00003_drop_nickname.sql",
            "-- +goose Up\n\nALTER TABLE nowhere ADD COLUMN age int;\n-- +goose Down\nSELECT 1;\n")
        let broken = try await check(project)
        #expect(broken.status == 1)
        #expect(
            broken.stdout.contains(
                "schema/00003_drop_nickname.sql:3: error[schema-does-not-apply]: 00003_drop_nickname.sql does not apply on top of the migrations before it"
            ), "\(broken.stdout)")
    }
}
