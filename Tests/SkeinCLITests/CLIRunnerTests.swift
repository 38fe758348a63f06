import Foundation
import SkeinTestSupport
import Testing

@Suite("skein binary: the runner against a real PostgreSQL", .requiresPostgreSQL)
struct CLIRunnerTests {
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    @Test("goose's Makefile line with goose replaced by skein: up, status, up again, down, version")
    func gooseLines() async throws {
        let url = try await TestDatabase.makeFreshDatabase().text
        let dir = Self.root.appendingPathComponent("examples/agentflow/migrations").path
        let up = try SkeinBinary.run(["-dir", dir, "postgres", url, "up"])
        #expect(up.status == 0, "\(up.stderr)")
        #expect(up.stderr.contains("OK   20240101120000_initial_schema.sql ("))
        #expect(up.stderr.contains("goose: successfully migrated database to version: 20240918150000"))

        let status = try SkeinBinary.run(["-dir", dir, "postgres", url, "status"])
        #expect(status.status == 0)
        #expect(status.stderr.contains("    Applied At                  Migration"))
        #expect(!status.stderr.contains("Pending"))

        let again = try SkeinBinary.run(["-dir", dir, "postgres", url, "up"])
        #expect(
            again.status == 0 && again.stderr.contains("goose: no migrations to run. current version: 20240918150000"))

        let down = try SkeinBinary.run(["down", "--dir", dir, "--database-url", url])
        #expect(down.status == 0 && down.stdout.contains("OK   20240918150000_add_role_to_users.sql"))
        let version = try SkeinBinary.run(["version", "--dir", dir, "--database-url", url])
        #expect(version.stdout.contains("goose: version 20240715133000"))
        let pending = try SkeinBinary.run(["status", "--dir", dir, "--database-url", url])
        #expect(pending.stdout.contains("Pending                  -- 20240918150000_add_role_to_users.sql"))
    }

    @Test("a failing migration: exit 1, file:line, SQLSTATE, what was applied; no password in the output")
    func failure() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("skein-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n".write(
            to: dir.appendingPathComponent("00001_a.sql"), atomically: true, encoding: .utf8)
        try "-- +goose Up\nCREATE TABLE b (id int);\nCREATE TABLE b (id int);\n-- +goose Down\nDROP TABLE b;\n".write(
            to: dir.appendingPathComponent("00002_b.sql"), atomically: true, encoding: .utf8)
        let result = try SkeinBinary.run(["-dir", dir.path, "postgres", database.text, "up"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("Applied 00001_a.sql"))
        #expect(result.stderr.contains("00002_b.sql:3"))
        #expect(result.stderr.contains("42P07"))
        #expect(result.stderr.contains("nothing after it ran"))

        let bad = try SkeinBinary.run([
            "up", "--dir", dir.path, "--database-url", "postgres://app:hunter2@127.0.0.1:1/x",
        ])
        #expect(bad.status == 1)
        #expect(!bad.stderr.contains("hunter2") && !bad.stdout.contains("hunter2"))
        #expect(bad.stderr.contains("127.0.0.1:1"))
        let badPort = try SkeinBinary.run(["up", "--dir", dir.path, "--database-url", "host=localhost port=abc"])
        #expect(badPort.status == 1 && badPort.stderr.contains("invalid port number"))
    }
}
