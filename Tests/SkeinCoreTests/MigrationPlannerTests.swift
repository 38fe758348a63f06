import SkeinCore
import Testing

/// Table-driven planner cases with goose v3.17.0's CLI semantics (up.go, down.go, redo.go, reset.go).
@Suite("planner")
struct MigrationPlannerTests {
    static func migration(_ version: Int64, kind: MigrationKind = .sql, upParses: Bool = true) -> Migration {
        let fileName = "\(version)_m\(version).\(kind.rawValue)"
        let section = GooseSection(
            statements: [Statement(sql: "SELECT \(version);", line: 2)], transactionMode: .transaction)
        let failure = GooseParseError(
            kind: .missingSemicolon, line: 2, direction: .up, message: "no semicolon", help: "add one", gooseMessage: ""
        )
        return Migration(
            path: "migrations/\(fileName)",
            name: MigrationName(fileName: fileName, version: version, description: "m\(version)", kind: kind),
            up: kind == .go ? nil : (upParses ? .success(section) : .failure(failure)),
            down: kind == .go ? nil : .success(section),
            checksum: MigrationChecksum(file: "", up: nil, down: nil))
    }

    /// Rows in the order goose inserts them: version 0 first, then each listed version.
    static func rows(_ versions: [Int64]) -> [VersionRecord] {
        ([0] + versions).enumerated().map { VersionRecord(id: Int64($0.offset + 1), version: $0.element) }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var files: [Int64]
        var applied: [Int64]
        var command: MigrationCommand
        var missing: MissingMigrationPolicy = .refuse
        var versioning: VersioningMode = .versioned
        var steps: [String]  // "+3" up, "-3" down
        var problems: [String] = []  // error codes
        var current: Int64?
        var after: Int64?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "up from empty", files: [1, 2, 3], applied: [], command: .up, steps: ["+1", "+2", "+3"], current: 0,
            after: 3),
        Case(
            name: "up partially applied", files: [1, 2, 3], applied: [1], command: .up, steps: ["+2", "+3"], current: 1,
            after: 3),
        Case(name: "up nothing to do", files: [1, 2], applied: [1, 2], command: .up, steps: [], current: 2, after: 2),
        Case(
            name: "up with no files", files: [], applied: [], command: .up, steps: [], problems: ["no-migration-files"],
            current: 0),
        Case(
            name: "up refuses unapplied version below the highest", files: [1, 2, 3, 4], applied: [1, 3], command: .up,
            steps: [], problems: ["missing-migration"], current: 3),
        Case(
            name: "up -allow-missing applies missing first, then new", files: [1, 2, 3, 4], applied: [1, 3],
            command: .up,
            missing: .apply, steps: ["+2", "+4"], current: 3, after: 4),
        Case(
            name: "up-by-one", files: [1, 2, 3], applied: [1], command: .upByOne, steps: ["+2"], current: 1, after: 2),
        Case(
            name: "up-by-one with nothing left is goose's 'no next version found'", files: [1], applied: [1],
            command: .upByOne, steps: [], problems: ["no-next-version"], current: 1, after: 1),
        Case(
            name: "up-to a version that matches no file is a cut-off", files: [10, 20, 30], applied: [],
            command: .upTo(25), steps: ["+10", "+20"], current: 0, after: 20),
        Case(
            name: "up-to below every file finds no files", files: [10, 20], applied: [], command: .upTo(5), steps: [],
            problems: ["no-migration-files"], current: 0),
        Case(
            name: "up-to ignores missing versions above the target", files: [1, 2, 3, 4], applied: [1, 4],
            command: .upTo(1),
            steps: [], current: 4, after: 4),
        Case(
            name: "down rolls back the current version", files: [1, 2, 3], applied: [1, 2], command: .down,
            steps: ["-2"], current: 2, after: 1),
        Case(
            name: "down: current is the most recently applied row, not the highest version", files: [1, 2, 3],
            applied: [1, 3, 2], command: .down, steps: ["-2"], current: 2, after: 3),
        Case(
            name: "down with nothing applied", files: [1], applied: [], command: .down, steps: [],
            problems: ["no-current-version"], current: 0),
        Case(
            name: "down when the current version's file is gone", files: [1], applied: [1, 2], command: .down,
            steps: [], problems: ["missing-file"], current: 2),
        Case(
            name: "redo", files: [1, 2], applied: [1, 2], command: .redo, steps: ["-2", "+2"], current: 2, after: 2),
        Case(
            name: "down-to 0 follows row order", files: [1, 2, 3], applied: [1, 3, 2], command: .downTo(0),
            steps: ["-2", "-3", "-1"], current: 2, after: 0),
        Case(
            name: "down-to a cut-off between files", files: [10, 20, 30], applied: [10, 20, 30], command: .downTo(15),
            steps: ["-30", "-20"], current: 30, after: 10),
        Case(
            name: "down-to at the current version does nothing", files: [1, 2], applied: [1, 2], command: .downTo(2),
            steps: [], current: 2, after: 2),
        Case(
            name: "down-to stops with an error at a version without file", files: [1, 3], applied: [1, 2, 3],
            command: .downTo(0), steps: ["-3"], problems: ["missing-file"], current: 3),
        Case(
            name: "reset rolls back by version, descending, applied only", files: [1, 2, 3, 4], applied: [1, 3, 2],
            command: .reset, steps: ["-3", "-2", "-1"], current: 2, after: 0),
        Case(
            name: "reset skips applied versions without files (goose)", files: [1], applied: [1, 2], command: .reset,
            steps: ["-1"], current: 2, after: 2),
        Case(
            name: "no-versioning up runs every file", files: [1, 2, 3], applied: [1], command: .up,
            versioning: .unversioned,
            steps: ["+1", "+2", "+3"], current: 3, after: 3),
        Case(
            name: "no-versioning up-by-one re-runs the first file", files: [1, 2], applied: [], command: .upByOne,
            versioning: .unversioned, steps: ["+1"], current: 2, after: 1),
        Case(
            name: "no-versioning down rolls back the last file", files: [1, 2, 3], applied: [], command: .down,
            versioning: .unversioned, steps: ["-3"], current: 3, after: 2),
        Case(
            name: "no-versioning down-to", files: [1, 2, 3], applied: [], command: .downTo(1), versioning: .unversioned,
            steps: ["-3", "-2"], current: 3, after: 1),
        Case(
            name: "no-versioning reset", files: [1, 2], applied: [], command: .reset, versioning: .unversioned,
            steps: ["-2", "-1"], current: 2, after: 0),
        Case(
            name: "no-versioning redo", files: [1, 2], applied: [], command: .redo, versioning: .unversioned,
            steps: ["-2", "+2"], current: 2, after: 2),
    ]

    @Test("goose semantics", arguments: cases)
    func plans(_ item: Case) {
        let planner = MigrationPlanner(missingMigrations: item.missing, versioning: item.versioning)
        let plan = planner.plan(
            item.command, migrations: item.files.map { Self.migration($0) }, records: Self.rows(item.applied))
        #expect(plan.steps.map { ($0.direction == .up ? "+" : "-") + "\($0.migration.version)" } == item.steps)
        #expect(plan.problems.filter { $0.severity == .error }.map(\.code) == item.problems)
        #expect(plan.currentVersion == item.current)
        if item.problems.isEmpty { #expect(plan.versionAfter == item.after) }
        #expect(plan.steps.allSatisfy { ($0.recording == .record) == (item.versioning == .versioned) })
    }

    @Test("every problem at once: duplicates, missing files, unparsable steps")
    func allProblems() {
        let files = [Self.migration(1), Self.migration(2), Self.migration(2), Self.migration(5, upParses: false)]
        let plan = MigrationPlanner().plan(.up, migrations: files, records: Self.rows([1, 4]))
        let codes = plan.problems.map(\.code)
        #expect(codes.contains("duplicate-version"))
        #expect(codes.contains("missing-migration"))
        #expect(codes.contains("missing-file"))  // version 4 applied, no file (warning)
        #expect(plan.hasErrors)
        let allowing = MigrationPlanner(missingMigrations: .apply).plan(
            .up, migrations: [Self.migration(1), Self.migration(5, upParses: false)], records: Self.rows([1]))
        #expect(allowing.problems.map(\.code) == ["goose-missing-semicolon"])
        #expect(allowing.problems.first?.location?.line == 2)
    }

    @Test("a Go migration among the steps is named; the run stops before it")
    func goMigration() {
        let plan = MigrationPlanner().plan(
            .up, migrations: [Self.migration(1), Self.migration(2, kind: .go)], records: Self.rows([]))
        #expect(plan.steps.count == 2)
        #expect(plan.problems.map(\.code) == ["go-migration"])
        #expect(plan.problems.first?.severity == .warning)
    }

    @Test("a missing version table is a fresh database, except for reset")
    func absentTable() {
        let files = [Self.migration(1), Self.migration(2)]
        let up = MigrationPlanner().plan(.up, migrations: files, history: .absent)
        #expect(up.steps.count == 2 && !up.hasErrors && up.currentVersion == 0)
        let downTo = MigrationPlanner().plan(.downTo(0), migrations: files, history: .absent)
        #expect(downTo.steps.isEmpty && !downTo.hasErrors)
        let reset = MigrationPlanner().plan(.reset, migrations: files, history: .absent)
        #expect(reset.problems.map(\.code) == ["no-version-table"])
    }

    @Test("a table without any applied row: goose's 'no next version found' for up")
    func noAppliedRow() {
        let files = [Self.migration(1)]
        for records in [[], [VersionRecord(id: 1, version: 0, isApplied: false)]] {
            let plan = MigrationPlanner().plan(.up, migrations: files, records: records)
            #expect(plan.problems.map(\.code) == ["no-current-version"])
        }
    }

    @Test("duplicates above an up-to target do not matter (goose collects only up to it)")
    func duplicatesOutsideRange() {
        let files = [Self.migration(1), Self.migration(2), Self.migration(2)]
        #expect(!MigrationPlanner().plan(.upTo(1), migrations: files, records: Self.rows([])).hasErrors)
        #expect(
            MigrationPlanner().plan(.up, migrations: files, records: Self.rows([])).problems.map(\.code).contains(
                "duplicate-version"))
    }

    @Test("rolling back across a manual-recovery Down is refused unless allowed")
    func manualRecovery() throws {
        let text =
            "-- DESTRUCTIVE: drops t\n-- +goose Up\nDROP TABLE IF EXISTS t;\n-- +goose Down\nSELECT 'MANUAL_RECOVERY_REQUIRED' as status;\n"
        let name = try MigrationName.parse("2_drop_t.sql").get()
        let stub = Migration(file: SourceFile(path: "m/2_drop_t.sql", text: text), name: name)
        let files = [Self.migration(1), stub]
        for command in [MigrationCommand.down, .redo, .downTo(0), .reset] {
            let refused = MigrationPlanner().plan(command, migrations: files, records: Self.rows([1, 2]))
            #expect(refused.problems.map(\.code).contains("manual-recovery-down"), "\(command)")
            let allowed = MigrationPlanner(manualRecovery: .allow).plan(
                command, migrations: files, records: Self.rows([1, 2]))
            #expect(!allowed.hasErrors, "\(command)")
        }
        #expect(!MigrationPlanner().plan(.up, migrations: files, records: Self.rows([1])).hasErrors)
    }

    @Test("goose v2 rows with is_applied = false")
    func legacyRows() {
        let records = [
            VersionRecord(id: 1, version: 0), VersionRecord(id: 2, version: 1), VersionRecord(id: 3, version: 2),
            VersionRecord(id: 4, version: 2, isApplied: false),
        ]
        #expect(MigrationPlanner.currentVersion(of: records) == 1)
        #expect(MigrationPlanner.appliedVersions(of: records) == [0, 1])
        #expect(MigrationPlanner.currentVersion(of: []) == nil)
    }
}
