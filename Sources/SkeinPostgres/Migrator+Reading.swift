public import Foundation
public import Logging
public import PostgresNIO
public import SkeinCore
public import SkeinGovernance

extension Migrator {
    func databaseSize(on connection: PostgresConnection, logger: Logger) async throws -> Int64? {
        try await connection.query("SELECT pg_database_size(current_database())", logger: logger).decodeFirst(
            Int64.self)
    }

    /// What the audit log holds (``SkeinTables/history(since:version:on:logger:)``); empty when Skein's tables do
    /// not exist yet.
    public func history(since: Date? = nil, version: Int64? = nil, on connection: PostgresConnection, logger: Logger)
        async throws -> [AuditEntry]
    {
        guard let tables, try await presence(on: connection, logger: logger)?.1 == true else { return [] }
        if try await tables.state(on: connection, exists: true, logger: logger).schemaVersion
            < SkeinTables.schemaVersion
        {
            // An older layout: upgrade it, under the lock as a run would.
            _ = try await locked(connection, logger: logger) { _ in
                try await tables.ensure(
                    on: connection, exists: true, skeinVersion: configuration.skeinVersion, logger: logger)
            }
        }
        return try await tables.history(since: since, version: version, on: connection, logger: logger)
    }

    /// How the applied files compare with the checksums recorded when they ran, changing nothing (for
    /// `validate --database-url`). Versions applied without a recorded checksum come back as
    /// `Drift.Kind.unrecorded`; applied versions whose file is gone are not drift (status lists them).
    public func drift(migrations: [Migration], on connection: PostgresConnection, logger: Logger) async throws
        -> [Drift]
    {
        guard let tables, let presence = try await presence(on: connection, logger: logger) else { return [] }
        guard case .rows(let records) = try await store.history(on: connection, exists: presence.0, logger: logger)
        else { return [] }
        var recorded: [Int64: MigrationChecksum] = [:]
        if presence.1, try await tables.state(on: connection, exists: true, logger: logger).schemaVersion >= 1 {
            recorded = try await tables.recordedChecksums(on: connection, logger: logger)
        }
        return Drift.compare(
            migrations: migrations, applied: MigrationPlanner.appliedVersions(of: records), recorded: recorded)
    }

    /// Skein's checksum rows when `present` (Skein's tables exist), else none.
    private func recordedChecksums(on connection: PostgresConnection, when present: Bool, logger: Logger)
        async throws -> [Int64: MigrationChecksum]
    {
        guard present, let tables else { return [:] }
        return try await tables.recordedChecksums(on: connection, logger: logger)
    }

    /// Whether goose's table and Skein's tables exist, in one round trip. Two name look-ups only: a query of the
    /// catalog tables (goose's columns in `pg_attribute`) costs a fresh server session 1–2 ms of planning. A table
    /// of that name that lacks goose's columns is refused by the first read of its rows
    /// (``VersionStore/history(on:exists:logger:)``), before anything writes.
    func presence(on connection: PostgresConnection, logger: Logger) async throws -> (Bool, Bool)? {
        let goose = store.table.quoted.replacingOccurrences(of: "'", with: "''")
        let sql = "SELECT to_regclass('\(goose)') IS NOT NULL, \(tables?.existsSQL ?? "false")"
        return try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect().first?.decode(
            (Bool, Bool).self)
    }

    var planner: MigrationPlanner {
        MigrationPlanner(
            missingMigrations: configuration.missingMigrations, versioning: configuration.versioning,
            manualRecovery: configuration.manualRecovery)
    }

    static func dirtyError(_ dirty: [DirtyMigration]) -> RunnerError {
        RunnerError(
            .dirty,
            "the database is dirty: a NO TRANSACTION migration did not finish, so Skein will not guess what state it is in:\n  "
                + dirty.map(\.description).joined(separator: "\n  "),
            help:
                "look at what those statements did; finish the rest by hand and run `skein repair \(dirty[0].version) --applied`, or undo what ran and run `skein repair \(dirty[0].version) --rolled-back`",
            dirty: dirty)
    }

    /// The database's current version (goose's `version`): 0 on a database without goose's table, which only
    /// ``FreshDatabasePolicy/createVersionTableOnRead`` creates (as goose does). Reads no migration file.
    /// - Returns: `nil` when the table has rows but none applied (goose: "no next version found").
    public func currentVersion(on connection: PostgresConnection, logger: Logger) async throws -> Int64? {
        _ = try await presence(on: connection, logger: logger)
        if configuration.freshDatabase == .createVersionTableOnRead {
            return MigrationPlanner.currentVersion(of: try await store.ensuredRecords(on: connection, logger: logger))
        }
        guard case .rows(let rows) = try await store.history(on: connection, logger: logger) else { return 0 }
        return MigrationPlanner.currentVersion(of: rows)
    }

