import Foundation
import SkeinTestSupport
import Testing

/// Runs the built `skein` binary, as a user would.
struct SkeinBinary {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var path: String {
        if let override = ProcessInfo.processInfo.environment["SKEIN_BINARY"] { return override }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [beside, beside.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("skein")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url.path }
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/skein").path
    }

    /// - Parameter replacing: run with exactly `environment` instead of this process's environment plus it.
    static func run(
        _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:], replacing: Bool = false
    ) async throws -> Result {
        let output = try await ChildProcess.run(
            path, arguments, directory: directory, environment: self.environment(environment, replacing: replacing))
        return Result(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }

    /// Starts a run whose stdout and stderr go, together, to ``ChildProcess/stdout``.
    static func start(_ arguments: [String], environment: [String: String] = [:]) async throws -> ChildProcess {
        try await ChildProcess(path, arguments, environment: self.environment(environment), combineOutput: true)
    }

    /// This process's environment without goose's variables, plus `extra`; or exactly `extra` when `replacing`.
    static func environment(_ extra: [String: String], replacing: Bool = false) -> [String: String] {
        var env = replacing ? [:] : ProcessInfo.processInfo.environment
        for key in ["GOOSE_MIGRATION_DIR", "GOOSE_DRIVER", "GOOSE_DBSTRING"] where !replacing { env[key] = nil }
        env.merge(extra) { $1 }
        return env
    }
}

@Suite("skein binary: create, inspect, validate")
struct CLIEndToEndTests {
    func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("skein-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("create writes a timestamped file with Up and Down and prints its path")
    func create() async throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try await SkeinBinary.run(["create", "add_user_roles", "--dir", "migrations"], in: root)
        #expect(result.status == 0, "\(result.stderr)")
        let path = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(
            path.range(of: #"^migrations/\d{14}_add_user_roles\.sql$"#, options: .regularExpression) != nil, "\(path)")
        let text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
        #expect(text.hasPrefix("-- +goose Up\n"))
        #expect(text.contains("-- +goose Down\n"))
        #expect(text.contains("IF NOT EXISTS") && text.contains("IF EXISTS"))
        // The new file validates.
        let validation = try await SkeinBinary.run(["validate", "--dir", "migrations"], in: root)
        #expect(validation.status == 0, "\(validation.stdout)")
    }

    @Test("create refuses a name the policy forbids and names the corrected one; nothing is written")
    func createRefuses() async throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        for name in ["AddUserTable", "add user table", "add-user-table", "Add_Users"] {
            let result = try await SkeinBinary.run(["create", name, "--dir", "m"], in: root)
            #expect(result.status == 1, "\(name)")
            #expect(result.stderr.contains("add_user") || result.stderr.contains("add_users"), "\(result.stderr)")
        }
        let written =
            (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("m").path)) ?? []
        #expect(written.isEmpty)
        let nonASCII = try await SkeinBinary.run(["create", "ajouter_café", "--dir", "m"], in: root)
        #expect(nonASCII.status == 1)
    }

