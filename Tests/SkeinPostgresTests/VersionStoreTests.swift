import Foundation
import Logging
import PostgresNIO
import SkeinCore
import SkeinPostgres
import SkeinTestSupport
import Testing

/// goose's version table is read as one row of arrays; what comes out must be what a row-by-row read ordered by
/// `id DESC` gives (goose's own query), NULL stamps and goose v2's `is_applied = false` rows included.
@Suite("goose's version table: rows read as columns, in goose's order", .requiresPostgreSQL)
struct VersionStoreTests {
    let logger = Logger(label: "skein.tests", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test("ids out of insertion order, a NULL tstamp, an unapplied row: the same records as goose's query")
    func sameAsRowByRow() async throws {
        try await TestDatabase.withFreshDatabase { database in
            try await database.client.withConnection { connection in
                let store = VersionStore()
                #expect(try await store.ensuredRecords(on: connection, logger: logger).map(\.version) == [0])
                try await connection.query(
                    """
                    INSERT INTO goose_db_version (id, version_id, is_applied, tstamp) VALUES
                        (9, 30, true, '2024-05-01 10:00:00.123456'), (5, 20, false, NULL),
                        (7, 20, true, '1999-12-31 23:59:59.999999'), (3, 10, true, NULL)
                    """, logger: logger)
                var expected: [VersionRecord] = []
                let rows = try await connection.query(
                    "SELECT id::int8, version_id, is_applied, tstamp FROM goose_db_version ORDER BY id DESC",
                    logger: logger)
                for try await (id, version, applied, stamp) in rows.decode((Int64, Int64, Bool, Date?).self) {
                    expected.append(VersionRecord(id: id, version: version, isApplied: applied, appliedAt: stamp))
                }
                let records = try await store.ensuredRecords(on: connection, exists: true, logger: logger)
                #expect(records == expected)
                #expect(records.map(\.id) == [9, 7, 5, 3, 1])
                #expect(records.map { $0.appliedAt == nil } == [false, false, true, true, false])

                try await connection.query("DELETE FROM goose_db_version", logger: logger)
                #expect(try await store.history(on: connection, exists: true, logger: logger) == .rows([]))
            }
        }
    }
}
