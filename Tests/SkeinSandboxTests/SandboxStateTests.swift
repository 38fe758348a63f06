import Foundation
import SkeinSandbox
import Testing

@Suite("Sandbox state file")
struct SandboxStateTests {
    static let cluster = SandboxCluster(
        directory: "/tmp/skein-sandbox-0/default",
        port: 54012,
        portSelection: .automatic,
        superuser: "postgres",
        installation: PostgresInstallation(
            binDirectory: "/usr/lib/postgresql/16/bin", version: "16.4", majorVersion: 16),
        serverAccount: SystemAccount(name: "postgres", userID: 101, groupID: 104),
        timeoutSeconds: 60
    )

    @Test("writes the fields people and scripts read")
    func formatting() throws {
        let state = SandboxState(name: "default", cluster: Self.cluster, pid: 4242)
        let json = try #require(try JSONSerialization.jsonObject(with: state.encoded()) as? [String: Any])
        #expect(json["format"] as? Int == 1)
        #expect(json["name"] as? String == "default")
        #expect(json["url"] as? String == "postgres://postgres@127.0.0.1:54012/postgres?sslmode=disable")
        #expect(json["port"] as? Int == 54012)
        #expect(json["pid"] as? Int == 4242)
        #expect(json["socketDirectory"] as? String == "/tmp/skein-sandbox-0/default")
        #expect(json["dataDirectory"] as? String == "/tmp/skein-sandbox-0/default/data")
        #expect(json["logFile"] as? String == "/tmp/skein-sandbox-0/default/postgres.log")
        #expect(json["postgresVersion"] as? String == "16.4")
        #expect(String(decoding: state.encoded(), as: UTF8.self).hasSuffix("}\n"))
    }

    @Test("reads back what it writes", arguments: [SandboxOptions.Port.automatic, .fixed(5499)])
    func roundTrip(portSelection: SandboxOptions.Port) throws {
        var cluster = Self.cluster
        cluster.portSelection = portSelection
        if case .fixed(let port) = portSelection { cluster.port = port }
        cluster.serverAccount = nil
        let state = SandboxState(name: "ci-7", cluster: cluster, pid: 1)
        #expect(try SandboxState(decoding: state.encoded(), path: "state.json") == state)
    }

    @Test("reads a hand-written file with only the required fields")
    func parsesMinimalFile() throws {
        let text = """
            {"format": 1, "name": "x", "port": 6000, "fixedPort": false, "superuser": "postgres",
             "directory": "/tmp/s/x", "pid": 0, "postgresVersion": "15.18", "postgresMajorVersion": 15,
             "binDirectory": "/usr/lib/postgresql/15/bin", "timeoutSeconds": 30}
            """
        let state = try SandboxState(decoding: Data(text.utf8), path: "state.json")
        #expect(state.cluster.url == "postgres://postgres@127.0.0.1:6000/postgres?sslmode=disable")
        #expect(state.cluster.socketPath == "/tmp/s/x/.s.PGSQL.6000")
        #expect(state.cluster.serverAccount == nil)
    }

    @Test(
        "explains what is wrong with a broken file",
        arguments: [
            ("not json", "it is not valid JSON"),
            (#"{"format": 1, "name": "x"}"#, "the field 'port' is missing"),
            (
                #"{"format": 2, "name": "x", "port": 1, "fixedPort": false, "superuser": "p", "directory": "/d", "pid": 0, "postgresVersion": "9", "postgresMajorVersion": 9, "binDirectory": "/b", "timeoutSeconds": 1}"#,
                "it has format 2"
            ),
        ]
    )
    func rejectsBrokenFile(text: String, reason: String) {
        let error = #expect(throws: SandboxError.self) {
            try SandboxState(decoding: Data(text.utf8), path: "/tmp/state.json")
        }
        #expect(error?.code == .invalidState)
        #expect(error?.reason?.hasPrefix(reason) == true, "\(error?.reason ?? "")")
        #expect(error?.description.contains("/tmp/state.json") == true)
        #expect(error?.description.contains("skein sandbox stop") == true)
    }
}
