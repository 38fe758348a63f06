import Foundation
import Logging
import PostgresNIO
import SkeinTestSupport
import Testing

/// A real two-node Patroni cluster (etcd 3 as its store; `scripts/ha-cluster.sh`): writing commands refuse a standby,
/// read-only ones work there, and a switchover in the middle of a migration loses nothing and applies nothing twice.
@Suite(
    "Patroni: a standby refuses writes, a switchover mid-migration", .serialized,
    .enabled(if: HACluster.unavailableReason == nil, Comment(rawValue: HACluster.unavailableReason ?? "")))
struct PatroniTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// 00001 creates a gate (closed), 00002 creates a table and then waits while the gate is closed: the test
    /// switches over while it waits, opens the gate on the new primary, and runs again.
    static let files = [
        "00001_gate.sql":
            "-- +goose Up\nCREATE TABLE gate (closed bool);\nINSERT INTO gate VALUES (true);\n-- +goose Down\nDROP TABLE gate;\n",
        "00002_orders.sql":
            "-- +goose Up\nCREATE TABLE orders (id int);\nSELECT pg_sleep(600) FROM gate WHERE closed;\n-- +goose Down\nDROP TABLE orders;\n",
    ]

    func versions(_ url: DatabaseURL) async throws -> [String] {
        try await rows("SELECT version_id::text FROM goose_db_version WHERE version_id > 0 ORDER BY id", on: url)
            .map { $0[0] ?? "" }
    }

    @Test(
        "a standby refuses up at once and answers status/version/history; a switchover mid-migration: the run fails naming it, nothing of it applied, a multi-host rerun finishes on the new primary"
    )
    func switchoverMidMigration() async throws {
        let cluster = try await HACluster.start()
        do {
            try await scenario(cluster)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    func scenario(_ cluster: HACluster) async throws {
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        for (name, text) in Self.files { try dir.write(name, text) }
        let first = try await cluster.primary()
        let standby = first == "n1" ? "n2" : "n1"
        let multiHost = cluster.multiHostURL()

        // A writing command pointed at the standby refuses at once, saying what to do.
        let refused = try await SkeinBinary.run([
            "up", "--dir", dir.path, "--database-url", try cluster.url(standby).text,
        ])
        #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("this server is a standby in recovery"), "\(refused.stderr)")
        #expect(refused.stderr.contains("target_session_attrs=read-write"), "\(refused.stderr)")

        // The run: 00001 commits, 00002 waits at the gate; the primary is switched over under it.
        let run = try await SkeinBinary.start(["up", "--dir", dir.path, "--database-url", multiHost])
        #expect(
            try await eventually(.seconds(60)) {
                try await scalar(
                    "SELECT count(*)::text FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(600)%'",
                    on: try cluster.url(first)) == "1"
            }, "\(run.stdout)")
        let second = try await cluster.switchover()
        #expect(second == standby)
        let ended = await run.wait()
        #expect(ended.status == 1, "\(run.stdout)")
        #expect(run.stdout.contains("00002_orders.sql"), "\(run.stdout)")
        #expect(run.stdout.contains("the connection to PostgreSQL was lost"), "\(run.stdout)")
        #expect(run.stdout.contains("00002_orders.sql was rolled back"), "\(run.stdout)")

        // On the new primary: 00001 is there, nothing of 00002.
        let primary = try cluster.url(second)
        #expect(try await versions(primary) == ["1"])
        #expect(try await scalar("SELECT to_regclass('orders')::text", on: primary) == nil)

        // Read-only commands work on the standby (the old primary, now replicating).
        let old = try cluster.url(first).text
        for arguments in [["status", "--dir", dir.path], ["version"], ["history"]] {
            let read = try await SkeinBinary.run(arguments + ["--database-url", old])
            #expect(read.status == 0, "\(arguments[0]): \(read.stdout)\(read.stderr)")
        }

        // Open the gate; the same multi-host URL finds the new primary and finishes: each version exactly once.
        _ = try await rows("UPDATE gate SET closed = false", on: primary)
        let rerun = try await SkeinBinary.run(["up", "--dir", dir.path, "--database-url", multiHost])
        #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
        #expect(rerun.stdout.contains("OK   00002_orders.sql"), "\(rerun.stdout)")
        #expect(try await versions(primary) == ["1", "2"])
        #expect(try await scalar("SELECT to_regclass('orders')::text", on: primary) == "orders")
    }
}
