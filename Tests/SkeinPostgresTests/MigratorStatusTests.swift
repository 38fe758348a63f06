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

    @Test("files only listed: status reads the applied files it compares, none other; a file gone is the error")
    func readsCompared() async throws {
        let migrator = Migrator()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("skein-listed-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (name, text) in Self.texts {
            try text.write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
        }
        let source = DirectorySource(directory: directory)
        try await TestDatabase.withFreshDatabase { database in
            try await database.client.withConnection { connection in
                _ = try await migrator.run(
                    .upTo(2), migrations: try MigrationCatalog(source: source).migrations, on: connection,
                    logger: logger)
                try Self.texts["00002_create_b.sql"]!.replacingOccurrences(of: "b (id int)", with: "b (id bigint)")
                    .write(toFile: "\(directory)/00002_create_b.sql", atomically: true, encoding: .utf8)
                let listed = try MigrationCatalog(source: source, parsing: .listed).migrations
                #expect(listed.allSatisfy { !$0.isRead && !$0.isParsed })
                let report = try await migrator.status(migrations: listed, on: connection, logger: logger)
                let eager = try await migrator.status(
                    migrations: try MigrationCatalog(source: source).migrations, on: connection, logger: logger)
                #expect(report.entries.map { $0.migration?.isRead } == [true, true, false])
                #expect(report.entries.map { $0.migration?.isParsed } == [false, true, false])
                #expect(report.entries.map(\.drift) == eager.entries.map(\.drift))
                #expect(report.entries.map { $0.drift?.kind } == [nil, .modified, nil])
                #expect(report.entries.map(\.state) == eager.entries.map(\.state))

                // An applied file removed between the listing and the read: the error names it.
                let again = try MigrationCatalog(source: source, parsing: .listed).migrations
                try FileManager.default.removeItem(atPath: "\(directory)/00001_create_a.sql")
                let error = await #expect(throws: MigrationSourceError.self) {
                    try await migrator.status(migrations: again, on: connection, logger: logger)
                }
                #expect(error?.path == "\(directory)/00001_create_a.sql", "\(String(describing: error))")
            }
        }
    }
}
