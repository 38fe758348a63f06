import Foundation
import Logging
import PostgresNIO
import SkeinTestSupport
import Testing

/// The reliability issue's defects, each against a real PostgreSQL: a refused run writes nothing, first runs
/// started together never race, an unrelated `--table` is refused, no secret is echoed, TLS and approvals files
/// that cannot be used are named.
@Suite("skein binary: a refused run changes nothing, first runs never race, no secret is echoed", .requiresPostgreSQL)
struct CLIReliabilityTests {
    static func directory(_ files: [String: [UInt8]]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("skein-rel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, bytes) in files { try Data(bytes).write(to: url.appendingPathComponent(name)) }
        return url
    }

    static let good = Array("-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n".utf8)

    /// Every ordinary table of the database, as `schema.table`.
    static func tables(_ database: DatabaseURL) async throws -> [String] {
        let logger = Logger(label: "test")
        let connection = try await PostgresConnection.connect(
            configuration: try database.connectionConfiguration(), id: 1, logger: logger)
        do {
            var names: [String] = []
            let rows = try await connection.query(
                "SELECT schemaname || '.' || tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
                logger: logger)
            for try await name in rows.decode(String.self) { names.append(name) }
            try await connection.close()
            return names
        } catch {
            try? await connection.close()
            throw error
        }
    }

    struct BadFile: Sendable, CustomTestStringConvertible {
        var kind: String
        var bytes: [UInt8]
        var testDescription: String { kind }
    }

    @Test(
        "a run refused because a file is bad writes nothing: no version table, no Skein table",
        arguments: [
            BadFile(kind: "a 0-byte file", bytes: []),
            BadFile(kind: "only a Down", bytes: Array("-- +goose Down\nDROP TABLE b;\n".utf8)),
            BadFile(kind: "an unfinished statement", bytes: Array("-- +goose Up\nCREATE TABLE b (id int)\n".utf8)),
            BadFile(
                kind: "an unterminated StatementBegin",
                bytes: Array("-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE b (id int);\n".utf8)),
            BadFile(kind: "a BOM", bytes: [0xEF, 0xBB, 0xBF] + Array("-- +goose Up\nSELECT 1;\n".utf8)),
            BadFile(
                kind: "invalid UTF-8", bytes: Array("-- +goose Up\nSELECT '".utf8) + [0xC3, 0x28] + Array("';\n".utf8)),
            BadFile(kind: "a syntax error", bytes: Array("-- +goose Up\nCREAT TABLE b (id int);\n".utf8)),
        ])
    func refusedRunWritesNothing(_ bad: BadFile) async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = try Self.directory(["00001_a.sql": Self.good, "00002_bad.sql": bad.bytes])
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try await SkeinBinary.run(["up", "--dir", dir.path, "--database-url", database.text])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(try await Self.tables(database) == [], "\(bad.kind): \(result.stderr)")
    }

    @Test("refused by a gate, or repair of a clean database, or an over-long --table: nothing is written")
    func refusedByGatesWritesNothing() async throws {
        let destructive = Array(
            "-- DESTRUCTIVE: drops table a\n-- +goose Up\nDROP TABLE IF EXISTS a;\n-- +goose Down\nSELECT 1;\n".utf8)
        let dir = try Self.directory(["00001_drop.sql": destructive])
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try await TestDatabase.makeFreshDatabase()
        let unapproved = try await SkeinBinary.run(["up", "--dir", dir.path, "--database-url", database.text])
        #expect(unapproved.status == 1 && unapproved.stderr.contains("approval"), "\(unapproved.stderr)")
        let repair = try await SkeinBinary.run([
            "repair", "1", "--applied", "--dir", dir.path, "--database-url", database.text,
        ])
        #expect(repair.status == 1 && repair.stderr.contains("not dirty"), "\(repair.stderr)")
        let long = String(repeating: "v", count: 60)
        let tooLong = try await SkeinBinary.run([
            "up", "--dir", dir.path, "--database-url", database.text, "--table", long, "--allow-destructive",
            "--no-backup",
        ])
        #expect(tooLong.status == 1, "\(tooLong.stderr)")
        #expect(try await Self.tables(database) == [])
    }

