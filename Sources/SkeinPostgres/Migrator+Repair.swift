import Foundation
public import Logging
public import PostgresNIO
public import SkeinCore
public import SkeinGovernance

#if canImport(Glibc)
    import Glibc
#endif

extension Migrator {
    // MARK: - Repair

    /// What `repair` should record a dirty migration as.
    public enum RepairResolution: String, Sendable, Hashable {
        /// Its direction is complete: after an Up, the version is applied; after a Down, it is not.
        case applied
        /// Its direction is undone: after an Up, the version is not applied; after a Down, it still is.
        case rolledBack = "rolled-back"

        /// The audit row's outcome for it.
        public var auditOutcome: AuditOutcome { self == .applied ? .applied : .rolledBack }
    }

    /// Who runs migrations or an administrative action, for the audit log.
    public typealias Operator = SkeinGovernance.Operator
    /// Settles a dirty migration after the user has checked the database by hand: clears the dirty state, sets
    /// goose's version row to match, and writes an audit row. Under the lock.
    /// - Returns: the dirty state that was cleared.
    /// - Throws: ``RunnerError`` `.notDirty` when `version` is not dirty.
    public func repair(
        version: Int64, as resolution: RepairResolution, migrations: [Migration], by actor: Operator,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> DirtyMigration {
        guard let tables else {
            throw RunnerError(
                .invalidConfiguration,
                "repair needs Skein's tables, which are not kept with -no-versioning or Configuration.bookkeeping = .gooseOnly",
                help: "run repair with the version table and Skein's tables on")
        }
        try tables.checkNameLength()
        return try await locked(connection, logger: logger) { _ in
            // Read first: a database that is not dirty is left exactly as it is.
            let read = try await tables.state(on: connection, logger: logger)
            guard read.dirty.contains(where: { $0.version == version }) else {
                throw RunnerError(
                    .notDirty, "version \(version) is not dirty",
                    help: read.dirty.isEmpty
                        ? "nothing needs repair"
                        : "dirty: \(read.dirty.map { String($0.version) }.joined(separator: ", "))")
            }
            let state = try await tables.ensure(
                on: connection, exists: true, skeinVersion: configuration.skeinVersion, logger: logger)
            guard let dirty = state.dirty.first(where: { $0.version == version }) else {
                throw RunnerError(
                    .notDirty, "version \(version) is not dirty",
                    help: state.dirty.isEmpty
                        ? "nothing needs repair"
                        : "dirty: \(state.dirty.map { String($0.version) }.joined(separator: ", "))")
            }
            let applied = (dirty.direction == .up) == (resolution == .applied)
            let records = try await store.ensuredRecords(on: connection, logger: logger)
            let isApplied = MigrationPlanner.appliedVersions(of: records).contains(version)
            let migration = migrations.first { $0.version == version }
            try await connection.transaction(logger: logger) { statements in
                if applied && !isApplied {
                    var binds = PostgresBindings()
                    binds.append(version)
                    binds.append(true)
                    try await statements.execute(PostgresQuery(unsafeSQL: store.insertSQL, binds: binds))
                } else if !applied && isApplied {
                    var binds = PostgresBindings()
                    binds.append(version)
                    try await statements.execute(PostgresQuery(unsafeSQL: store.deleteSQL, binds: binds))
                }
                var binds = PostgresBindings()
                binds.append(version)
                if applied, let migration {
                    let step = MigrationStep(migration: migration, direction: .up, recording: .record)
                    try await statements.execute(
                        PostgresQuery(unsafeSQL: tables.upsertAppliedSQL, binds: tables.recordBindings(step)))
                } else if !applied {
                    try await statements.execute(PostgresQuery(unsafeSQL: tables.deleteAppliedSQL, binds: binds))
                }
                try await statements.execute(PostgresQuery(unsafeSQL: tables.clearProgressSQL, binds: binds))
                var audit = PostgresBindings()
                AuditRecord(
                    action: .repair, version: version, file: dirty.file, direction: dirty.direction,
                    outcome: resolution.auditOutcome,
                    message: "\(dirty.description); recorded as \(resolution.rawValue)"
                ).append(
                    to: &audit,
                    context: AuditContext(
                        command: "repair \(version) --\(resolution.rawValue)", actor: actor,
                        skeinVersion: configuration.skeinVersion))
                try await statements.execute(PostgresQuery(unsafeSQL: tables.auditInsertSQL(first: 1), binds: audit))
            }
            logger.info(
                "repaired", metadata: ["migration.version": "\(version)", "resolution": "\(resolution.rawValue)"])
            return dirty
        }
    }
}

extension SkeinGovernance.Operator {
    /// The operating-system user running this process and this machine's host name.
    public static var current: Self {
        var user = ProcessInfo.processInfo.environment["USER"] ?? ""
        #if canImport(Glibc)
            if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { user = String(cString: name) }
        #endif
        return Self(osUser: user, host: ProcessInfo.processInfo.hostName)
    }
}
