import Foundation
import Logging
import PostgresNIO
import SkeinFleet
import SkeinTestSupport
import Testing

@testable import SkeinCLI

#if canImport(Glibc)
    import Glibc
#endif

@Suite("fleet targets files: plain lists and YAML, read with the runner's connection-string rules")
struct FleetTargetsTests {
    @Test("a plain list: one connection string per line, comments and blank lines skipped, names without passwords")
    func plainList() throws {
        let targets = try FleetTargets.parse(
            "# tenants\npostgres://app:secret@db1:5432/tenant_a\n\nhost=db2 dbname=tenant_b\n", path: "t.txt")
        #expect(targets.map(\.name) == ["tenant_a@db1:5432", "tenant_b@db2"])
        #expect(!targets.map(\.name).joined().contains("secret"))
    }

    @Test("YAML: name, url or dsn, group, schema; a list or targets:")
    func yaml() throws {
        let text = """
            targets:
              - name: eu-1
                url: postgres://db-eu/app
                group: canary
              - dsn: host=db-us dbname=app
                schema: tenant_7
            """
        let targets = try FleetTargets.parse(text, path: "t.yaml")
        #expect(targets[0] == FleetTarget(name: "eu-1", connectionString: "postgres://db-eu/app", group: "canary"))
        #expect(targets[1].name == "app@db-us/tenant_7" && targets[1].schema == "tenant_7")
        #expect(try FleetTargets.parse("- postgres://a/x\n- postgres://b/y\n", path: "t.yaml").count == 2)
    }

    @Test("bad files: errors name the file and the line")
    func errors() {
        #expect(throws: FleetTargetsError.self) { try FleetTargets.parse("# nothing\n", path: "t.txt") }
        #expect { try FleetTargets.parse("postgres://a/x\npostgres://h/x?bogus=1\n", path: "t.txt") } throws: {
            "\($0)".hasPrefix("t.txt:2: not a connection string")
        }
        #expect { try FleetTargets.parse("postgres://a/x\npostgres://a/x\n", path: "t.txt") } throws: {
            "\($0)".contains("more than once")
        }
        #expect { try FleetTargets.parse("- url: postgres://a/x\n  schema: a;drop\n", path: "t.yaml") } throws: {
            "\($0)".contains("plain identifier")
        }
        #expect { try FleetTargets.parse("- url: postgres://a/x\n  shard: 3\n", path: "t.yaml") } throws: {
            "\($0)".contains("unknown key \"shard\"")
        }
    }
}

/// `skein fleet` against real databases: many targets in parallel, each failure kind, the failure policies,
/// canaries, resuming, and schema-per-tenant.
@Suite("skein fleet on real databases", .requiresPostgreSQL)
struct FleetTests {
    /// 00002 runs without a transaction and fails at its second statement where a `poison` table exists (that
    /// target is left dirty); 00003 fails where `t3` already exists.
    static let files = [
        "00001_t1.sql": "-- +goose Up\nCREATE TABLE t1 (id int);\n-- +goose Down\nDROP TABLE t1;\n",
        "00002_t2.sql":
            "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE TABLE t2 (id int);\nSELECT CASE WHEN to_regclass('poison') IS NULL THEN 1 ELSE 1/(random() * 0)::int END;\n-- +goose Down\nDROP TABLE t2;\n",
        "00003_t3.sql": "-- +goose Up\nCREATE TABLE t3 (id int);\n-- +goose Down\nDROP TABLE t3;\n",
    ]

    func migrations() throws -> MigrationsDirectory {
        let dir = try MigrationsDirectory()
        for (name, text) in Self.files { try dir.write(name, text) }
        return dir
    }

