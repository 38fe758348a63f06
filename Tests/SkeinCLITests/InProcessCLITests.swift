import Foundation
import Testing

@testable import SkeinCLI

/// The command line run in process (``SkeinCommandLine/run(arguments:environment:output:error:signals:)``): the
/// same argument handling and rendering as the executable, with the environment and the streams passed in, so these
/// run in parallel with no process and no shared state.
@Suite("skein in process: arguments, rendering, exit codes")
struct InProcessCLITests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func skein(_ arguments: [String], environment: [String: String] = [:]) async -> Run {
        let output = OutputBuffer()
        let error = OutputBuffer()
        let status = await SkeinCommandLine.run(
            arguments: arguments, environment: environment, output: output.sink, error: error.sink)
        return Run(status: status, stdout: output.text, stderr: error.text)
    }

    static func directory(_ files: [String: String]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("skein-inproc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, text) in files {
            try Data(text.utf8).write(to: url.appendingPathComponent(name))
        }
        return url
    }

    @Test("validate of a good directory exits 0 and writes to the given stdout only")
    func validateGood() async throws {
        let dir = try Self.directory([
            "20240101000000_create_a.sql": "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n"
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = await Self.skein(["validate", "--dir", dir.path, "--format", "json"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("\"errors\":0"))
        #expect(run.stderr.isEmpty)
    }

    @Test("a failure is rendered once, in Skein's grammar as error: and in goose's as goose run:")
    func failureRendering() async throws {
        let missing = "/nonexistent/skein-\(UUID().uuidString)"
        let skein = await Self.skein(["status", "--dir", missing, "--database-url", "postgres://127.0.0.1:1/x"])
        #expect(skein.status == 1)
        #expect(skein.stderr.hasPrefix("error: "))
        #expect(skein.stderr.components(separatedBy: "error: ").count == 2)
        let goose = await Self.skein(["-dir", missing, "postgres", "postgres://127.0.0.1:1/x", "status"])
        #expect(goose.status == 1)
        #expect(goose.stderr.contains(" goose run: "))
        #expect(!goose.stderr.contains("error: "))
    }

    @Test("usage errors exit 2 in both grammars; goose's usage text goes to stdout")
    func usage() async {
        let skein = await Self.skein(["up", "--frobnicate"])
        #expect(skein.status == 2)
        #expect(skein.stderr.contains("--frobnicate"))
        let goose = await Self.skein(["-dir", "migrations", "-frobnicate"])
        #expect(goose.status == 2)
        #expect(goose.stderr.hasPrefix("flag provided but not defined: -frobnicate\n  -allow-missing\n"))
        #expect(goose.stdout.contains("Usage: skein [OPTIONS] DRIVER DBSTRING COMMAND"))
    }

    @Test("the environment passed in is the one read: GOOSE_MIGRATION_DIR picks the directory")
    func environmentIsPassedIn() async throws {
        let dir = try Self.directory([
            "20240101000000_create_a.sql": "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n"
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = await Self.skein(["validate", "--format", "json"], environment: ["GOOSE_MIGRATION_DIR": dir.path])
        #expect(run.status == 0)
        #expect(run.stdout.contains("\"migrations\":1"))
        let elsewhere = await Self.skein(
            ["validate", "--format", "json"], environment: ["GOOSE_MIGRATION_DIR": dir.path + "-missing"])
        #expect(elsewhere.status == 1)
    }

    @Test("many runs at once keep their own streams")
    func parallelRuns() async throws {
        let good = try Self.directory([
            "20240101000000_create_a.sql": "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n"
        ])
        defer { try? FileManager.default.removeItem(at: good) }
        let runs = await withTaskGroup(of: (Int, Run).self) { group in
            for index in 0..<16 {
                group.addTask {
                    let arguments =
                        index.isMultiple(of: 2)
                        ? ["validate", "--dir", good.path, "--format", "json"]
                        : ["validate", "--dir", good.path + "-missing-\(index)"]
                    return (index, await Self.skein(arguments))
                }
            }
            var all: [(Int, Run)] = []
            for await run in group { all.append(run) }
            return all
        }
        for (index, run) in runs {
            if index.isMultiple(of: 2) {
                #expect(run.status == 0 && run.stdout.contains("\"migrations\":1") && run.stderr.isEmpty)
            } else {
                #expect(run.status == 1 && run.stdout.isEmpty && run.stderr.contains("-missing-\(index)"))
            }
        }
    }
}

/// Each database command shows and accepts only its own options (the first-contact issue: `skein version --backup
/// /x --dry-run` exited 0, and `history --help` listed ~22 flags for running migrations).
@Suite("skein in process: each command takes only its own options")
struct CommandOptionsTests {
    /// The long options a command's help lists.
    static func options(_ command: [String]) async -> Set<String> {
        let run = await InProcessCLITests.skein(command + ["--help"])
        let words = run.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "," || $0 == "[" || $0 == "]" })
        return Set(words.filter { $0.hasPrefix("--") }.map(String.init)).subtracting(["--help", "--version"])
    }

    static let server: Set<String> = ["--database-url", "--table", "--config", "--timeout"]
    static let files: Set<String> = ["--dir", "--verbose", "--no-versioning"]

    @Test(
        "read-only commands list no run options",
        arguments: [
            (["version"], server.union(files)),
            (["status"], server.union(files).union(["--format"])),
            (["history"], server.union(["--format", "--since"])),
            (["metrics"], server.union(["--format"])),
            (["report"], server.union(["--html", "--targets"])),
            (["repair"], server.union(["--dir", "--verbose", "--applied", "--rolled-back"])),
        ])
    func readOnly(command: [String], expected: Set<String>) async {
        #expect(await Self.options(command) == expected)
    }

    @Test("the commands that migrate keep every run option")
    func migrating() async {
        for command in ["up", "up-by-one", "down", "redo", "reset"] {
            let options = await Self.options([command])
            #expect(
                options.isSuperset(of: ["--backup", "--dry-run", "--lock-timeout", "--allow-destructive", "--dir"]))
        }
    }

    @Test(
        "a run option given to a read-only command is a usage error (exit 2), named",
        arguments: [
            ["version", "--backup", "/x", "--dry-run"], ["status", "--allow-destructive"],
            ["history", "--dir", "migrations"], ["metrics", "--lock-timeout", "5s"],
            ["report", "--ephemeral", "--html", "r.html"],
        ])
    func refused(arguments: [String]) async {
        let run = await InProcessCLITests.skein(arguments + ["--database-url", "postgres://127.0.0.1:1/x"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("Unknown option '\(arguments[1])'"))
    }

    @Test("goose's grammar still passes -allow-missing to every command: status and version ignore it, as goose")
    func gooseGlobalFlags() async throws {
        let dir = try InProcessCLITests.directory([:])
        defer { try? FileManager.default.removeItem(at: dir) }
        for command in ["status", "version"] {
            let run = await InProcessCLITests.skein([
                "-allow-missing", "-dir", dir.path, "postgres", "postgres://127.0.0.1:1/x", command,
            ])
            #expect(run.status == 1)
            #expect(!run.stderr.contains("Unknown option"))
        }
    }
}

/// Connection failures in psql's words, with psql's "is the server running" only where it applies.
@Suite("skein in process: connection errors say what psql says")
struct ConnectionErrorTests {
    @Test("a refused TCP port, a missing socket, an unknown host")
    func unreachable() async throws {
        let dir = try InProcessCLITests.directory([:])
        defer { try? FileManager.default.removeItem(at: dir) }
        let tcp = await InProcessCLITests.skein([
            "version", "--dir", dir.path, "--database-url", "postgres://app:hunter2@127.0.0.1:1/x",
        ])
        #expect(tcp.status == 1)
        #expect(
            tcp.stderr == """
                error: connection to server at "127.0.0.1", port 1 failed: Connection refused
                  Is the server running on that host and accepting TCP/IP connections?
                  help: the connection string came from --database-url

                """)
        let socket = await InProcessCLITests.skein(
            ["version", "--dir", dir.path], environment: ["DATABASE_URL": "host=/nonexistent port=6"])
        #expect(
            socket.stderr.hasPrefix(
                """
                error: connection to server on socket "/nonexistent/.s.PGSQL.6" failed: No such file or directory
                  Is the server running locally and accepting connections on that socket?
                  help: the connection string came from DATABASE_URL
                """))
        let host = await InProcessCLITests.skein([
            "version", "--dir", dir.path, "--database-url", "postgres://app@no-such-host.invalid/x",
        ])
        #expect(host.stderr.contains("could not translate host name \"no-such-host.invalid\" to address"))
        #expect(!host.stderr.contains("Is the server running"))
        for run in [tcp, socket, host] { #expect(!run.stderr.contains("SingleConnectionFailure")) }
    }

    @Test("goose's grammar keeps goose's wrapping and pgx's dial error")
    func goose() async throws {
        let dir = try InProcessCLITests.directory([:])
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = await InProcessCLITests.skein([
            "-dir", dir.path, "postgres", "postgres://postgres@127.0.0.1:1/nowhere?sslmode=disable", "up",
        ])
        #expect(
            run.stderr.hasSuffix(
                "goose run: failed to connect to `host=127.0.0.1 user=postgres database=nowhere`: dial error (dial tcp 127.0.0.1:1: connect: connection refused)\n"
            ))
    }
}
