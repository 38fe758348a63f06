import Foundation

/// The pure planner: available migrations + applied rows + command → steps and problems, with goose
/// v3.17.0's CLI semantics (see docs/goose-compatibility.md).
public struct MigrationPlanner: Sendable {
    public var missingMigrations: MissingMigrationPolicy
    public var versioning: VersioningMode
    public var manualRecovery: ManualRecoveryPolicy

    public init(
        missingMigrations: MissingMigrationPolicy = .refuse, versioning: VersioningMode = .versioned,
        manualRecovery: ManualRecoveryPolicy = .refuse
    ) {
        self.missingMigrations = missingMigrations
        self.versioning = versioning
        self.manualRecovery = manualRecovery
    }

    /// goose's current version: walking rows from the highest id, the first version whose latest row
    /// is applied. `nil` when there is none (goose: "no next version found").
    public static func currentVersion(of records: [VersionRecord]) -> Int64? {
        var settled: Set<Int64> = []
        for record in records.sorted(by: { $0.id > $1.id }) where !settled.contains(record.version) {
            if record.isApplied { return record.version }
            settled.insert(record.version)
        }
        return nil
    }

    /// The versions whose latest row says applied (goose's reset reads it this way).
    public static func appliedVersions(of records: [VersionRecord]) -> Set<Int64> {
        var latest: [Int64: Bool] = [:]
        for record in records.sorted(by: { $0.id > $1.id }) where latest[record.version] == nil {
            latest[record.version] = record.isApplied
        }
        return Set(latest.filter { $0.value }.keys)
    }

    /// Plans `command` against an existing version table.
    public func plan(_ command: MigrationCommand, migrations: [Migration], records: [VersionRecord]) -> MigrationPlan {
        plan(command, migrations: migrations, history: .rows(records))
    }

    /// Plans `command`.
    /// - Parameters:
    ///   - command: the goose command to plan (`.up`, `.downTo(5)`, …).
    ///   - migrations: every available migration (any order; duplicate versions among the files the command
    ///     reads are reported, as goose panics on them).
    ///   - history: the version table (ignored in unversioned mode).
    /// - Note: a `.go` migration among the steps is a `go-migration` warning: the executor runs the steps
    ///   before it, then stops with an error naming it (goose fails there too).
    public func plan(_ command: MigrationCommand, migrations: [Migration], history: VersionHistory) -> MigrationPlan {
        let sorted = migrations.sorted { ($0.version, $0.fileName) < ($1.version, $1.fileName) }
        let records: [VersionRecord]
        switch history {
        case .absent: records = [VersionRecord(id: 1, version: 0)]
        case .rows(let rows): records = rows
        }
        var builder = PlanBuilder(command: command, migrations: sorted, records: records)
        // goose collects (and panics on duplicates among) the files up to the target for up-to, all files otherwise.
        let collected: [Migration] =
            switch command {
            case .upTo(let target): sorted.filter { $0.version <= target }
            default: sorted
            }
        builder.problems += MigrationCatalog.duplicateVersions(in: collected)
        if case .absent = history, command == .reset, versioning == .versioned {
            builder.problem(
                .error, "no-version-table", "the version table does not exist, so there is nothing to reset",
                help: "goose fails here too (\"failed to get status of migrations\"); run up first")
            return MigrationPlan(
                command: command, steps: [], problems: builder.problems, currentVersion: nil, versionAfter: nil)
        }
        switch versioning {
        case .versioned: builder.planVersioned(missingMigrations: missingMigrations)
        case .unversioned: builder.planUnversioned()
        }
        builder.checkSteps(manualRecovery: manualRecovery)
        return MigrationPlan(
            command: command, steps: builder.steps, problems: builder.problems,
            currentVersion: builder.currentVersion, versionAfter: builder.versionAfter)
    }
}

private struct PlanBuilder {
    let command: MigrationCommand
    let migrations: [Migration]
    var records: [VersionRecord]
    var steps: [MigrationStep] = []
    var problems: [Diagnostic] = []
    var currentVersion: Int64?
    var versionAfter: Int64?

    /// The index of the first migration with each version (a lookup per applied version stays O(1)).
    let firstIndexByVersion: [Int64: Int]

    init(command: MigrationCommand, migrations: [Migration], records: [VersionRecord]) {
        self.command = command
        self.migrations = migrations
        self.records = records
        var firstIndexByVersion: [Int64: Int] = [:]
        firstIndexByVersion.reserveCapacity(migrations.count)
        for (index, migration) in migrations.enumerated() where firstIndexByVersion[migration.version] == nil {
            firstIndexByVersion[migration.version] = index
        }
        self.firstIndexByVersion = firstIndexByVersion
    }

    func file(for version: Int64) -> Migration? { firstIndexByVersion[version].map { migrations[$0] } }

