import Foundation
import Logging
import MetricsTestKit
import PostgresNIO
import SkeinCore
import SkeinPostgres
import SkeinTestSupport
import Testing

@Suite("runner metrics through swift-metrics", .requiresPostgreSQL)
struct MigratorMetricsTests {
    let logger = Logger(label: "skein.tests", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test("each attempt counts by outcome and direction, with its duration; a failure counts as failed")
    func attempts() async throws {
        let texts = [
            "00001_create_a.sql": "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n",
            "00002_create_b.sql": "-- +goose Up\nCREATE TABLE b (id int);\n-- +goose Down\nDROP TABLE b;\n",
            "00003_fail.sql": "-- +goose Up\nSELECT 1/0;\n-- +goose Down\nSELECT 1;\n",
        ]
        let migrations = try MigrationCatalog(source: InMemorySource(texts: texts)).migrations
        let metrics = TestMetrics()
        var configuration = Migrator.Configuration()
        configuration.metrics = metrics
        let migrator = Migrator(configuration: configuration)
        try await TestDatabase.withFreshDatabase { database in
            try await database.client.withConnection { connection in
                await #expect(throws: MigrationFailure.self) {
                    _ = try await migrator.run(.up, migrations: migrations, on: connection, logger: logger)
                }
                _ = try await migrator.run(.down, migrations: migrations, on: connection, logger: logger)
            }
        }
        #expect(
            try metrics.expectCounter("skein_migrations_total", [("outcome", "applied"), ("direction", "up")])
                .totalValue == 2)
        #expect(
            try metrics.expectCounter("skein_migrations_total", [("outcome", "failed"), ("direction", "up")]).totalValue
                == 1)
        #expect(
            try metrics.expectCounter("skein_migrations_total", [("outcome", "rolled-back"), ("direction", "down")])
                .totalValue == 1)
        let upTimes = try metrics.expectTimer("skein_migration_duration_seconds", [("direction", "up")]).values
        #expect(upTimes.count == 3 && upTimes.allSatisfy { $0 > 0 })
    }
}
