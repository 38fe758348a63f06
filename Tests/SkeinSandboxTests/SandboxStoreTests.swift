import Foundation
import PostgresNIO
import SkeinSandbox
import SkeinTestSupport
import Testing

@Suite("Named sandboxes")
struct SandboxStoreTests {
    @Test("start, status, start again, stop", .enabled(if: Fixtures.hasInstallation))
    func lifecycle() async throws {
        let parent = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let store = SandboxStore(root: parent + "/store")
        let name = "t-" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let options = try await Fixtures.options()

        #expect(try await store.status(name: name, logger: Fixtures.logger) == .absent)

        let created = try await store.start(name: name, options: options, logger: Fixtures.logger)
        guard case .created(let state) = created else {
            Issue.record("expected a new sandbox, got \(created)")
            return
        }
        // Whatever happens below, do not leave a server behind.
        defer { try? state.cluster.destroyImmediately() }
        #expect(state.name == name)
        #expect(state.cluster.directory == store.directory(for: name))
        #expect(state.pid > 0)
        #expect(try store.readState(name: name) == state)

        guard case .running(let running) = try await store.status(name: name, logger: Fixtures.logger) else {
            Issue.record("expected the sandbox to run")
            return
        }
        #expect(running.cluster.url == state.cluster.url)

        let again = try await store.start(name: name, options: options, logger: Fixtures.logger)
        #expect(again == .alreadyRunning(state))

        let url = try DatabaseURL(parsing: state.cluster.url)
        let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: Fixtures.logger)
        let answer = try await TestDatabase.withClientRunning(client) {
            var answer = 0
            for try await (value, ) in try await client.query("SELECT 7 * 6").decode(Int.self) { answer = value }
            return answer
        }
        #expect(answer == 42)

        let stopped = try await store.stop(name: name, logger: Fixtures.logger)
        #expect(stopped == state)
        #expect(!Fixtures.exists(store.directory(for: name)))
        #expect(try await store.status(name: name, logger: Fixtures.logger) == .absent)
        #expect(try await store.stop(name: name, logger: Fixtures.logger) == nil)
    }

    @Test(
        "rejects names that are not simple identifiers",
        arguments: ["", "../etc", "a b", String(repeating: "x", count: 41)])
    func rejectsBadNames(name: String) {
        let error = #expect(throws: SandboxError.self) { try SandboxStore.validate(name: name) }
        #expect(error?.code == .invalidName)
        #expect(error?.description.contains("is not a valid sandbox name") == true)
    }

    @Test("accepts simple names", arguments: ["default", "ci_1", "feature-x", String(repeating: "x", count: 40)])
    func acceptsNames(name: String) throws {
        try SandboxStore.validate(name: name)
    }

    @Test("keeps each user's sandboxes in a directory of their own")
    func standardRoot() {
        #expect(SandboxStore.standard(temporaryDirectory: "/tmp/", userID: 1000).root == "/tmp/skein-sandbox-1000")
        #expect(
            SandboxStore.standard(temporaryDirectory: "/tmp", userID: 0).stateFile(for: "default")
                == "/tmp/skein-sandbox-0/default/state.json")
    }
}