    mutating func problem(
        _ severity: Severity, _ code: String, _ message: String, help: String? = nil, path: String? = nil,
        goose: String? = nil
    ) {
        problems.append(
            Diagnostic(
                severity: severity, code: code, message: message, help: help,
                location: path.map { SourceLocation(file: $0) }, gooseMessage: goose))
    }

    mutating func noMigrationFiles() {
        problem(
            .error, "no-migration-files", "no migration files found",
            help: "check --dir (goose's -dir); create one with skein create NAME", goose: "no migration files found")
    }

    // MARK: Versioned (goose's version table)

    mutating func planVersioned(missingMigrations: MissingMigrationPolicy) {
        currentVersion = MigrationPlanner.currentVersion(of: records)
        reportAppliedWithoutFile()
        switch command {
        case .up: planUp(through: Int64.max, onlyOne: false, missingMigrations: missingMigrations)
        case .upByOne: planUp(through: Int64.max, onlyOne: true, missingMigrations: missingMigrations)
        case .upTo(let target): planUp(through: target, onlyOne: false, missingMigrations: missingMigrations)
        case .down: planDown(then: false)
        case .redo: planDown(then: true)
        case .downTo(let target): planDownTo(target)
        case .reset: planReset()
        }
    }

    /// Applied versions without a file: a warning, unless the command has to roll one back (then the
    /// rollback's own error says so).
    mutating func reportAppliedWithoutFile() {
        let applied = MigrationPlanner.appliedVersions(of: records).filter { $0 != 0 }.sorted()
        for version in applied where file(for: version) == nil {
            problem(
                .warning, "missing-file",
                "version \(version) is applied in the database but no migration file has that version",
                help: "restore the file from version control; it cannot be rolled back without it")
        }
    }

    mutating func planUp(through target: Int64, onlyOne: Bool, missingMigrations: MissingMigrationPolicy) {
        let found = migrations.filter { $0.version > 0 && $0.version <= target }
        guard !found.isEmpty else {
            noMigrationFiles()
            return
        }
        guard currentVersion != nil else {
            problem(
                .error, "no-current-version", "the version table has no applied row (goose: no next version found)",
                help: "goose keeps a row for version 0; check the table's rows before migrating")
            return
        }
        let recorded = Set(records.map(\.version))
        let highest = records.map(\.version).max() ?? 0
        let missing = found.filter { !recorded.contains($0.version) && $0.version < highest }
        if !missing.isEmpty, missingMigrations == .refuse {
            // goose's words for all of them at once, on the first.
            let goose =
                "error: found \(missing.count) missing migrations:"
                + missing.map { "\n\tversion \($0.version): \($0.path)" }.joined()
            for (index, migration) in missing.enumerated() {
                problem(
                    .error, "missing-migration",
                    "version \(migration.version) is not applied, but the database is already at version \(highest)",
                    help:
                        "apply it out of order with --allow-missing (goose: -allow-missing), or rename it to a version above \(highest)",
                    path: migration.path, goose: index == 0 ? goose : nil)
            }
            return
        }
        var toApply = missingMigrations == .apply ? missing : []
        var seen = Set(toApply.map(\.version))
        for migration in found
        where !recorded.contains(migration.version) && migration.version > highest && !seen.contains(migration.version)
        {
            toApply.append(migration)
            seen.insert(migration.version)
        }
        if onlyOne { toApply = Array(toApply.prefix(1)) }
        steps = toApply.map { MigrationStep(migration: $0, direction: .up, recording: .record) }
        if onlyOne, steps.isEmpty {
            problem(
                .error, "no-next-version",
                "no migrations to run. current version: \(currentVersion ?? 0); up-by-one has nothing to apply",
                help: "goose exits 1 here (\"no next version found\"); nothing is wrong with the database")
        }
        versionAfter = steps.last?.migration.version ?? currentVersion ?? 0
    }

    mutating func planDown(then reapply: Bool) {
        guard !migrations.isEmpty else {
            noMigrationFiles()
            return
        }
        guard let current = currentVersion else {
            problem(
                .error, "no-current-version", "the version table has no applied row (goose: no next version found)",
                help: "check the version table; goose keeps a row for version 0 that this database lacks")
            return
        }
        guard current != 0 else {
            problem(
                .error, "no-current-version", "no migration is applied (current version 0): nothing to roll back",
                help: "run up first",
                goose: reapply ? "no current version found" : "migration 0: no current version found")
            return
        }
        guard let migration = file(for: current) else {
            problem(
                .error, "missing-file",
                "the current version \(current) has no migration file, so it cannot be rolled back",
                help: "restore the file from version control",
                goose: reapply ? "no current version found" : "migration \(current): no current version found")
            return
        }
        steps = [MigrationStep(migration: migration, direction: .down, recording: .record)]
        if reapply {
            steps.append(MigrationStep(migration: migration, direction: .up, recording: .record))
            versionAfter = current
        } else {
            records.removeAll { $0.version == current }
            versionAfter = MigrationPlanner.currentVersion(of: records)
        }
    }

