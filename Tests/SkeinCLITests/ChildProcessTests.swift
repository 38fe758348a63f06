import Foundation
import SkeinTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The tests' way of running programs (the CI run that hung: a browser helper that outlived the browser held
/// Foundation's exit notice open, and blocked waits starved the 2-core cooperative pool).
@Suite("ChildProcess: the tests' programs, awaited on their own exit")
struct ChildProcessTests {
    @Test("a program whose child outlives it ends when it exits, not when the child does")
    func grandchildOutlives() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("skein-grandchild-\(UUID())")
        defer { try? FileManager.default.removeItem(at: pidFile) }
        // The background sleep inherits the shell's stdout and every other descriptor the shell had.
        let run = try await ChildProcess.run(
            "sh", ["-c", "sleep 600 & echo $! > '\(pidFile.path)'; echo done"], limit: .seconds(300))
        let grandchild = Int32(
            try String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        defer { if let grandchild { kill(grandchild, SIGKILL) } }
        #expect(run.status == 0 && !run.termination.timedOut)
        #expect(run.stdout == "done\n")
        #expect(grandchild.map { kill($0, 0) == 0 } == true, "the child is still running")
    }

    @Test("a program past its limit is killed and reported with what it printed")
    func limit() async throws {
        await #expect(throws: ChildProcess.TimedOut.self) {
            _ = try await ChildProcess.run("sh", ["-c", "echo started; exec sleep 600"], limit: .seconds(1))
        }
        let child = try await ChildProcess("sleep", ["600"])
        let ended = await child.wait(limit: .milliseconds(200))
        #expect(ended.timedOut && ended.signalled && ended.status == SIGKILL)
    }

    @Test("stdin, the exit status, and stderr kept apart or combined")
    func streams() async throws {
        let echoed = try await ChildProcess.run(
            "sh", ["-c", "cat; echo oops >&2; exit 3"], input: Data("hello\n".utf8))
        #expect(echoed.status == 3 && echoed.stdout == "hello\n" && echoed.stderr == "oops\n")
        let combined = try await ChildProcess.run("sh", ["-c", "echo a; echo b >&2"], combineOutput: true)
        #expect(combined.stdout == "a\nb\n" && combined.stderr.isEmpty)
        await #expect(throws: (any Error).self) { _ = try await ChildProcess.run("/no/such/program", []) }
    }
}