    func targetsFile(_ lines: [String]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("skein-fleet-\(UUID()).txt").path
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    struct Report: Decodable {
        struct Result: Decodable {
            var name: String
            var outcome: String
            var versionAfter: Int64?
            var message: String?
            var canary: Bool
        }
        var results: [Result]
    }

    func fleet(_ arguments: [String]) async throws -> (SkeinBinary.Result, Report?) {
        let result = try await SkeinBinary.run(["fleet"] + arguments + ["--format", "json"])
        return (result, try? JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8)))
    }

    func versionRows(_ database: DatabaseURL, schema: String? = nil) async throws -> [String] {
        let table = schema.map { "\($0).goose_db_version" } ?? "goose_db_version"
        return try await rows("SELECT version_id::text FROM \(table) WHERE version_id > 0 ORDER BY id", on: database)
            .map { $0[0] ?? "" }
    }

    @Test(
        "50 targets, --parallel 8, --on-error continue: each healthy one migrated once; a failing, a dirty, a modified and an unreachable one reported; the rerun resumes"
    )
    func manyTargets() async throws {
        let dir = try migrations()
        defer { dir.delete() }
        var databases: [DatabaseURL] = []
        for _ in 0..<49 { databases.append(try await TestDatabase.makeFreshDatabase()) }
        let (failing, dirty, modified) = (databases[10], databases[20], databases[30])
        _ = try await rows("CREATE TABLE t3 (id int)", on: failing)
        _ = try await rows("CREATE TABLE poison (id int)", on: dirty)
        // 00001 was applied at `modified` from another text: its Up changed since.
        let other = try MigrationsDirectory()
        defer { other.delete() }
        try other.write(
            "00001_t1.sql", "-- +goose Up\nCREATE TABLE t1 (id int, note text);\n-- +goose Down\nDROP TABLE t1;\n")
        #expect(try await SkeinBinary.run(["up", "--dir", other.path, "--database-url", modified.text]).status == 0)
        let targets = try targetsFile(
            databases.map(\.text) + ["postgres://postgres@127.0.0.1:1/nowhere?connect_timeout=5"])
        defer { try? FileManager.default.removeItem(atPath: targets) }

        let (first, report) = try await fleet([
            "up", "--targets", targets, "--dir", dir.path, "--parallel", "8", "--on-error", "continue",
        ])
        #expect(first.status == 1, "\(first.stderr)")
        let results = try #require(report?.results, "\(first.stdout)\(first.stderr)")
        #expect(results.count == 50)
        let outcome = Dictionary(uniqueKeysWithValues: results.map { ($0.name, $0) })
        func name(_ database: DatabaseURL) -> String { "\(database.database)@127.0.0.1:\(database.port)" }
        #expect(outcome[name(failing)]?.outcome == "failed")
        #expect(outcome[name(failing)]?.message?.contains("relation \"t3\" already exists") == true)
        #expect(outcome[name(failing)]?.versionAfter == 2)
        #expect(outcome[name(dirty)]?.outcome == "failed")
        #expect(outcome[name(dirty)]?.message?.contains("division by zero") == true)
        #expect(outcome[name(modified)]?.outcome == "failed")
        #expect(
            outcome[name(modified)]?.message?.contains("00001_t1.sql") == true,
            "\(outcome[name(modified)]?.message ?? "")")
        #expect(outcome["nowhere@127.0.0.1:1"]?.outcome == "unreachable")
        #expect(results.filter { $0.outcome == "migrated" }.count == 46)
        for database in databases where ![failing, dirty, modified].contains(database) {
            #expect(try await versionRows(database) == ["1", "2", "3"], "\(database.database)")
        }

        // fleet status: versions, the dirty target, the drifted one.
        let status = try await SkeinBinary.run(["fleet", "status", "--targets", targets, "--dir", dir.path])
        #expect(status.status == 1)
        #expect(status.stdout.contains("dirty: 2"), "\(status.stdout)")
        #expect(status.stdout.contains("drift: 00001_t1.sql"), "\(status.stdout)")
        #expect(status.stdout.contains("46 at 3"), "\(status.stdout)")

        // Resume: the failing target fixed, a second run does only what is pending there.
        _ = try await rows("DROP TABLE t3", on: failing)
        let (second, again) = try await fleet([
            "up", "--targets", targets, "--dir", dir.path, "--parallel", "8", "--on-error", "continue",
        ])
        #expect(second.status == 1)
        let resumed = Dictionary(uniqueKeysWithValues: (again?.results ?? []).map { ($0.name, $0.outcome) })
        #expect(resumed[name(failing)] == "migrated")
        #expect(resumed.values.filter { $0 == "current" }.count == 46)
        #expect(try await versionRows(failing) == ["1", "2", "3"])
        #expect(resumed[name(dirty)] == "failed")
    }

    @Test("--on-error fail starts no new target after a failure; --canary: a failing canary stops the rest")
    func failurePolicies() async throws {
        let dir = try migrations()
        defer { dir.delete() }
        var databases: [DatabaseURL] = []
        for _ in 0..<4 { databases.append(try await TestDatabase.makeFreshDatabase()) }
        _ = try await rows("CREATE TABLE t3 (id int)", on: databases[1])
        let targets = try targetsFile(databases.map(\.text))
        defer { try? FileManager.default.removeItem(atPath: targets) }
        let (stopped, report) = try await fleet(["up", "--targets", targets, "--dir", dir.path, "--parallel", "1"])
        #expect(stopped.status == 1)
        #expect(report?.results.map(\.outcome) == ["migrated", "failed", "skipped", "skipped"], "\(stopped.stdout)")
        #expect(report?.results[2].message?.contains("failed (--on-error fail)") == true)
        #expect(try await scalar("SELECT to_regclass('goose_db_version')::text", on: databases[2]) == nil)

        // skein report --html --targets: a row per target from each one's audit log.
        let page = FileManager.default.temporaryDirectory.appendingPathComponent("skein-fleet-\(UUID()).html").path
        defer { try? FileManager.default.removeItem(atPath: page) }
        let written = try await SkeinBinary.run(["report", "--html", page, "--targets", targets])
        #expect(written.status == 0, "\(written.stderr)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.components(separatedBy: "<tr class=").count - 1 == 4)
        #expect(html.contains("<tr class=\"migrated\">") && html.contains("<tr class=\"failed\">"))
        #expect(html.contains("relation &quot;t3&quot; already exists"), "\(html)")
        #expect(html.contains("00003_<wbr/>t3.sql"))

        // The failing target first, as the canary: nothing else starts, whatever --on-error says.
        let canaryFirst = try targetsFile([databases[1].text, databases[2].text, databases[3].text])
        defer { try? FileManager.default.removeItem(atPath: canaryFirst) }
        let (canary, canaryReport) = try await fleet([
            "up", "--targets", canaryFirst, "--dir", dir.path, "--canary", "1", "--on-error", "continue",
        ])
        #expect(canary.status == 1)
        #expect(canaryReport?.results.map(\.outcome) == ["failed", "skipped", "skipped"], "\(canary.stdout)")
        #expect(canaryReport?.results[0].canary == true)
        #expect(canaryReport?.results[1].message == "a canary failed")

        let refused = try await SkeinBinary.run(["fleet", "down-to", "0", "--targets", targets, "--dir", dir.path])
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("--yes"), "\(refused.stderr)")
    }

    @Test("targets from a control database; --canary-group first; down-to --yes rolls every target back")
    func controlDatabaseCanaryGroupDownTo() async throws {
        let dir = try migrations()
        defer { dir.delete() }
        let control = try await TestDatabase.makeFreshDatabase()
        var databases: [DatabaseURL] = []
        for _ in 0..<3 { databases.append(try await TestDatabase.makeFreshDatabase()) }
        _ = try await rows("CREATE TABLE tenants (name text, url text, tier text, active bool)", on: control)
        for (index, database) in databases.enumerated() {
            _ = try await rows(
                "INSERT INTO tenants VALUES ('tenant\(index)', '\(database.text)', '\(index == 2 ? "canary" : "main")', true)",
                on: control)
        }
        _ = try await rows("INSERT INTO tenants VALUES ('gone', 'postgres://nowhere/x', 'main', false)", on: control)
        let source = [
            "--control-url", control.text, "--targets-sql",
            "SELECT name, url, tier FROM tenants WHERE active ORDER BY name", "--dir", dir.path,
        ]
        let (up, report) = try await fleet(["up", "--canary-group", "canary"] + source)
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        #expect(report?.results.map(\.name) == ["tenant0", "tenant1", "tenant2"])
        #expect(report?.results.map(\.canary) == [false, false, true])
        for database in databases {
            #expect(try await versionRows(database) == ["1", "2", "3"])
        }
        let (down, rolledBack) = try await fleet(["down-to", "1", "--yes", "--canary", "1"] + source)
        #expect(down.status == 0, "\(down.stdout)\(down.stderr)")
        #expect(rolledBack?.results.allSatisfy { $0.outcome == "migrated" && $0.versionAfter == 1 } == true)
        for database in databases {
            #expect(try await scalar("SELECT to_regclass('t2')::text", on: database) == nil)
            #expect(try await scalar("SELECT to_regclass('t1')::text", on: database) == "t1")
        }
        let (_, badQuery) = try await fleet(["status", "--control-url", control.text, "--targets-sql", "SELECT 1"])
        #expect(badQuery == nil)
        let refused = try await SkeinBinary.run([
            "fleet", "status", "--control-url", control.text, "--targets-sql", "SELECT name FROM tenants", "--dir",
            dir.path,
        ])
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("--targets-sql must return name and url"), "\(refused.stderr)")
    }

    @Test("schema-per-tenant: each schema its own version table and tables; schemas of one database one by one")
    func schemaPerTenant() async throws {
        let dir = try migrations()
        defer { dir.delete() }
        let database = try await TestDatabase.makeFreshDatabase()
        let yaml = (1...3).map { "- name: tenant\($0)\n  url: \(database.text)\n  schema: tenant\($0)\n" }.joined()
        let targets = FileManager.default.temporaryDirectory.appendingPathComponent("skein-fleet-\(UUID()).yaml").path
        try yaml.write(toFile: targets, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: targets) }
        let (result, report) = try await fleet(["up", "--targets", targets, "--dir", dir.path, "--parallel", "4"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(report?.results.map(\.outcome) == ["migrated", "migrated", "migrated"])
        for schema in ["tenant1", "tenant2", "tenant3"] {
            #expect(try await versionRows(database, schema: schema) == ["1", "2", "3"])
            #expect(try await scalar("SELECT to_regclass('\(schema).t3')::text", on: database) == "\(schema).t3")
        }
        #expect(try await scalar("SELECT to_regclass('public.t1')::text", on: database) == nil)
    }

    @Test("a killed fleet run resumes: the rerun does what was pending, each version once")
    func resumeAfterKill() async throws {
        let dir = try migrations()
        defer { dir.delete() }
        try dir.write(
            "00003_t3.sql",
            "-- +goose Up\nCREATE TABLE t3 (id int);\nSELECT pg_advisory_xact_lock(4243);\n-- +goose Down\nDROP TABLE t3;\n"
        )
        var databases: [DatabaseURL] = []
        for _ in 0..<3 { databases.append(try await TestDatabase.makeFreshDatabase()) }
        let targets = try targetsFile(databases.map(\.text))
        defer { try? FileManager.default.removeItem(atPath: targets) }
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        // Advisory locks are per database: a barrier in each.
        var barriers: [PostgresConnection] = []
        for database in databases {
            let barrier = try await PostgresConnection.connect(
                configuration: try database.connectionConfiguration(), id: 7, logger: logger)
            _ = try await barrier.query("SELECT pg_advisory_lock(4243)", logger: logger).collect()
            barriers.append(barrier)
        }
        let run = try await SkeinBinary.start([
            "fleet", "up", "--targets", targets, "--dir", dir.path, "--parallel", "3", "--lock-timeout", "0",
        ])
        let names = databases.map { "'\($0.database)'" }.joined(separator: ", ")
        #expect(
            try await eventually {
                try await scalar(
                    """
                    SELECT count(*)::text FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                    WHERE l.locktype = 'advisory' AND NOT l.granted AND l.objid = 4243 AND d.datname IN (\(names))
                    """, on: databases[0]) == "3"
            })
        run.signal(SIGKILL)
        _ = await run.wait()
        for barrier in barriers {
            _ = try await barrier.query("SELECT pg_advisory_unlock(4243)", logger: logger).collect()
            try await barrier.close()
        }
        let (rerun, report) = try await fleet(["up", "--targets", targets, "--dir", dir.path, "--lock-timeout", "0"])
        #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
        #expect(report?.results.allSatisfy { $0.outcome == "migrated" } == true)
        for database in databases {
            #expect(try await versionRows(database) == ["1", "2", "3"])
        }
    }
}