    /// Plans without changing anything, not even creating the version table (for `--dry-run`); the statements of
    /// the plan are checked as ``run(_:migrations:on:sideChannel:probe:observer:logger:)`` checks them.
    public func preview(
        _ command: MigrationCommand, migrations: [Migration], on connection: PostgresConnection, logger: Logger
    ) async throws -> MigrationPlan {
        let presence = configuration.versioning == .versioned ? try await presence(on: connection, logger: logger) : nil
        var plan = planner.plan(
            command, migrations: migrations,
            history: configuration.versioning == .versioned
                ? try await store.history(on: connection, exists: presence?.0, logger: logger) : .rows([]))
        if let tables,
            case let dirty = try await tables.state(on: connection, exists: presence?.1, logger: logger).dirty,
            !dirty.isEmpty
        {
            let error = Self.dirtyError(dirty)
            plan.problems.append(Diagnostic(severity: .error, code: "dirty", message: error.message, help: error.help))
        }
        return try await checkingStatements(of: plan, on: connection, logger: logger)
    }

    /// Every migration's state, changing nothing (under ``FreshDatabasePolicy/createVersionTableOnRead``, goose's
    /// table is created when missing, as goose's status does). A database without goose's table lists every file
    /// as pending.
    ///
    /// Migrations only listed (`MigrationCatalog.Parsing.listed`, what the CLI's `status` reads) are read only when
    /// they are applied with checksums recorded, to compare; read without parsing (`.deferred`), they are parsed
    /// only when their file checksum differs from the one recorded when they ran (`Migration.parsed(unlessRecorded:)`);
    /// the report holds them as they then are.
    /// - Throws: `MigrationSourceError` when a listed file to compare cannot be read.
    public func status(migrations: [Migration], on connection: PostgresConnection, logger: Logger) async throws
        -> MigrationStatusReport
    {
        guard configuration.versioning == .versioned else {
            return MigrationStatusReport(migrations: migrations, records: [], dirty: [], isVersioned: false)
        }
        let presence = try await presence(on: connection, logger: logger)
        var hasVersionTable = presence?.0 == true
        if configuration.freshDatabase == .createVersionTableOnRead, !hasVersionTable {
            // As goose's status: the table is created, in a transaction nothing else is sent into.
            try await store.createIfAbsent(on: connection, logger: logger)
            hasVersionTable = true
        }
        // The three reads are independent: asked for together, PostgresNIO sends each as soon as the one before
        // is answered, without waiting for this task in between.
        let hasSkeinTables = tables != nil && presence?.1 == true
        async let history = store.history(on: connection, exists: hasVersionTable, logger: logger)
        async let state = tables?.state(on: connection, exists: hasSkeinTables, logger: logger)
        async let recordedChecksums = recordedChecksums(
            on: connection, when: hasSkeinTables, logger: logger)
        let records: [VersionRecord]
        if case .rows(let rows) = try await history { records = rows } else { records = [] }
        let dirty = try await state?.dirty ?? []
        let recorded = try await recordedChecksums
        guard hasSkeinTables else {
            return MigrationStatusReport(migrations: migrations, records: records, dirty: dirty, isVersioned: true)
        }
        // Checksums of applied files against what was recorded when they ran: a file only listed is read here (on
        // every core; one that cannot be read is the error), and a file read unparsed is parsed only when it
        // changed since.
        let applied = MigrationPlanner.appliedVersions(of: records)
        let known = ParallelMap.map(migrations) { migration in
            Result { () throws(MigrationSourceError) in
                guard applied.contains(migration.version), let checksums = recorded[migration.version] else {
                    return migration
                }
                return try migration.read().parsed(unlessRecorded: checksums)
            }
        }
        let migrations = try known.map { try $0.get() }
        var report = MigrationStatusReport(migrations: migrations, records: records, dirty: dirty, isVersioned: true)
        let drift = Drift.compare(
            migrations: migrations, applied: applied, recorded: recorded, includingUnrecorded: false)
        let byVersion = Dictionary(drift.map { ($0.version, $0) }, uniquingKeysWith: { first, _ in first })
        for index in report.entries.indices {
            report.entries[index].drift = byVersion[report.entries[index].version]
        }
        return report
    }
}
