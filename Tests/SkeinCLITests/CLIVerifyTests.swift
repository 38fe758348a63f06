import Foundation
import SkeinTestSupport
import Testing

@Suite("skein verify")
struct CLIVerifyTests {
    static let examples = CLIRunnerTests.root.appendingPathComponent("examples/agentflow/migrations").path

    @Test("on a throwaway cluster of its own: the examples pass; DATABASE_URL and PG* are never read")
    func throwaway() async throws {
        let result = try await SkeinBinary.run(
            ["verify", "--dir", Self.examples],
            environment: ["DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "PGHOST": "192.0.2.1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("ok      examples/") || result.stdout.contains("ok      /"), "\(result.stdout)")
        #expect(result.stdout.contains("9 verified, 0 failed, 0 skipped"), "\(result.stdout)")
        #expect(result.stderr.contains("verify [9/9] 20240918150000_add_role_to_users.sql"), "\(result.stderr)")
    }

    @Test("--dev-url: a scratch database there, dropped afterwards; a defect is named with its file; JSON output")
    func devURL() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        // Only the scratch databases of verify's own role count (other tests create and drop theirs meanwhile).
        let role = try await OwnRole("verifier", on: database)
        let devURL = role.url
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write(
            "20240101120000_create_sessions.sql",
            "-- +goose Up\nCREATE TABLE sessions (id bigint PRIMARY KEY, token text);\n-- +goose Down\nDROP TABLE sessions;\n"
        )
        try dir.write(
            "20240115143022_add_user_authentication.sql",
            "-- +goose Up\nCREATE INDEX idx_sessions_token ON sessions (token);\n-- +goose Down\nSELECT 1;\n")
        let text = try await SkeinBinary.run(["verify", "--dir", dir.path, "--dev-url", devURL])
        #expect(text.status == 1)
        #expect(
            text.stdout.contains(
                "\(dir.path)/20240115143022_add_user_authentication.sql: error: Down leaves index idx_sessions_token"),
            "\(text.stdout)")
        #expect(text.stdout.contains("1 verified, 1 failed, 0 skipped"))
        let json = try await SkeinBinary.run(["verify", "--dir", dir.path, "--dev-url", devURL, "--format", "json"])
        #expect(json.status == 1)
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(document?["schemaVersion"] as? Int == 1)
        #expect(document?["passed"] as? Bool == false)
        let entries = document?["migrations"] as? [[String: Any]] ?? []
        #expect(entries.map { $0["outcome"] as? String } == ["verified", "failed"])
        // The scratch databases are gone, and the dev database itself was never touched.
        #expect(
            try await role.databases(like: "skein\\_verify") == "0")
        #expect(try await scalar("SELECT to_regclass('sessions')::text", on: database) == nil)
        try await role.drop()
    }

    @Test("--dev-url with a role that cannot create databases says so")
    func noCreateDB() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let role = "verify_\(UInt32.random(in: 0...UInt32.max))"
        _ = try await rows("CREATE ROLE \(role) LOGIN PASSWORD 'secret-\(role)' NOCREATEDB", on: database)
        var url = URLComponents(string: database.text)!
        url.user = role
        url.password = "secret-\(role)"
        let result = try await SkeinBinary.run(["verify", "--dir", Self.examples, "--dev-url", url.string!])
        _ = try await rows("DROP ROLE \(role)", on: database)
        #expect(result.status == 1)
        #expect(result.stderr.contains("no CREATEDB privilege"), "\(result.stderr)")
        #expect(!result.stderr.contains("secret-"))
    }
}
