import Foundation
import SkeinTestSupport
import Testing

/// sqlc's database-backed analysis: an `sql:` entry with `database: {uri: …}` and no `schema:` (frain-dev/convoy's
/// sqlc.yaml, with `${VAR}`s) is described on that database as it is. Nothing is applied to it, no server of Skein's
/// own starts, and an unset variable is named.
@Suite("skein generate: database.uri without schema (sqlc's database-backed analysis)", .requiresPostgreSQL)
struct CLIGenerateOwnDatabaseTests {
    static let configuration = """
        version: "2"
        sql:
          - engine: postgresql
            queries: queries
            database:
              uri: "${APP_DATABASE_URL}"
            gen:
              swift:
                out: Sources/DB
        """

    @Test(
        "generates from the database's own tables; applies nothing to it; names an unset variable; never the password")
    func ownDatabase() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let role = try await OwnRole("owndb", on: database)
        _ = try await rows("CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL)", on: database)
        _ = try await rows("GRANT SELECT ON accounts TO \(role.name)", on: database)
        let directory = try MigrationsDirectory()
        defer { directory.delete() }
        try FileManager.default.createDirectory(atPath: directory.path + "/queries", withIntermediateDirectories: true)
        try directory.write("sqlc.yaml", Self.configuration)
        // Unannotated DDL in a query file is schema for a scratch database; here it must not reach the database.
        try directory.write(
            "queries/accounts.sql",
            "-- name: GetAccount :one\nSELECT id, name FROM accounts WHERE id = $1;\n\nCREATE TABLE sqlc_only (id int);\n"
        )
        let password = "secret-\(role.name)"

        let result = try await SkeinBinary.run(
            ["generate"], in: directory.url, environment: ["APP_DATABASE_URL": role.url])
        #expect(result.status == 0, "\(result.stderr)")
        let models = try String(contentsOfFile: directory.path + "/Sources/DB/Models.swift", encoding: .utf8)
        #expect(models.contains("public struct Account: Sendable") && models.contains("public var name: String"))
        let queries = try String(contentsOfFile: directory.path + "/Sources/DB/accounts.sql.swift", encoding: .utf8)
        #expect(queries.contains("public struct GetAccount: PostgresPreparedStatement"))
        #expect(try await scalar("SELECT to_regclass('sqlc_only')::text", on: database) == nil)
        #expect(try await role.databases(like: "skein") == "0", "no scratch database")
        #expect(!result.stderr.contains("throwaway PostgreSQL"), "no server of Skein's own: \(result.stderr)")

        // A query PostgreSQL rejects is named where it is; the URL's password is never printed.
        try directory.write("queries/accounts.sql", "-- name: Broken :one\nSELECT nope FROM accounts;\n")
        let broken = try await SkeinBinary.run(
            ["generate"], in: directory.url, environment: ["APP_DATABASE_URL": role.url])
        #expect(broken.status == 1)
        #expect(
            broken.stderr.contains(
                "queries/accounts.sql:2:8: error[query-rejected]: Broken: column \"nope\" does not exist"),
            "\(broken.stderr)")
        #expect(!broken.stderr.contains(password) && !broken.stdout.contains(password))

        let unset = try await SkeinBinary.run(["generate"], in: directory.url, environment: [:])
        #expect(unset.status == 1)
        #expect(
            unset.stderr.contains(
                "sqlc.yaml: database.uri names $APP_DATABASE_URL, which is not set; set it (sqlc reads the same variable)"
            ),
            "\(unset.stderr)")

        let check = try await SkeinBinary.run(
            ["check-queries"], in: directory.url, environment: ["APP_DATABASE_URL": role.url])
        #expect(check.status == 1)
        #expect(check.stderr.contains("check-queries applies the migrations one at a time"), "\(check.stderr)")
    }

    @Test("an entry with neither schema nor database.uri, and sqlc Cloud's managed database, are configuration errors")
    func configuration() async throws {
        let directory = try MigrationsDirectory()
        defer { directory.delete() }
        try FileManager.default.createDirectory(atPath: directory.path + "/queries", withIntermediateDirectories: true)
        try directory.write("queries/q.sql", "-- name: One :one\nSELECT 1;\n")
        try directory.write(
            "sqlc.yaml",
            Self.configuration.replacingOccurrences(of: "    database:\n      uri: \"${APP_DATABASE_URL}\"\n", with: "")
        )
        let neither = try await SkeinBinary.run(["generate"], in: directory.url, environment: [:])
        #expect(neither.status == 1)
        #expect(
            neither.stderr.contains(
                "sqlc.yaml:3: error[configuration]: an sql entry needs `schema:` (files applied to a scratch database) or `database: {uri: …}`"
            ),
            "\(neither.stderr)")
        try directory.write(
            "sqlc.yaml",
            Self.configuration.replacingOccurrences(of: "uri: \"${APP_DATABASE_URL}\"", with: "managed: true"))
        let managed = try await SkeinBinary.run(["generate"], in: directory.url, environment: [:])
        #expect(managed.status == 1)
        #expect(managed.stderr.contains("database: {managed: true} is sqlc Cloud's"), "\(managed.stderr)")
    }
}
