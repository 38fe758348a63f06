import Logging
import PostgresNIO
import SkeinConnection
import SkeinTestSupport
import Testing

@testable import SkeinCLI

/// A run that stops on its files while the connection made beside them is already open (CI caught a debug build
/// stopping with "PostgresConnection deinitialized before being closed" on `status --dir no-such-dir`).
@Suite("a connection made while the files were read is closed when the run stops before it", .requiresPostgreSQL)
struct AbandonedConnectionTests {
    @Test("abandon closes a connection that is already open, and lets an attempt that failed go")
    func closesOpenConnection() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let string = try ConnectionString.parse(database.text)
        let connecting = Task { try await DatabaseRun.connect(string, environment: [:], logger: logger) }
        let connected = try await connecting.value
        #expect(!connected.connection.isClosed)
        await DatabaseRun.abandon(connecting)?.value
        #expect(connected.connection.isClosed)

        let refused = Task {
            try await DatabaseRun.connect(
                try ConnectionString.parse("postgres://nobody@127.0.0.1:1/none?sslmode=disable"), environment: [:],
                logger: logger)
        }
        await DatabaseRun.abandon(refused)?.value
        #expect(DatabaseRun.abandon(nil) == nil)
    }
}