    @Test("create warns about long names and missing verbs, and writes --destructive's header")
    func createWarnings() async throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try await SkeinBinary.run(["create", "users_table", "--destructive", "--dir", "m"], in: root)
        #expect(result.status == 0)
        #expect(result.stderr.contains("action verb"))
        let path = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
        #expect(text.hasPrefix("-- DESTRUCTIVE:"))
        #expect(text.contains("-- Backup created:") && text.contains("-- Recovery procedure:"))
        #expect(text.contains("SELECT 'MANUAL_RECOVERY_REQUIRED' as status;"))
    }

    @Test("a file made by skein create and filled in correctly lints clean")
    func createdFileLintsClean() async throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let created = try await SkeinBinary.run(["create", "add_user_roles", "sql", "--dir", "migrations"], in: root)
        #expect(created.status == 0, "\(created.stderr)")
        let path = root.appendingPathComponent(created.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        var text = try String(contentsOf: path, encoding: .utf8)
        text = text.replacingOccurrences(
            of: "\n\n-- +goose Down\n",
            with:
                "\nCREATE TABLE IF NOT EXISTS user_roles (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);\n\n-- +goose Down\n"
        )
        text += "DROP TABLE IF EXISTS user_roles;\n"
        try text.write(to: path, atomically: true, encoding: .utf8)
        let lint = try await SkeinBinary.run(["lint", "migrations"], in: root)
        #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")
        #expect(!lint.stdout.contains("error[") && !lint.stdout.contains("warning["), "\(lint.stdout)")
    }

    @Test("goose's create line works with goose replaced by skein")
    func gooseCreate() async throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        // goose writes into an existing directory only (and so does Skein in goose's grammar).
        let missing = try await SkeinBinary.run(["-dir", "migrations", "create", "add_user_roles", "sql"], in: root)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("goose run: failed to create migration file: open migrations/"))
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("migrations"), withIntermediateDirectories: true)
        let result = try await SkeinBinary.run(["-dir", "migrations", "create", "add_user_roles", "sql"], in: root)
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        #expect(
            result.stderr.range(
                of: #"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d Created new file: migrations/\d{14}_add_user_roles\.sql"#,
                options: .regularExpression) != nil, "\(result.stderr)")
        let goType = try await SkeinBinary.run(["-dir", "migrations", "create", "add_thing"], in: root)
        #expect(goType.status == 1)
        #expect(goType.stderr.contains("SQL migrations only"))
    }

    @Test("goose's fix renumbers timestamped files; Skein mode refuses it under the policy")
    func fix() async throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        for name in ["00001_a.sql", "20240101120000_b.sql"] {
            try "-- +goose Up\nSELECT 1;\n".write(
                to: root.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let refused = try await SkeinBinary.run(["fix", "--dir", root.path])
        #expect(refused.status == 1 && refused.stderr.contains("policy"))
        let fixed = try await SkeinBinary.run(["-dir", root.path, "fix"])
        #expect(fixed.status == 0)
        #expect(fixed.stderr.contains("RENAMED 20240101120000_b.sql => 00002_b.sql"))
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: root.path)) == ["00001_a.sql", "00002_b.sql"])
    }

    @Test("usage errors exit 2 in both grammars")
    func usageExitCodes() async throws {
        #expect(try await SkeinBinary.run(["create"]).status == 2)
        #expect(try await SkeinBinary.run(["validate", "--nope"]).status == 2)
        #expect(try await SkeinBinary.run(["-nope", "up"]).status == 2)
        #expect(try await SkeinBinary.run(["-dir"]).status == 2)
        #expect(try await SkeinBinary.run(["-dir", "m"]).status == 1)
        let version = try await SkeinBinary.run(["--version"])
        #expect(version.status == 0 && version.stdout.contains("skein"))
    }

    @Test("inspect --format json prints one object per file with goose's statements and lines")
    func inspectJSON() async throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let good = root.appendingPathComponent("00001_a.sql")
        try "-- +goose Up\nCREATE TABLE a (id int);\n\n-- +goose Down\nDROP TABLE a;\n".write(
            to: good, atomically: true, encoding: .utf8)
        let bad = root.appendingPathComponent("notes.sql")
        try "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n".write(to: bad, atomically: true, encoding: .utf8)
        let result = try await SkeinBinary.run(["inspect", "--format", "json", good.path, bad.path])
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        let first = try #require(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["file"] as? String == good.path)
        #expect(first["version"] as? Int == 1)
        #expect(first["useTx"] as? Bool == true)
        let up = try #require(first["up"] as? [[String: Any]])
        #expect(up.first?["sql"] as? String == "CREATE TABLE a (id int);")
        #expect(up.first?["line"] as? Int == 2)
        #expect((first["checksum"] as? String)?.count == 64)
        #expect(first["upError"] is NSNull)
        let second = try #require(JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        #expect(second["version"] is NSNull)
        #expect((second["upError"] as? String)?.contains("line 2") == true)
        #expect(second["up"] is NSNull)
    }

    @Test("validate reports every problem at once with file:line and exits 1")
    func validateAllAtOnce() async throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let files: [String: [UInt8]] = [
            "20240101120000_create_a.sql": Array(
                "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n".utf8),
            "20240101120000_create_b.sql": Array(
                "-- +goose Up\nCREATE TABLE b (id int);\n-- +goose Down\nDROP TABLE b;\n".utf8),
            "20240102120000_add user.sql": Array("-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 1;\n".utf8),
            "20240103120000_create_c.sql": Array("-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n".utf8),
            "20240104120000_only_down.sql": Array("-- +goose Down\nDROP TABLE x;\n".utf8),
            "20240105120000_create_empty.sql": [],
            "20240106120000_create_latin1.sql": Array("-- +goose Up\nSELECT 'caf".utf8) + [0xE9] + Array("';\n".utf8),
            "20240107120000_create_bom.sql": [0xEF, 0xBB, 0xBF] + Array("-- +goose Up\nSELECT 1;\n".utf8),
            "20240108120000_create_d.sql": Array("-- +goose Up\nSELECT 1\n-- +goose Down\nSELECT 2;\n".utf8),
        ]
        for (name, bytes) in files {
            try Data(bytes).write(to: root.appendingPathComponent(name))
        }
        let result = try await SkeinBinary.run(["validate", "--dir", root.path])
        #expect(result.status == 1)
        let out = result.stdout
        #expect(out.contains("duplicate-version"))
        #expect(out.contains("20240102120000_add user.sql: error[migration-name-snake-case]"))
        #expect(out.contains("20240103120000_create_c.sql:2: error[goose-missing-statement-end]"))
        #expect(out.contains("20240104120000_only_down.sql:1: error[goose-misplaced-down-annotation]"))
        #expect(out.contains("20240105120000_create_empty.sql:1: error[goose-missing-up-annotation]"))
        #expect(out.contains("20240106120000_create_latin1.sql:2: error[goose-invalid-encoding]"))
        #expect(out.contains("20240107120000_create_bom.sql:1: error[goose-byte-order-mark]"))
        #expect(out.contains("20240108120000_create_d.sql:2: error[goose-missing-semicolon]"))
        #expect(out.contains("help:"))

        let json = try await SkeinBinary.run(["validate", "--dir", root.path, "--format", "json"])
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["schemaVersion"] as? Int == 1)
        #expect((object["findings"] as? [Any])?.count ?? 0 >= 9)
    }

    @Test("validate of a missing directory names it")
    func validateMissingDirectory() async throws {
        let result = try await SkeinBinary.run(["validate", "--dir", "/nonexistent/skein-migrations"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("/nonexistent/skein-migrations"))
    }

    @Test("goose mode: naming rules are warnings, goose's sequential names pass; policy: enforce makes them errors")
    func gooseModePolicy() async throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("m")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 1;\n".write(
            to: dir.appendingPathComponent("00001_init.sql"), atomically: true, encoding: .utf8)
        #expect(try await SkeinBinary.run(["-dir", "m", "validate"], in: root).status == 0)
        #expect(try await SkeinBinary.run(["validate", "--dir", "m"], in: root).status == 1)
        try "policy: enforce\n".write(to: root.appendingPathComponent("skein.yaml"), atomically: true, encoding: .utf8)
        #expect(try await SkeinBinary.run(["-dir", "m", "validate"], in: root).status == 1)
        try "policy: enforce\nmigratons-dir: x\n".write(
            to: root.appendingPathComponent("skein.yaml"), atomically: true, encoding: .utf8)
        let bad = try await SkeinBinary.run(["validate", "--dir", "m"], in: root)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("skein.yaml:2") && bad.stderr.contains("migratons-dir"))
    }

    @Test("the example AgentFlow migrations validate cleanly")
    func examples() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let result = try await SkeinBinary.run(["validate", "--dir", "examples/agentflow/migrations"], in: root)
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("0 errors, 0 warnings"))
    }
}

