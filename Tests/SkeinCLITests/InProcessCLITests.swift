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
