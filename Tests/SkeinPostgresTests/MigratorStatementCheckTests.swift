import Foundation
import Logging
import PostgresNIO
import SkeinCore
import SkeinPostgres
import SkeinTestSupport
import Synchronization
import Testing

/// `Migrator.Configuration.statementChecker` with an app's own checker (no libpg_query): `SELEC` is a typo, a
/// statement marked `-- newer` is beyond the checker's grammar.
@Suite("migrator: the statement checker runs before the first step", .requiresPostgreSQL)
struct MigratorStatementCheckTests {
    let logger = Logger(label: "skein.tests", factory: { _ in SwiftLogNoOpLogHandler() })

    static let checker = StatementChecker { sql, serverMajorVersion in
        if let range = sql.range(of: "SELEC ") {
            return .syntaxError(
                message: "syntax error at or near \"SELEC\"",
                utf8Offset: sql.utf8.distance(from: sql.utf8.startIndex, to: range.lowerBound))
        }
        if sql.contains("-- newer") {
            return .notChecked(reason: "newer syntax than server \(serverMajorVersion.map(String.init) ?? "unknown")")
        }
        return .valid
    }

    static let migrations = MigrationCatalog(
        files: InMemorySource(texts: [
            "00001_create_a.sql": "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n",
            "00002_create_b.sql": "-- +goose Up\nCREATE TABLE b (id int);\nSELEC 1;\n-- +goose Down\nDROP TABLE b;\n",
        ]).files
    ).migrations

    func versions(on connection: PostgresConnection) async throws -> [Int64] {
        guard case .rows(let rows) = try await VersionStore().history(on: connection, logger: logger) else {
            return []
        }
        return rows.sorted { $0.id < $1.id }.map(\.version)
    }

    @Test("a typo in the 2nd file refuses the run: PlanRejected at file:line:col, no version row, no audit row")
    func refuses() async throws {
        var configuration = Migrator.Configuration()
        configuration.statementChecker = Self.checker
        let migrator = Migrator(configuration: configuration)
        try await TestDatabase.withFreshDatabase { database in
            try await database.client.withConnection { connection in
                do {
                    _ = try await migrator.run(.up, migrations: Self.migrations, on: connection, logger: logger)
                    Issue.record("the run must be refused")
                } catch let rejected as Migrator.PlanRejected {
                    let errors = rejected.problems.filter { $0.severity == .error }
                    #expect(errors.map(\.code) == ["syntax-error"])
                    #expect(errors.first?.location?.description == "migrations/00002_create_b.sql:3:1")
                    #expect(rejected.plan.steps.count == 2)
                }
                // A refused run writes nothing: not even goose's table (the library's fresh-database rule).
                #expect(try await !VersionStore().exists(on: connection, logger: logger))
                #expect(try await migrator.history(on: connection, logger: logger).isEmpty)
                // --dry-run's preview reports the same.
                let preview = try await migrator.preview(
                    .up, migrations: Self.migrations, on: connection, logger: logger)
                #expect(preview.problems.map(\.code) == ["syntax-error"])
            }
        }
    }

    @Test("without a checker (the default), goose's behaviour: the 1st file is applied, the 2nd fails on the server")
    func defaultChecksNothing() async throws {
        try await TestDatabase.withFreshDatabase { database in
            try await database.client.withConnection { connection in
                await #expect(throws: MigrationFailure.self) {
                    try await Migrator().run(.up, migrations: Self.migrations, on: connection, logger: logger)
                }
                let applied = try await versions(on: connection)
                #expect(applied == [0, 1])
            }
        }
    }

    @Test("a statement the checker cannot judge runs: a notice before the steps, a warning in the outcome's plan")
    func notCheckedRuns() async throws {
        var configuration = Migrator.Configuration()
        configuration.statementChecker = Self.checker
        let migrations = MigrationCatalog(
            files: InMemorySource(texts: [
                "00001_create_a.sql":
                    "-- +goose Up\nCREATE TABLE a (id int -- newer\n);\n-- +goose Down\nDROP TABLE a;\n"
            ]).files
        ).migrations
        let events = Mutex<[String]>([])
        try await TestDatabase.withFreshDatabase { database in
            try await database.client.withConnection { connection in
                let outcome = try await Migrator(configuration: configuration).run(
                    .up, migrations: migrations, on: connection,
                    observer: { event in
                        events.withLock {
                            switch event {
                            case .notice(let text): $0.append("notice: \(text)")
                            case .finished(let step, _): $0.append("finished \(step.migration.version)")
                            default: break
                            }
                        }
                    }, logger: logger)
                #expect(outcome.plan.problems.map(\.code) == ["syntax-not-checked"])
                #expect(try await versions(on: connection) == [0, 1])
            }
        }
        let seen = events.withLock { $0 }
        #expect(seen.count == 2 && seen.last == "finished 1", "\(seen)")
        #expect(
            seen.first?.hasPrefix(
                "notice: migrations/00001_create_a.sql:2:1: Up: not checked: newer syntax than server ") == true)
        #expect(seen.first?.contains("unknown") == false, "the server's major version is passed to the checker")
    }
}