@Suite("skein binary: sandbox", .serialized)
struct CLISandboxTests {
    @Test("sandbox start prints a URL, env exports it, status reports it, stop removes it")
    func lifecycle() async throws {
        let name = "clitest-\(UInt32.random(in: 0...UInt32.max))"
        // The sandbox is stopped whatever happens (a defer cannot await).
        do {
            let start = try await SkeinBinary.run(["sandbox", "start", "--name", name])
            #expect(start.status == 0, "\(start.stderr)")
            let url = start.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(url.hasPrefix("postgres://postgres@127.0.0.1:"), "\(url)")
            let again = try await SkeinBinary.run(["sandbox", "start", "--name", name])
            #expect(again.status == 0 && again.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == url)
            let env = try await SkeinBinary.run(["sandbox", "env", "--name", name])
            #expect(env.stdout.contains("export DATABASE_URL='\(url)'"))
            #expect(env.stdout.contains("export PGPORT="))
            #expect(try await SkeinBinary.run(["sandbox", "status", "--name", name]).status == 0)
            #expect(try await SkeinBinary.run(["sandbox", "stop", "--name", name]).status == 0)
            #expect(try await SkeinBinary.run(["sandbox", "status", "--name", name]).status == 1)
            #expect(try await SkeinBinary.run(["sandbox", "start", "--name", "bad name!"]).status == 2)
        } catch {
            _ = try? await SkeinBinary.run(["sandbox", "stop", "--name", name])
            throw error
        }
        _ = try? await SkeinBinary.run(["sandbox", "stop", "--name", name])
    }
}

