import Foundation
import SkeinTestSupport
import Testing

/// `skein generate --offline`: the describe cache (.skein/describe/) replayed with no PostgreSQL (the codegen
/// issue's "CI without a database").
@Suite("skein generate --offline: the describe cache", .requiresPostgreSQL)
struct CLIGenerateOfflineTests {
    static let queries = """
        -- name: GetUser :one
        SELECT id, email, mood FROM users WHERE id = $1;

        -- name: ListEmails :many
        SELECT email FROM users ORDER BY email;
        """

    static let cache = ".skein/describe/Sources-DB.json"

    @Test("generate writes the cache; --check --offline and --offline use it without PostgreSQL and agree")
    func roundTrip() async throws {
        let project = try CLIGenerateTests.Project(queries: Self.queries)
        defer { project.directory.delete() }
        let online = try await project.run([])
        #expect(online.status == 0, "\(online.stderr)")
        #expect(online.stdout.contains("created \(Self.cache)"), "\(online.stdout)")
        let generated = try #require(project.file("Queries.swift"))

        let check = try await project.run(["--check", "--offline"])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("up to date: 2 queries"), "\(check.stdout)")
        #expect(!check.stderr.contains("PostgreSQL"), "no database: \(check.stderr)")

        try FileManager.default.removeItem(atPath: project.path + "/Sources")
        let offline = try await project.run(["--offline"])
        #expect(offline.status == 0, "\(offline.stderr)")
        #expect(project.file("Queries.swift") == generated, "the same code as with PostgreSQL")
        #expect(!offline.stdout.contains(Self.cache), "the cache is read, not written: \(offline.stdout)")

        // Nothing changed: the cache is left as it is (no churn), and an online --check agrees.
        let again = try await project.run([])
        #expect(again.stdout.contains("0 files written"), "\(again.stdout)")
        #expect(try await project.run(["--check"]).status == 0)
    }

    @Test("an edited or new query is named at its file:line; a changed schema names the cache; both exit 1")
    func stale() async throws {
        let project = try CLIGenerateTests.Project(queries: Self.queries)
        defer { project.directory.delete() }
        #expect(try await project.run([]).status == 0)

        try project.directory.write(
            "queries/users.sql",
            Self.queries + "\n\n-- name: CountUsers :one\nSELECT count(*) FROM users;\n")
        let edited = try await project.run(["--check", "--offline"])
        #expect(edited.status == 1)
        #expect(
            edited.stderr.contains(
                "queries/users.sql:8: CountUsers: not in the describe cache \(Self.cache): the query is new or changed"),
            "\(edited.stderr)")
        #expect(!edited.stderr.contains("GetUser"), "unchanged queries are found: \(edited.stderr)")
        // With PostgreSQL, --check says the committed cache no longer serves.
        let online = try await project.run(["--check"])
        #expect(online.status == 1)
        #expect(online.stderr.contains("stale: \(Self.cache) does not reproduce this code"), "\(online.stderr)")
        #expect(try await project.run([]).stdout.contains("updated \(Self.cache)"))
        #expect(try await project.run(["--check", "--offline"]).status == 0)

        try project.directory.write(
            "schema/00002_more.sql", "-- +goose Up\nALTER TABLE users ADD COLUMN age int;\n-- +goose Down\nSELECT 1;\n")
        let schema = try await project.run(["--offline"])
        #expect(schema.status == 1)
        #expect(
            schema.stderr.contains("\(Self.cache) was written for another schema")
                && schema.stderr.contains("schema/00002_more.sql"), "\(schema.stderr)")
    }

    @Test("no cache: --offline says how to make one; --offline with --dev-url is refused")
    func missing() async throws {
        let project = try CLIGenerateTests.Project(queries: Self.queries)
        defer { project.directory.delete() }
        let result = try await project.run(["--offline"])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains("\(Self.cache): there is no describe cache; run `skein generate` where PostgreSQL"),
            "\(result.stderr)")
        let both = try await project.run(["--offline", "--dev-url", "postgres://nobody@127.0.0.1:1/x"])
        #expect(both.status == 1 && both.stderr.contains("--offline uses no database"), "\(both.stderr)")
    }
}