@Suite("skein fleet: Ctrl-C, the deadline, the HTML report", .requiresPostgreSQL)
struct FleetInterruptTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Three databases, a migration that waits for advisory lock `key` (held by the returned barrier in the first
    /// database), and `skein fleet up --parallel 1` started with `extra`; returns once the first target waits there.
    struct Waiting {
        let dir: MigrationsDirectory
        let targets: String
        let databases: [DatabaseURL]
        let barrier: PostgresConnection
        let run: ChildProcess

        func release(_ key: Int, logger: Logger) async throws {
            _ = try await barrier.query(PostgresQuery(unsafeSQL: "SELECT pg_advisory_unlock(\(key))"), logger: logger)
                .collect()
            try await barrier.close()
        }

        func delete() {
            dir.delete()
            try? FileManager.default.removeItem(atPath: targets)
        }
    }

    func startWaiting(key: Int, _ extra: [String] = []) async throws -> Waiting {
        let dir = try MigrationsDirectory()
        try dir.write(
            "00001_wait.sql",
            "-- +goose Up\nCREATE TABLE waited (id int);\nSELECT pg_advisory_xact_lock(\(key));\n-- +goose Down\nDROP TABLE waited;\n"
        )
        var databases: [DatabaseURL] = []
        for _ in 0..<3 { databases.append(try await TestDatabase.makeFreshDatabase()) }
        let targets = FileManager.default.temporaryDirectory.appendingPathComponent("skein-fleet-\(UUID()).txt").path
        try databases.map(\.text).joined(separator: "\n").write(toFile: targets, atomically: true, encoding: .utf8)
        let barrier = try await PostgresConnection.connect(
            configuration: try databases[0].connectionConfiguration(), id: 7, logger: logger)
        _ = try await barrier.query(PostgresQuery(unsafeSQL: "SELECT pg_advisory_lock(\(key))"), logger: logger)
            .collect()
        let run = try await SkeinBinary.start(
            ["fleet", "up", "--targets", targets, "--dir", dir.path, "--parallel", "1", "--lock-timeout", "0"] + extra)
        #expect(
            try await eventually {
                try await scalar(
                    "SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = \(key) AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                    on: databases[0]) == "1"
            })
        return Waiting(dir: dir, targets: targets, databases: databases, barrier: barrier, run: run)
    }

    @Test("Ctrl-C: the running target's statement is cancelled and rolled back, no new target starts, exit 130")
    func interrupt() async throws {
        let waiting = try await startWaiting(key: 4244)
        defer { waiting.delete() }
        let run = waiting.run
        run.signal(SIGINT)
        let ended = await run.wait()
        try await waiting.release(4244, logger: logger)
        #expect(ended.status == 130, "\(run.stdout)")
        #expect(run.stdout.contains("cancelled by the operator"), "\(run.stdout)")
        #expect(run.stdout.contains("3 targets in"), "\(run.stdout)")
        #expect(run.stdout.contains("1 failed, 2 skipped"), "\(run.stdout)")
        // The first target's migration was cancelled on the server and rolled back; the others never started.
        for database in waiting.databases {
            #expect(try await scalar("SELECT to_regclass('waited')::text", on: database) == nil)
        }
    }

    @Test("--deadline: no target starts after it; the running one finishes")
    func deadline() async throws {
        let waiting = try await startWaiting(key: 4245, ["--deadline", "1s"])
        defer { waiting.delete() }
        // The fleet's clock started before its first target waited here: 1.5 s from now is past its deadline,
        // whatever the machine's load (a later release only makes it more so).
        try await Task.sleep(for: .milliseconds(1500))
        try await waiting.release(4245, logger: logger)
        let run = waiting.run
        let ended = await run.wait()
        #expect(ended.status == 1, "\(run.stdout)")
        #expect(run.stdout.contains("1 migrated, 2 skipped"), "\(run.stdout)")
        #expect(run.stdout.contains("--- 2 skipped (the deadline passed): "), "\(run.stdout)")
        #expect(try await scalar("SELECT max(version_id)::text FROM goose_db_version", on: waiting.databases[0]) == "1")
        #expect(try await scalar("SELECT to_regclass('goose_db_version')::text", on: waiting.databases[1]) == nil)
    }

    @Test("the HTML report: a row and a bar per target, each message escaped")
    func htmlReport() throws {
        let report = FleetReport(
            command: "up",
            results: [
                FleetTargetResult(
                    name: "acme", outcome: .migrated, versionBefore: 0, versionAfter: 3, steps: ["00001_a.sql"],
                    seconds: 0.4),
                FleetTargetResult(
                    name: "globex", outcome: .failed, versionBefore: 1, versionAfter: 1, seconds: 0.1,
                    message: "relation \"<script>\" already exists"),
                FleetTargetResult(name: "initech", outcome: .skipped, message: "a canary failed"),
            ], seconds: 0.6)
        let html = FleetReportPage(report: report).render()
        #expect(html.components(separatedBy: "<tr class=").count - 1 == 3)
        #expect(html.components(separatedBy: "<rect class=\"bar ").count - 1 == 3)
        #expect(html.contains("relation &quot;&lt;script&gt;&quot; already exists"))
        #expect(!html.contains("<script>"))
        #expect(html.contains("1 migrated, 1 failed, 1 skipped"))
    }
}