@Suite("skein binary: lint")
struct CLILintTests {
    @Test(
        "lint reports findings with file:line:col, exits 1 on errors, 0 on warnings only; JSON has the documented shape"
    )
    func lint() async throws {
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write(
            "20240101120000_drop_legacy_column.sql",
            "-- +goose Up\nALTER TABLE users DROP COLUMN IF EXISTS legacy;\n-- +goose Down\nSELECT 1;\n")
        let failing = try await SkeinBinary.run(["lint", "--dir", dir.path])
        #expect(failing.status == 1)
        #expect(
            failing.stdout.contains(
                "\(dir.path)/20240101120000_drop_legacy_column.sql:2:1: error[destructive-requires-header]: the Up drops column legacy"
            ), "\(failing.stdout)")
        let json = try await SkeinBinary.run(["lint", "--format", "json", dir.path])
        #expect(json.status == 1)
        #expect(json.stdout.hasPrefix("{\"findings\":[{\"column\":"))
        #expect(json.stdout.contains("\"rule\":\"destructive-requires-header\",\"severity\":\"error\""))
        #expect(json.stdout.contains("\"schemaVersion\":1"))
        let excluded = try await SkeinBinary.run([
            "lint", "--dir", dir.path, "--exclude-rule", "destructive-requires-header", "--exclude-rule",
            "destructive-requires-approval",
        ])
        #expect(excluded.status == 0, "\(excluded.stdout)")
        let github = try await SkeinBinary.run(["lint", "--format", "github", dir.path])
        #expect(
            github.stdout.contains(
                "::error file=\(dir.path)/20240101120000_drop_legacy_column.sql,line=2,col=1,title=destructive-requires-header::"
            ), "\(github.stdout)")
        let sarif = try await SkeinBinary.run(["lint", "--format", "sarif", dir.path])
        let log = try JSONSerialization.jsonObject(with: Data(sarif.stdout.utf8)) as? [String: Any]
        #expect(log?["version"] as? String == "2.1.0")
        #expect(sarif.stdout.contains("\"ruleId\":\"destructive-requires-header\""))

        // skein approve binds an approval to the file's content; lint then passes the approval rule.
        let approve = try await SkeinBinary.run(["approve", "20240101120000", "--by", "alice", "--dir", dir.path])
        #expect(approve.status == 0, "\(approve.stderr)")
        let approved = try await SkeinBinary.run(["lint", "--rule", "destructive-requires-approval", dir.path])
        #expect(approved.status == 0, "\(approved.stdout)")
        let missing = try await SkeinBinary.run(["approve", "1", "--by", "alice", "--dir", dir.path])
        #expect(missing.status == 1 && missing.stderr.contains("no migration with version 1"))

        let unknown = try await SkeinBinary.run(["lint", "--rule", "no-such-rule", dir.path])
        #expect(unknown.status == 2 && unknown.stderr.contains("unknown rule \"no-such-rule\""))
        let examples = try await SkeinBinary.run([
            "lint", CLIRunnerTests.root.appendingPathComponent("examples/agentflow/migrations").path,
        ])
        #expect(examples.status == 0, "\(examples.stdout)")
    }
}