    mutating func planDownTo(_ target: Int64) {
        guard !migrations.isEmpty else {
            noMigrationFiles()
            return
        }
        while true {
            guard let current = MigrationPlanner.currentVersion(of: records) else {
                problem(
                    .error, "no-current-version", "the version table has no applied row (goose: no next version found)",
                    help: "check the version table")
                return
            }
            if current == 0 {
                versionAfter = current
                return
            }
            guard let migration = file(for: current) else {
                problem(
                    .error, "missing-file",
                    "version \(current) must be rolled back to reach \(target), but it has no migration file",
                    help: "restore the file from version control")
                return
            }
            if migration.version <= target {
                versionAfter = current
                return
            }
            steps.append(MigrationStep(migration: migration, direction: .down, recording: .record))
            records.removeAll { $0.version == current }
        }
    }

    mutating func planReset() {
        guard !migrations.isEmpty else {
            noMigrationFiles()
            return
        }
        let applied = MigrationPlanner.appliedVersions(of: records)
        var seen: Set<Int64> = []
        for migration in migrations.reversed() where applied.contains(migration.version) {
            guard seen.insert(migration.version).inserted else { continue }
            steps.append(MigrationStep(migration: migration, direction: .down, recording: .record))
        }
        records.removeAll { record in steps.contains { $0.migration.version == record.version } }
        versionAfter = MigrationPlanner.currentVersion(of: records)
    }

    // MARK: Unversioned (goose's -no-versioning)

    mutating func planUnversioned() {
        guard let last = migrations.last else {
            noMigrationFiles()
            return
        }
        currentVersion = last.version
        switch command {
        case .up, .upByOne, .upTo:
            var target: Int64 =
                switch command {
                case .upTo(let version): version
                default: Int64.max
                }
            let found = migrations.filter { $0.version > 0 && $0.version <= target }
            guard let first = found.first else {
                currentVersion = nil
                noMigrationFiles()
                return
            }
            // goose: "for up-by-one this means keep re-applying the first migration over and over".
            if command == .upByOne { target = first.version }
            steps = found.filter { $0.version <= target }.map {
                MigrationStep(migration: $0, direction: .up, recording: .skip)
            }
            versionAfter = steps.last?.migration.version ?? 0
        case .down:
            unversionedDown(to: last.version - 1)
        case .downTo(let target):
            unversionedDown(to: target)
        case .reset:
            unversionedDown(to: 0)
        case .redo:
            steps = [
                MigrationStep(migration: last, direction: .down, recording: .skip),
                MigrationStep(migration: last, direction: .up, recording: .skip),
            ]
            versionAfter = last.version
        }
    }

    mutating func unversionedDown(to target: Int64) {
        versionAfter = 0
        for migration in migrations.reversed() {
            if target >= migration.version {
                versionAfter = migration.version
                break
            }
            steps.append(MigrationStep(migration: migration, direction: .down, recording: .skip))
        }
    }

    // MARK: Every step must be runnable

    /// Skein parses every file the plan runs before running any (goose parses each as it reaches it): a step
    /// whose direction does not parse is an error up front, and Go migrations are named. A catalog read with
    /// deferred parsing (``MigrationCatalog/Parsing/deferred``) has its steps' files parsed here, on every core,
    /// and no others: `down` parses the one file it runs, as goose does.
    mutating func checkSteps(manualRecovery: ManualRecoveryPolicy) {
        if steps.contains(where: { !$0.migration.isParsed }) {
            let parsed = ParallelMap.map(steps.map(\.migration)) { $0.parsed() }
            for index in steps.indices { steps[index].migration = parsed[index] }
        }
        var reported: Set<String> = []
        for step in steps {
            if step.direction == .down, manualRecovery == .refuse, step.migration.hasManualRecoveryDown {
                problem(
                    .error, "manual-recovery-down",
                    "\(step.migration.fileName) cannot be rolled back automatically: its Down is the policy's manual-recovery stub, which would delete the version row and restore nothing",
                    help:
                        "restore the data by its recovery procedure, then run again with --allow-manual-recovery to remove the version row",
                    path: step.migration.path)
            }
            let key = "\(step.migration.path)|\(step.direction)"
            guard reported.insert(key).inserted else { continue }
            switch step.migration.kind {
            case .go:
                problem(
                    .warning, "go-migration",
                    "\(step.migration.fileName) is a goose Go migration; Skein cannot run Go code",
                    help:
                        "run this step with a goose binary built with the migration, or rewrite it in SQL; the run stops before it",
                    path: step.migration.path)
            case .sql:
                if case .failure(let error) = step.migration.section(step.direction) {
                    problems.append(Diagnostic(parseError: error, path: step.migration.path))
                }
            }
        }
    }
}