    @Test("--table naming an existing table that is not goose's is refused before anything reads or writes it")
    func unrelatedTable() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        try await TestDatabase.execute("CREATE TABLE canary (note text)", on: database)
        let dir = try Self.directory(["00001_a.sql": Self.good])
        defer { try? FileManager.default.removeItem(at: dir) }
        for table in ["canary", "information_schema.tables"] {
            let result = try await SkeinBinary.run([
                "up", "--dir", dir.path, "--database-url", database.text, "--table", table,
            ])
            #expect(result.status == 1)
            #expect(result.stderr.contains("is not goose's version table"), "\(result.stderr)")
            let goose = try await SkeinBinary.run([
                "-dir", dir.path, "-table", table, "postgres", database.text, "status",
            ])
            #expect(goose.status == 1 && goose.stderr.contains("is not goose's version table"), "\(goose.stderr)")
        }
        #expect(try await Self.tables(database) == ["public.canary"])
    }

    @Test("a password in an argument is never echoed: goose's no-such-command, usage errors, connection failures")
    func noSecretEchoed() async throws {
        let secret = "hunter2SECRET"
        let url = "postgres://app:\(secret)@127.0.0.1:1/db"
        let goose = try await SkeinBinary.run(
            ["-dir", "migrations", "postgres", url, "up"], environment: ["GOOSE_DBSTRING": "dbname=x"])
        #expect(goose.status == 1)
        #expect(goose.stderr.contains("no such command"), "\(goose.stderr)")
        #expect(!goose.stderr.contains(secret) && !goose.stdout.contains(secret))
        let usage = try await SkeinBinary.run(["up", url])
        #expect(usage.status == 2)
        #expect(!usage.stderr.contains(secret) && !usage.stdout.contains(secret), "\(usage.stderr)")
        let keyValue = try await SkeinBinary.run([
            "status", "--database-url", "host=127.0.0.1 port=1 password=\(secret)",
        ])
        #expect(keyValue.status == 1)
        #expect(!keyValue.stderr.contains(secret) && !keyValue.stdout.contains(secret), "\(keyValue.stderr)")
    }

    @Test("TLS files that do not exist are named with their parameter and path, not noSuchFilesystemObject")
    func tlsFiles() async throws {
        let dir = try Self.directory(["00001_a.sql": Self.good])
        defer { try? FileManager.default.removeItem(at: dir) }
        for parameter in ["sslrootcert", "sslcert", "sslkey"] {
            let result = try await SkeinBinary.run([
                "status", "--dir", dir.path, "--database-url",
                "postgres://app@127.0.0.1:1/x?sslmode=verify-full&\(parameter)=/nonexistent/\(parameter).pem",
            ])
            #expect(result.status == 1)
            #expect(
                result.stderr.contains("\(parameter)=/nonexistent/\(parameter).pem: no such file"), "\(result.stderr)")
            #expect(!result.stderr.contains("noSuchFilesystemObject"))
        }
    }

    @Test("a TLS file that is not PEM is named with its parameter, and how to convert it")
    func tlsNotPEM() async throws {
        let dir = try Self.directory(["00001_a.sql": Self.good, "root.der": [0x30, 0x82, 0x01, 0x0A, 0x02]])
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("root.der").path
        let result = try await SkeinBinary.run([
            "status", "--dir", dir.path, "--database-url",
            "postgres://app@127.0.0.1:1/x?sslmode=verify-ca&sslrootcert=\(path)",
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("sslrootcert=\(path) is not in PEM format"), "\(result.stderr)")
    }

    @Test("a lone COPY … FROM STDIN is refused before it is sent, saying what to write instead; nothing is applied")
    func copyFromStandardInput() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let copy = Array(
            "-- +goose Up\nCREATE TABLE c (id int);\nCOPY c (id) FROM STDIN;\n-- +goose Down\nDROP TABLE c;\n".utf8)
        let dir = try Self.directory(["00001_copy.sql": copy])
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try await SkeinBinary.run(["up", "--dir", dir.path, "--database-url", database.text])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains("00001_copy.sql:3: COPY … FROM STDIN cannot run in a migration"), "\(result.stderr)")
        #expect(result.stderr.contains("INSERT … VALUES"))
        #expect(!result.stderr.contains("unexpectedBackendMessage"))
        #expect(try await !Self.tables(database).contains("public.c"))
    }

    @Test("goose's status as a role that may not create goose's table: PostgreSQL's own words, never PSQLError's")
    func permissionDeniedInGooseGrammar() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let role = "skein_nocreate_\(UInt32.random(in: 0...UInt32.max))"
        try await TestDatabase.execute("CREATE ROLE \(role) LOGIN", on: database)
        try await TestDatabase.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC", on: database)
        let dir = try Self.directory(["00001_a.sql": Self.good])
        defer { try? FileManager.default.removeItem(at: dir) }
        var components = try #require(URLComponents(string: database.text))
        components.user = role
        components.password = nil
        let url = try #require(components.string)
        let result = try await SkeinBinary.run(["-dir", dir.path, "postgres", url, "status"])
        try? await TestDatabase.execute("DROP OWNED BY \(role); DROP ROLE \(role)", on: database)
        #expect(result.status == 1)
        #expect(
            result.stderr.contains("goose run: ERROR: permission denied for schema public (SQLSTATE 42501)"),
            "\(result.stderr)")
        #expect(!result.stderr.contains("PSQLError"))
    }

    @Test("Ctrl-C during a long statement: cancelled on the server, the migration and line named, exit 130, recorded")
    func interrupted() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = try Self.directory([
            "00001_sleep.sql": Array("-- +goose Up\nSELECT pg_sleep(60);\n-- +goose Down\nSELECT 1;\n".utf8)
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        let process = try await ChildProcess(
            SkeinBinary.path, ["up", "--dir", dir.path, "--database-url", database.text],
            environment: SkeinBinary.environment([:]))
        // The barrier: the sleep is running on the server (a bounded wait on its state, not a guess at a duration).
        let logger = Logger(label: "test")
        let watcher = try await PostgresConnection.connect(
            configuration: try database.connectionConfiguration(), id: 2, logger: logger)
        var running = false
        for _ in 0..<600 where !running {
            let rows = try await watcher.query(
                "SELECT count(*)::int8 FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep(60)%'",
                logger: logger)
            for try await count in rows.decode(Int64.self) { running = count > 0 }
            if !running { try await Task.sleep(for: .milliseconds(50)) }
        }
        try await watcher.close()
        #expect(running, "the migration's statement never started")
        process.signal(SIGINT)
        let ended = await process.wait()
        let stderr = process.stderr
        #expect(ended.status == 130 && !ended.signalled, "\(stderr)")
        #expect(stderr.contains("cancelled by the operator (Ctrl-C)"), "\(stderr)")
        // The migration and its line; the cause as the server said it (57014) or as the cancelled task saw it.
        #expect(stderr.contains("00001_sleep.sql:2: "), "\(stderr)")
        #expect(stderr.contains("was rolled back; nothing after it ran"), "\(stderr)")
        let history = try await SkeinBinary.run(["history", "--format", "json", "--database-url", database.text])
        #expect(history.stdout.contains("\"outcome\":\"failed\""), "\(history.stdout)")
        #expect(
            history.stdout.contains("canceling statement due to user request")
                || history.stdout.contains("cancelled by the operator"), "\(history.stdout)")
        #expect(!history.stdout.contains("CancellationError"))
    }

    @Test("an approvals file that cannot be read is an error, and approve never overwrites it")
    func approvalsFile() async throws {
        let destructive = Array(
            "-- DESTRUCTIVE: drops table a\n-- +goose Up\nDROP TABLE IF EXISTS a;\n-- +goose Down\nSELECT 1;\n".utf8)
        let dir = try Self.directory(["00001_drop.sql": destructive])
        defer { try? FileManager.default.removeItem(at: dir) }
        let ledger = dir.appendingPathComponent(".skein-approvals.json")
        let newer = #"{"schemaVersion": 2, "approvals": [], "signatures": []}"#
        try Data(newer.utf8).write(to: ledger)
        let approve = try await SkeinBinary.run(["approve", "1", "--by", "reviewer", "--dir", dir.path])
        #expect(approve.status == 1 && approve.stderr.contains("schemaVersion 2"), "\(approve.stderr)")
        #expect(try String(contentsOf: ledger, encoding: .utf8) == newer, "the newer file is left as it was")
        let lint = try await SkeinBinary.run(["lint", dir.path])
        #expect(lint.status == 1 && lint.stderr.contains("schemaVersion 2"), "\(lint.stderr)")
        try FileManager.default.removeItem(at: ledger)
        try FileManager.default.createDirectory(at: ledger, withIntermediateDirectories: false)
        let directory = try await SkeinBinary.run(["approve", "1", "--by", "reviewer", "--dir", dir.path])
        #expect(directory.status == 1 && directory.stderr.contains("is a directory"), "\(directory.stderr)")
    }

    @Test("history, metrics, report and version need only the database: no migrations directory")
    func databaseOnlyCommands() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let dir = try Self.directory(["00001_a.sql": Self.good])
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try await SkeinBinary.run(["up", "--dir", dir.path, "--database-url", database.text]).status == 0)
        let nowhere = "/nonexistent/skein-\(UUID().uuidString)"
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("skein-\(UUID().uuidString).html")
        defer { try? FileManager.default.removeItem(at: report) }
        // version takes --dir (goose's -no-versioning reads the names) and must not read it otherwise; the audit
        // log's readers take no --dir at all.
        for arguments in [
            ["history"], ["metrics"], ["report", "--html", report.path], ["version", "--dir", nowhere],
        ] {
            let result = try await SkeinBinary.run(arguments + ["--database-url", database.text])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        let fresh = try await TestDatabase.makeFreshDatabase()
        let status = try await SkeinBinary.run(["status", "--dir", dir.path, "--database-url", fresh.text])
        #expect(status.status == 0 && status.stdout.contains("Pending"), "\(status.stdout)\(status.stderr)")
        #expect(try await Self.tables(fresh) == [], "skein status on a fresh database creates nothing")
    }

    @Test("an unknown command exits 2 with the closest one; skein help of an unknown command too")
    func unknownCommands() async throws {
        let typo = try await SkeinBinary.run(["stauts"])
        #expect(typo.status == 2 && typo.stderr.contains("did you mean 'status'?"), "\(typo.stderr)")
        let help = try await SkeinBinary.run(["help", "frobnicate"])
        #expect(help.status == 2 && help.stderr.contains("unknown command 'frobnicate'"), "\(help.stderr)")
        #expect(try await SkeinBinary.run(["help", "status"]).status == 0)
    }

    /// `flock -s LOCK skein …` waits on a lock the test holds exclusively: releasing it starts all of them at once.
    static func startTogether(_ commands: [[String]]) async throws -> [SkeinBinary.Result] {
        let lock = FileManager.default.temporaryDirectory.appendingPathComponent("skein-barrier-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: lock.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: lock) }
        let holder = open(lock.path, O_RDONLY)
        defer { close(holder) }
        guard flock(holder, LOCK_EX) == 0 else { throw BarrierError() }
        var processes: [ChildProcess] = []
        for arguments in commands {
            processes.append(
                try await ChildProcess(
                    "/usr/bin/flock", ["-s", lock.path, SkeinBinary.path] + arguments,
                    environment: SkeinBinary.environment([:])))
        }
        flock(holder, LOCK_UN)
        var results: [SkeinBinary.Result] = []
        for process in processes {
            let output = try await process.output()
            results.append(SkeinBinary.Result(status: output.status, stdout: output.stdout, stderr: output.stderr))
        }
        return results
    }

    struct BarrierError: Error {}

    @Test(
        "status, up and down started together on a fresh database, 50 times: up and status exit 0, down 0 or goose's no current version, each version row once",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/flock")))
    func concurrentFirstRuns() async throws {
        let dir = try Self.directory([
            "00001_a.sql": Self.good,
            "00002_b.sql": Array("-- +goose Up\nCREATE TABLE b (id int);\n-- +goose Down\nDROP TABLE b;\n".utf8),
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        for trial in 0..<50 {
            let database = try await TestDatabase.makeFreshDatabase()
            let grammar = ["-dir", dir.path, "postgres", database.text]
            let results = try await Self.startTogether([grammar + ["status"], grammar + ["up"], grammar + ["down"]])
            let (status, up, down) = (results[0], results[1], results[2])
            #expect(status.status == 0, "trial \(trial) status: \(status.stderr)")
            #expect(up.status == 0, "trial \(trial) up: \(up.stderr)")
            #expect(
                down.status == 0 || down.stderr.contains("goose run: migration 0: no current version found"),
                "trial \(trial) down: \(down.stderr)")
            for result in results { #expect(!result.stderr.contains("PSQLError"), "trial \(trial): \(result.stderr)") }
            let logger = Logger(label: "test")
            let connection = try await PostgresConnection.connect(
                configuration: try database.connectionConfiguration(), id: 1, logger: logger)
            let rows = try await connection.query(
                "SELECT count(*)::int8, count(DISTINCT (version_id, is_applied))::int8, count(*) FILTER (WHERE version_id = 0)::int8 FROM goose_db_version",
                logger: logger)
            for try await (total, distinct, zero) in rows.decode((Int64, Int64, Int64).self) {
                #expect(zero == 1, "trial \(trial): one version-0 row")
                #expect(total == distinct, "trial \(trial): each version row once")
            }
            try await connection.close()
        }
    }
}