@Suite("skein fleet across two servers", .requiresPostgreSQL)
struct FleetTwoServersTests {
    @Test("targets on the test cluster and on a second throwaway cluster: all migrated, each at the last version")
    func twoServers() async throws {
        let name = "fleet\(UInt32.random(in: 0...UInt32.max))"
        let started = try await SkeinBinary.run(["sandbox", "start", "--name", name])
        #expect(started.status == 0, "\(started.stderr)")
        let second = try DatabaseURL(parsing: started.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        defer { Task { _ = try? await SkeinBinary.run(["sandbox", "stop", "--name", name]) } }
        var databases: [DatabaseURL] = []
        for index in 0..<3 {
            _ = try await rows("CREATE DATABASE tenant_\(index)", on: second)
            databases.append(second.replacingDatabase(with: "tenant_\(index)"))
            databases.append(try await TestDatabase.makeFreshDatabase())
        }
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write("00001_a.sql", "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n")
        try dir.write("00002_b.sql", "-- +goose Up\nCREATE TABLE b (id int);\n-- +goose Down\nDROP TABLE b;\n")
        let targets = FileManager.default.temporaryDirectory.appendingPathComponent("skein-fleet-\(UUID()).txt").path
        try databases.map(\.text).joined(separator: "\n").write(toFile: targets, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: targets) }
        let result = try await SkeinBinary.run([
            "fleet", "up", "--targets", targets, "--dir", dir.path, "--parallel", "4",
        ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("6 targets in"), "\(result.stdout)")
        #expect(result.stdout.contains("6 migrated; versions: 6 at 2"), "\(result.stdout)")
        for database in databases {
            #expect(try await scalar("SELECT max(version_id)::text FROM goose_db_version", on: database) == "2")
        }
        _ = try await SkeinBinary.run(["sandbox", "stop", "--name", name])
    }
}
