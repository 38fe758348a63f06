import Foundation
import Logging
import SkeinSandbox

/// Helpers shared by this target's tests.
enum Fixtures {
    static let logger = Logger(label: "skein.sandbox.tests", factory: { _ in SwiftLogNoOpLogHandler() })

    static let environment = ProcessInfo.processInfo.environment

    /// Whether a real installation can be found (the tests that start clusters need one).
    static var hasInstallation: Bool {
        PostgresInstallation.isProbablyInstalled(environment: environment) || environment["CI"] == "true"
    }

    static func installation() async throws -> PostgresInstallation {
        try await PostgresInstallation.locate(environment: environment, logger: logger)
    }

    static func options() async throws -> SandboxOptions {
        SandboxOptions(installation: try await installation(), parentDirectory: environment["TMPDIR"] ?? "/tmp")
    }

    /// A new, empty directory below /tmp (short, and reachable by the server user when running as root).
    static func temporaryDirectory() throws -> String {
        var template = Array("/tmp/skein-test-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard let created else { throw CocoaError(.fileWriteUnknown) }
        let path = String(cString: created)
        chmod(path, 0o755)
        return path
    }

    static func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }
}

struct ExpectedFailure: Error, Equatable {}
