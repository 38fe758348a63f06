import Foundation
import Logging
import PostgresNIO
import SkeinConnection
import SkeinCore
import SkeinGovernance
import SkeinPostgres

extension Fleet {
    /// One target, with the ordinary runner: its connection, its side channel, its cancel on Ctrl-C.
    func runTarget(_ target: FleetTarget, command: MigrationCommand, migrations: [Migration], logger: Logger) async
        -> FleetTargetResult
    {
        let clock = ContinuousClock()
        let started = clock.now
        var result = await attempt(target, command: command, migrations: migrations, logger: logger)
        result.seconds = Self.seconds(clock.now - started)
        return result
    }

    private func attempt(_ target: FleetTarget, command: MigrationCommand, migrations: [Migration], logger: Logger)
        async -> FleetTargetResult
    {
        var result = FleetTargetResult(name: target.name, group: target.group, schema: target.schema, outcome: .failed)
        let connector: Connector
        let connection: PostgresConnection
        do {
            connector = try self.connector(for: target)
            connection = try await connector.connect(logger: logger)
        } catch {
            result.outcome = .unreachable
            result.message = PostgresErrorText.describe(error)
            return result
        }
        defer { Task { await connection.close(within: .seconds(5)) } }
        let migrator = self.migrator(for: target)
        do {
            switch (target.schema, command) {
            case (let schema?, .up), (let schema?, .upTo), (let schema?, .upByOne):
                try await Self.createSchema(schema, on: connection, logger: logger)
            default: break
            }
            let canceller = try await BackendCanceller(connector: connector, connection: connection, logger: logger)
            let outcome = try await withTaskCancellationHandler {
                try await migrator.run(
                    command, migrations: migrations, on: connection, sideChannel: .connector(connector),
                    probe: canceller.probe, logger: logger)
            } onCancel: {
                Task { await canceller.cancel(logger: logger) }
            }
            result.versionBefore = outcome.plan.currentVersion
            result.versionAfter = outcome.plan.steps.isEmpty ? outcome.plan.currentVersion : outcome.plan.versionAfter
            result.steps = outcome.report.completed.map(\.step.migration.fileName)
            result.outcome = outcome.plan.steps.isEmpty ? .current : .migrated
        } catch let failure as MigrationFailure {
            result.steps = failure.completed.map(\.migration.fileName)
            result.message = failure.description
            result.versionAfter = await Self.version(migrator, on: connection, logger: logger)
        } catch let rejected as Migrator.PlanRejected {
            result.message = rejected.description
            result.versionBefore = rejected.plan.currentVersion
            result.versionAfter = rejected.plan.currentVersion
        } catch {
            result.message = PostgresErrorText.describe(error)
            result.versionAfter = await Self.version(migrator, on: connection, logger: logger)
        }
        return result
    }

    /// The version after a failure, when the connection still answers (a query on a closed connection is never
    /// answered).
    static func version(_ migrator: Migrator, on connection: PostgresConnection, logger: Logger) async -> Int64? {
        guard !connection.isClosed else { return nil }
        return try? await migrator.currentVersion(on: connection, logger: logger)
    }

    /// One target's state: version, pending files, dirty versions, drifted files.
    func status(of target: FleetTarget, migrations: [Migration], logger: Logger) async -> FleetTargetStatus {
        var status = FleetTargetStatus(name: target.name, group: target.group, schema: target.schema)
        do {
            let connection = try await connector(for: target).connect(logger: logger)
            defer { Task { await connection.close(within: .seconds(5)) } }
            let report = try await migrator(for: target).status(migrations: migrations, on: connection, logger: logger)
            status.version =
                report.entries.filter { $0.state == .applied || $0.state == .dirty }.map(\.version).max() ?? 0
            status.pending = report.entries.filter { $0.state == .pending }.count
            status.dirty = report.entries.filter { $0.dirty != nil }.map(\.version)
            status.drifted = report.entries.compactMap { entry in
                entry.drift.map { _ in entry.migration?.fileName ?? "\(entry.version)" }
            }
        } catch {
            status.error = PostgresErrorText.describe(error)
        }
        return status
    }

    /// The target as its own audit log tells it (for `skein report --html --targets`): its version now, and its
    /// last run — outcome, duration, the files it applied or rolled back, the failure.
    func lastRun(of target: FleetTarget, migrations: [Migration], logger: Logger) async -> FleetTargetResult {
        var result = FleetTargetResult(name: target.name, group: target.group, schema: target.schema, outcome: .current)
        do {
            let connection = try await connector(for: target).connect(logger: logger)
            defer { Task { await connection.close(within: .seconds(5)) } }
            let migrator = migrator(for: target)
            let entries = try await migrator.history(on: connection, logger: logger)
            result.versionAfter = try await migrator.currentVersion(on: connection, logger: logger)
            guard let run = entries.last(where: { $0.action == .run }) else { return result }
            let attempts = entries.filter { $0.action == .migrate && $0.runID != nil && $0.runID == run.runID }
            result.steps = attempts.filter { $0.outcome != .failed }.compactMap(\.file)
            result.seconds = run.durationSeconds ?? 0
            switch run.outcome {
            case .failed:
                result.outcome = .failed
                result.message = attempts.last(where: { $0.outcome == .failed })?.message ?? run.message
            case .applied, .rolledBack: result.outcome = result.steps.isEmpty ? .current : .migrated
            case .recorded: break
            }
            result.message = result.message ?? "last run \(run.startedAt.formatted(Date.ISO8601FormatStyle()))"
        } catch {
            result.outcome = .unreachable
            result.message = PostgresErrorText.describe(error)
        }
        return result
    }

    /// The target's connection settings (libpq's rules, `PG*`, `.pgpass`); a schema goes into `search_path`.
    func connector(for target: FleetTarget) throws -> Connector {
        var settings = try ConnectionSettings.resolve(
            ConnectionString.parse(target.connectionString), environment: environment)
        if let schema = target.schema {
            settings.options = [settings.options, "-c search_path=\(schema)"].compactMap { $0 }.joined(separator: " ")
        }
        return Connector(settings: settings)
    }

    /// The runner for a target: its schema holds the version table and Skein's tables.
    func migrator(for target: FleetTarget) -> Migrator {
        var migrator = self.migrator
        if let schema = target.schema {
            migrator.configuration.versionTable = VersionTableName(
                schema: schema, table: migrator.configuration.versionTable.table)
        }
        return migrator
    }

    /// A tenant's schema, created when missing.
    static func createSchema(_ schema: String, on connection: PostgresConnection, logger: Logger) async throws {
        var binds = PostgresBindings()
        binds.append(schema)
        let exists = try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT to_regnamespace(quote_ident($1)) IS NOT NULL", binds: binds),
            logger: logger)
        for try await present in exists.decode(Bool.self) where present { return }
        _ = try await connection.query(
            PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(SQLIdentifier.quote(schema))"), logger: logger
        ).collect()
    }
}
