import Foundation
import Logging
import PostgresNIO
import SkeinCore
import SkeinGovernance
import SkeinPostgres
import SkeinTestSupport
import Testing

/// `Migrator.status` with files read unparsed (what the CLI's `status` reads).
@Suite("migrator: status parses only what changed since it was applied", .requiresPostgreSQL)
struct MigratorStatusTests {
    let logger = Logger(label: "skein.tests", factory: { _ in SwiftLogNoOpLogHandler() })

    static let texts = [
        "00001_create_a.sql": "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n",
        "00002_create_b.sql": "-- +goose Up\nCREATE TABLE b (id int);\n-- +goose Down\nDROP TABLE b;\n",
        "00003_create_c.sql": "-- +goose Up\nCREATE TABLE c (id int);\n-- +goose Down\nDROP TABLE c;\n",
    ]

    static func catalog(_ texts: [String: String], parsing: MigrationCatalog.Parsing) -> [Migration] {
        MigrationCatalog(files: InMemorySource(texts: texts).files, parsing: parsing).migrations
    }

    @Test("unchanged applied files and pending ones stay unparsed; an edited applied file is parsed and reported")
    func parsesChanged() async throws {
        let migrator = Migrator()
        try await TestDatabase.withFreshDatabase { database in
            try await database.client.withConnection { connection in
                _ = try await migrator.run(
                    .upTo(2), migrations: Self.catalog(Self.texts, parsing: .everything), on: connection,
                    logger: logger)
                var texts = Self.texts
                texts["00002_create_b.sql"] = texts["00002_create_b.sql"]!.replacingOccurrences(
                    of: "b (id int)", with: "b (id bigint)")
                let report = try await migrator.status(
                    migrations: Self.catalog(texts, parsing: .deferred), on: connection, logger: logger)
                let eager = try await migrator.status(
                    migrations: Self.catalog(texts, parsing: .everything), on: connection, logger: logger)
                #expect(report.entries.map(\.state) == [.applied, .applied, .pending])
                #expect(report.entries.map { $0.migration?.isParsed } == [false, true, false])
                #expect(report.entries.map { $0.drift?.kind } == [nil, .modified, nil])
                // What the eager reading reports, entry by entry.
                #expect(report.entries.map(\.state) == eager.entries.map(\.state))
                #expect(report.entries.map(\.drift) == eager.entries.map(\.drift))
                #expect(report.entries.map(\.appliedAt) == eager.entries.map(\.appliedAt))
                // The applied files' checksums: the recorded ones for the unchanged file, the parse's for the edited.
                #expect(
                    report.entries.prefix(2).map { $0.migration?.checksum }
                        == eager.entries.prefix(2).map { $0.migration?.checksum })
            }
        }
    }
}
