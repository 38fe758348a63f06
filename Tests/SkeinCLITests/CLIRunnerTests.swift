import Foundation
import Logging
import PostgresNIO
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
        let up = try await SkeinBinary.run(["-dir", dir, "postgres", url, "up"])
        #expect(up.status == 0, "\(up.stderr)")
        #expect(up.stderr.contains("OK   20240101120000_initial_schema.sql ("))
        #expect(up.stderr.contains("goose: successfully migrated database to version: 20240918150000"))

        let status = try await SkeinBinary.run(["-dir", dir, "postgres", url, "status"])
        #expect(status.status == 0)
        #expect(status.stderr.contains("    Applied At                  Migration"))
        #expect(!status.stderr.contains("Pending"))

        let again = try await SkeinBinary.run(["-dir", dir, "postgres", url, "up"])
        #expect(
            again.status == 0 && again.stderr.contains("goose: no migrations to run. current version: 20240918150000"))

        let down = try await SkeinBinary.run(["down", "--dir", dir, "--database-url", url])
        #expect(down.status == 0 && down.stdout.contains("OK   20240918150000_add_role_to_users.sql"))
        let version = try await SkeinBinary.run(["version", "--dir", dir, "--database-url", url])
        #expect(version.stdout.contains("goose: version 20240715133000"))
        let pending = try await SkeinBinary.run(["status", "--dir", dir, "--database-url", url])
        #expect(pending.stdout.contains("Pending                  -- 20240918150000_add_role_to_users.sql"))
    }

    @Test("8 concurrent skein up processes: each version applied exactly once, every process exits 0")
    func concurrentRunners() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = Self.root.appendingPathComponent("examples/agentflow/migrations").path
        let results = try await withThrowingTaskGroup(of: SkeinBinary.Result.self) { group in
            for _ in 0..<8 {
                group.addTask { try await SkeinBinary.run(["up", "--dir", dir, "--database-url", database.text]) }
            }
            var collected: [SkeinBinary.Result] = []
            for try await result in group { collected.append(result) }
            return collected
        }
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.stderr))")
        #expect(results.filter { $0.stdout.contains("successfully migrated") }.count == 1)
        let connection = try await PostgresConnection.connect(
            configuration: try database.connectionConfiguration(), id: 1, logger: Logger(label: "test"))
        let rows = try await connection.query(
            "SELECT count(*)::int8, count(DISTINCT version_id)::int8 FROM goose_db_version",
            logger: Logger(label: "test"))
        for try await (total, distinct) in rows.decode((Int64, Int64).self) {
            #expect(total == distinct && total == 10)
        }
        // A consistent audit: each migration applied once, by one run; the other seven runs had nothing to do and
        // wrote nothing.
        let audit = try await connection.query(
            """
            SELECT count(*) FILTER (WHERE action = 'migrate')::int8, count(DISTINCT version_id) FILTER (WHERE action = 'migrate')::int8,
                   count(*) FILTER (WHERE action = 'run')::int8, count(DISTINCT run_id)::int8,
                   count(*) FILTER (WHERE outcome <> 'applied')::int8
            FROM goose_db_version_skein_audit
            """, logger: Logger(label: "test"))
        for try await (migrations, versions, runs, runIDs, notApplied) in audit.decode(
            (Int64, Int64, Int64, Int64, Int64).self)
        {
            #expect(migrations == 9 && versions == 9 && runs == 1 && runIDs == 1 && notApplied == 0)
        }
        try await connection.close()
    }

    @Test("history: every attempt, run and action from the audit log, as text and JSON, filtered by version")
    func history() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = Self.root.appendingPathComponent("examples/agentflow/migrations").path
        let args = ["--dir", dir, "--database-url", database.text]
        let history = ["history", "--database-url", database.text]
        #expect(try await SkeinBinary.run(history).stdout.contains("no audit rows yet"))
        #expect(try await SkeinBinary.run(["up"] + args).status == 0)
        #expect(try await SkeinBinary.run(["down"] + args).status == 0)
        let text = try await SkeinBinary.run(history)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("20240918150000_add_role_to_users.sql (down)"), "\(text.stdout)")
        #expect(text.stdout.contains("rolled-back"))
        #expect(text.stdout.contains("database size "))
        let json = try await SkeinBinary.run(history + ["--format", "json", "--version", "20240918150000"])
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let entries = document?["entries"] as? [[String: Any]] ?? []
        // Its Up, its Down, and the two runs that did them.
        #expect(
            entries.map { "\($0["action"] ?? "")/\($0["outcome"] ?? "")" } == [
                "migrate/applied", "run/applied", "migrate/rolled-back", "run/rolled-back",
            ])
        #expect(entries.allSatisfy { ($0["durationSeconds"] as? Double ?? -1) >= 0 })
        #expect(!json.stdout.contains("password"))
        let later = try await SkeinBinary.run(history + ["--since", "2999-01-01"])
        #expect(later.stdout.contains("no audit rows yet"))
    }

    @Test("goose's -timeout cancels the running statement on the server and rolls its migration back")
    func timeout() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("skein-timeout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "-- +goose Up\nCREATE TABLE slow (id int);\nSELECT pg_sleep(600);\n-- +goose Down\nDROP TABLE slow;\n"
            .write(
                to: dir.appendingPathComponent("00001_slow.sql"), atomically: true, encoding: .utf8)
        // 15 s: the run reaches the sleep long before, even on a loaded 2-core machine; the sleep outlasts any run.
        let result = try await SkeinBinary.run(["-dir", dir.path, "-timeout", "15s", "postgres", database.text, "up"])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains("deadline exceeded: the run took longer than --timeout (15s)"), "\(result.stderr)")
        // The server's own answer, not a clock: PostgreSQL cancelled the sleep at its line (it did not run out).
        #expect(
            result.stderr.contains("00001_slow.sql:3: canceling statement due to user request (SQLSTATE 57014)"),
            "\(result.stderr)")
        let connection = try await PostgresConnection.connect(
            configuration: try database.connectionConfiguration(), id: 1, logger: Logger(label: "test"))
        var sleeping: Int64 = -1
        for try await count in try await connection.query(
            // `query` keeps an idle session's last statement, and the ended client's backend may not have exited
            // yet: only a statement still running in this database counts.
            "SELECT count(*)::int8 FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE 'SELECT pg_sleep(600)%'",
            logger: Logger(label: "test")
        ).decode(Int64.self) { sleeping = count }
        var table: String?? = .none
        for try await value in try await connection.query(
            "SELECT to_regclass('slow')::text", logger: Logger(label: "test")
        )
        .decode(String?.self) { table = .some(value) }
        try await connection.close()
        #expect(sleeping == 0, "nothing keeps running on the server")
        #expect(table == .some(nil), "the migration was rolled back")
    }

    @Test("a goose Go migration: up applies the SQL ones before it, then stops naming it (exit 1)")
    func goMigration() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("skein-go-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n".write(
            to: dir.appendingPathComponent("00001_a.sql"), atomically: true, encoding: .utf8)
        try "package migrations\n".write(
            to: dir.appendingPathComponent("00002_b.go"), atomically: true, encoding: .utf8)
        try "-- +goose Up\nCREATE TABLE c (id int);\n-- +goose Down\nDROP TABLE c;\n".write(
            to: dir.appendingPathComponent("00003_c.sql"), atomically: true, encoding: .utf8)
        let result = try await SkeinBinary.run(["up", "--dir", dir.path, "--database-url", database.text])
        #expect(result.status == 1)
        #expect(result.stderr.contains("00002_b.go is a goose Go migration"), "\(result.stderr)")
        #expect(result.stderr.contains("applied 1 migration before it"))
        let status = try await SkeinBinary.run([
            "status", "--format", "json", "--dir", dir.path, "--database-url", database.text,
        ])
        #expect(status.stdout.contains("\"state\":\"go-migration\""))
        #expect(
            status.stdout.contains(
                "\"file\":\"\(dir.path)/00003_c.sql\",\"fileName\":\"00003_c.sql\",\"flags\":[],\"state\":\"pending\""))
    }

    @Test("down reads only the file it rolls back, as goose does; up still reads every file")
    func downReadsOnlyItsFile() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("skein-down-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (index, table) in ["a", "b", "c"].enumerated() {
            try "-- +goose Up\nCREATE TABLE \(table) (id int);\n-- +goose Down\nDROP TABLE \(table);\n".write(
                to: dir.appendingPathComponent("0000\(index + 1)_\(table).sql"), atomically: true, encoding: .utf8)
        }
        let args = ["--dir", dir.path, "--database-url", database.text]
        #expect(try await SkeinBinary.run(["up"] + args).status == 0)
        // The first file becomes one that lists as a regular file and fails every read, even as root.
        let first = dir.appendingPathComponent("00001_a.sql")
        try FileManager.default.removeItem(at: first)
        try FileManager.default.createSymbolicLink(atPath: first.path, withDestinationPath: "/proc/self/mem")
        let down = try await SkeinBinary.run(["down"] + args)
        #expect(down.status == 0, "\(down.stderr)")
        #expect(down.stdout.contains("OK   00003_c.sql"), "\(down.stdout)")
        let up = try await SkeinBinary.run(["up"] + args)
        #expect(up.status != 0)
        #expect(up.stderr.contains("00001_a.sql") && up.stderr.contains("cannot be read"), "\(up.stderr)")
    }

    @Test("--dry-run prints the plan and the SQL and changes nothing, not even the version table")
    func dryRun() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let url = database.text
        let dir = Self.root.appendingPathComponent("examples/agentflow/migrations").path
        let preview = try await SkeinBinary.run(["up", "--dry-run", "--dir", dir, "--database-url", url])
        #expect(preview.status == 0, "\(preview.stderr)")
        #expect(preview.stdout.contains("-- apply \(dir)/20240101120000_initial_schema.sql"))
        #expect(preview.stdout.contains("CREATE EXTENSION IF NOT EXISTS pgcrypto;"))
        #expect(preview.stdout.contains("current version 0"))
        let connection = try await PostgresConnection.connect(
            configuration: try database.connectionConfiguration(), id: 1, logger: Logger(label: "test"))
        let rows = try await connection.query(
            "SELECT to_regclass('goose_db_version')::text", logger: Logger(label: "test"))
        var table: String?? = .none
        for try await value in rows.decode(String?.self) { table = .some(value) }
        try await connection.close()
        #expect(table == .some(nil), "the dry run must not create the version table")
        // A real run applies everything.
        let up = try await SkeinBinary.run(["up", "--dir", dir, "--database-url", url])
        #expect(up.stdout.contains("OK   20240101120000_initial_schema.sql"))
    }

    @Test("status --format json: applied, pending and missing-file rows, RFC 3339 times")
    func statusJSON() async throws {
        let url = try await TestDatabase.makeFreshDatabase().text
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("skein-status-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for version in 1...3 {
            try "-- +goose Up\nSELECT \(version);\n-- +goose Down\nSELECT \(version);\n".write(
                to: dir.appendingPathComponent("0000\(version)_v\(version).sql"), atomically: true, encoding: .utf8)
        }
        #expect(try await SkeinBinary.run(["up-to", "2", "--dir", dir.path, "--database-url", url]).status == 0)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("00001_v1.sql"))
        let result = try await SkeinBinary.run(["status", "--format", "json", "--dir", dir.path, "--database-url", url])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["schemaVersion"] as? Int == 1)
        let rows = try #require(object["migrations"] as? [[String: Any]])
        #expect(rows.map { $0["state"] as? String } == ["missing-file", "applied", "pending"])
        #expect(rows[0]["file"] is NSNull)
        #expect((rows[1]["appliedAt"] as? String)?.hasSuffix("Z") == true)
        #expect(rows[2]["appliedAt"] is NSNull)
    }

    @Test("env prints the resolved settings and never the password, in both grammars")
    func env() async throws {
        let skein = try await SkeinBinary.run(["env", "--database-url", "postgresql://app:s3cret@db:6000/agentflow"])
        #expect(skein.status == 0)
        #expect(skein.stdout.contains("hosts: db:6000") && skein.stdout.contains("password: ********"))
        #expect(!skein.stdout.contains("s3cret"))
        let goose = try await SkeinBinary.run(
            ["-v", "env"], environment: ["GOOSE_DBSTRING": "postgres://a:s3cret@h/d"])
        #expect(goose.status == 0 && goose.stdout.contains("GOOSE_MIGRATION_DIR=\".\""))
        #expect(!goose.stdout.contains("s3cret"))
    }

    @Test(
        "a failure reads file:line:col, PostgreSQL's words and psql's caret in Skein's grammar; goose's own line last in goose's"
    )
    func failureRendering() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("skein-render-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n".write(
            to: dir.appendingPathComponent("00001_a.sql"), atomically: true, encoding: .utf8)
        try
            "-- +goose Up\n-- +goose StatementBegin\nINSERT INTO a VALUES (1);\n  INSERT INTO a VALUES ('x');\n-- +goose StatementEnd\n-- +goose Down\nDELETE FROM a;\n"
            .write(to: dir.appendingPathComponent("00002_b.sql"), atomically: true, encoding: .utf8)
        let skeinDatabase = try await TestDatabase.makeFreshDatabase()
        let skein = try await SkeinBinary.run([
            "up", "--dir", dir.path, "--database-url", skeinDatabase.text, "--verbose",
        ])
        #expect(skein.status == 1)
        // The error's own line and column (PostgreSQL's position mapped back), not where the statement begins.
        #expect(
            skein.stderr.contains(
                "error: \(dir.path)/00002_b.sql:4:25: invalid input syntax for type integer: \"x\" (SQLSTATE 22P02)"),
            "\(skein.stderr)")
        let caret = "  " + String(repeating: " ", count: "LINE 4: ".count + 24) + "^"
        #expect(skein.stderr.contains("  LINE 4:   INSERT INTO a VALUES ('x');\n\(caret)\n"), "\(skein.stderr)")
        #expect(
            skein.stderr.contains("applied 1 migration before it; 00002_b.sql was rolled back; nothing after it ran"))
        #expect(!skein.stderr.contains("goose run:") && !skein.stderr.contains("PSQLError"))
        // --verbose names each statement as it is sent.
        #expect(skein.stderr.contains("executing \(dir.path)/00001_a.sql:2: CREATE TABLE a (id int);"))

        let gooseDatabase = try await TestDatabase.makeFreshDatabase()
        let goose = try await SkeinBinary.run(["-v", "-dir", dir.path, "postgres", gooseDatabase.text, "up"])
        #expect(goose.status == 1)
        let lines = goose.stderr.split(separator: "\n").map(String.init)
        let last = try #require(lines.last)
        #expect(
            last.hasSuffix(
                #"goose run: ERROR 00002_b.sql: failed to run SQL migration: failed to execute SQL query "INSERT INTO a VALUES (1);\n  INSERT INTO a VALUES ('x');": ERROR: invalid input syntax for type integer: "x" (SQLSTATE 22P02)"#
            ), "\(goose.stderr)")
        // Skein's context comes before it, as goose log lines starting `skein: `; -v logs goose's execution lines.
        #expect(
            lines.contains {
                $0.hasSuffix(
                    " skein: \(dir.path)/00002_b.sql:4:25: invalid input syntax for type integer: \"x\" (SQLSTATE 22P02)"
                )
            })
        #expect(
            lines.contains { $0.hasSuffix(" Begin transaction") }
                && lines.contains { $0.hasSuffix(" Commit transaction") })
        #expect(lines.contains { $0.hasSuffix(" Executing statement: CREATE TABLE a (id int);") })
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
        let result = try await SkeinBinary.run(["-dir", dir.path, "postgres", database.text, "up"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("applied 1 migration before it"))
        #expect(result.stderr.contains("00002_b.sql:3"))
        #expect(result.stderr.contains("42P07"))
        #expect(result.stderr.contains("nothing after it ran"))

        let bad = try await SkeinBinary.run([
            "up", "--dir", dir.path, "--database-url", "postgres://app:hunter2@127.0.0.1:1/x",
        ])
        #expect(bad.status == 1)
        #expect(!bad.stderr.contains("hunter2") && !bad.stdout.contains("hunter2"))
        #expect(bad.stderr.contains("connection to server at \"127.0.0.1\", port 1 failed: Connection refused"))
        let badPort = try await SkeinBinary.run(["up", "--dir", dir.path, "--database-url", "host=localhost port=abc"])
        #expect(badPort.status == 1 && badPort.stderr.contains("invalid port number"))
    }
}
