import Foundation
import SkeinCore
import Testing

/// The syntax pre-check, with a fake grammar (no libpg_query): `oops` is a syntax error, `MERGE` is newer syntax
/// than the grammar knows from PostgreSQL 16 on.
@Suite("statement checker: a plan's statements checked before anything runs")
struct StatementCheckerTests {
    static let fake = StatementChecker { sql, serverMajorVersion in
        func offset(of word: String) -> Int? {
            sql.range(of: word).map { sql.utf8.distance(from: sql.utf8.startIndex, to: $0.lowerBound) }
        }
        if let offset = offset(of: "oops") {
            return .syntaxError(message: "syntax error at or near \"oops\"", utf8Offset: offset)
        }
        if let offset = offset(of: "MERGE") {
            guard let serverMajorVersion, serverMajorVersion >= 16 else {
                return .syntaxError(message: "syntax error at or near \"MERGE\"", utf8Offset: offset)
            }
            return .notChecked(reason: "PostgreSQL \(serverMajorVersion) syntax", utf8Offset: offset)
        }
        return .valid
    }

    static func catalog(_ texts: [String: String]) -> [Migration] {
        MigrationCatalog(files: InMemorySource(texts: texts).files).migrations
    }

    static func plan(_ command: MigrationCommand, _ migrations: [Migration], applied: [Int64]) -> MigrationPlan {
        MigrationPlanner().plan(
            command, migrations: migrations,
            records: ([0] + applied).enumerated().map { VersionRecord(id: Int64($0.offset + 1), version: $0.element) })
    }

    static func locations(_ diagnostics: [Diagnostic]) -> [String] {
        diagnostics.map { "\($0.location.map(\.description) ?? "-") \($0.severity) \($0.code)" }
    }

    @Test("an error's offset becomes the file's line and column, counting Unicode scalars")
    func lineAndColumn() {
        let migrations = Self.catalog([
            "00001_a.sql": """
            -- +goose Up
            CREATE TABLE a (id int, name text);
            -- a comment goose drops before the statement
            INSERT INTO a
              VALUES (1, 'é'), oops;

            -- +goose Down
            DROP TABLE a;
            """
        ])
        let diagnostics = Self.fake.diagnostics(
            for: Self.plan(.up, migrations, applied: []), serverMajorVersion: 15)
        #expect(Self.locations(diagnostics) == ["migrations/00001_a.sql:5:20 error syntax-error"])
        #expect(diagnostics.first?.message == "Up: syntax error at or near \"oops\"")
        #expect(diagnostics.first?.help?.hasPrefix("nothing was applied") == true)
    }

    @Test("a statement whose first line is indented keeps the indentation in its column")
    func indentedFirstLine() {
        let migrations = Self.catalog(["00001_a.sql": "-- +goose Up\n\n\t  SELECT oops;\n-- +goose Down\n"])
        let diagnostics = Self.fake.diagnostics(for: Self.plan(.up, migrations, applied: []), serverMajorVersion: nil)
        #expect(Self.locations(diagnostics) == ["migrations/00001_a.sql:3:11 error syntax-error"])
    }

    @Test("a StatementBegin/End block of several lines places the error on its own line")
    func multiLineBlock() {
        let migrations = Self.catalog([
            "00001_f.sql": """
            -- +goose Up
            -- +goose StatementBegin
            CREATE FUNCTION f() RETURNS int AS $$
            BEGIN
                RETURN oops;
            END;
            $$ LANGUAGE plpgsql;
            -- +goose StatementEnd
            -- +goose Down
            DROP FUNCTION f();
            """
        ])
        let diagnostics = Self.fake.diagnostics(for: Self.plan(.up, migrations, applied: []), serverMajorVersion: 15)
        #expect(Self.locations(diagnostics) == ["migrations/00001_f.sql:5:12 error syntax-error"])
    }

    @Test("only the plan's steps are checked, each in its own direction")
    func onlyThePlan() {
        let migrations = Self.catalog([
            "00001_a.sql": "-- +goose Up\nSELECT oops;\n-- +goose Down\nSELECT 1;\n",
            "00002_b.sql": "-- +goose Up\nSELECT 2;\n-- +goose Down\nSELECT 1;\nSELECT oops;\n",
            "00003_c.sql": "-- +goose Up\nSELECT oops;\n-- +goose Down\nSELECT 3;\n",
        ])
        func check(_ command: MigrationCommand) -> [String] {
            Self.locations(
                Self.fake.diagnostics(for: Self.plan(command, migrations, applied: [1, 2]), serverMajorVersion: 15))
        }
        #expect(check(.up) == ["migrations/00003_c.sql:2:8 error syntax-error"])
        #expect(check(.upByOne) == ["migrations/00003_c.sql:2:8 error syntax-error"])
        #expect(check(.down) == ["migrations/00002_b.sql:5:8 error syntax-error"])
        #expect(check(.redo) == ["migrations/00002_b.sql:5:8 error syntax-error"])
        #expect(check(.downTo(1)) == ["migrations/00002_b.sql:5:8 error syntax-error"])
        // reset rolls back 2 and then 1: 1's Down parses, its Up (with the typo) does not run.
        #expect(check(.reset) == ["migrations/00002_b.sql:5:8 error syntax-error"])
        #expect(
            Self.fake.diagnostics(for: Self.plan(.up, migrations, applied: [1, 2, 3]), serverMajorVersion: 15).isEmpty)
    }

    @Test("a statement the grammar cannot judge is a warning, not an error, placed where the grammar stopped")
    func notChecked() {
        let migrations = Self.catalog([
            "00001_m.sql": "-- +goose Up\nMERGE INTO t USING s ON true WHEN MATCHED THEN DELETE;\n-- +goose Down\n"
        ])
        var plan = Self.plan(.up, migrations, applied: [])
        let newer = Self.fake.diagnostics(for: plan, serverMajorVersion: 16)
        #expect(Self.locations(newer) == ["migrations/00001_m.sql:2:1 warning syntax-not-checked"])
        #expect(newer.first?.message == "Up: not checked: PostgreSQL 16 syntax")
        plan.problems += newer
        #expect(!plan.hasErrors)
        // The same statement for a server the grammar knows is an error.
        #expect(
            Self.locations(Self.fake.diagnostics(for: plan, serverMajorVersion: 15)) == [
                "migrations/00001_m.sql:2:1 error syntax-error"
            ])
    }

    @Test("statements that parse, and directions goose cannot parse, yield nothing")
    func nothingToSay() {
        let migrations = Self.catalog([
            "00001_a.sql": "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n",
            // goose cannot parse the Up (no semicolon): the planner reports that, not the checker.
            "00002_b.sql": "-- +goose Up\nSELECT oops\n",
        ])
        let plan = Self.plan(.up, migrations, applied: [])
        #expect(plan.hasErrors)
        #expect(Self.fake.diagnostics(for: plan, serverMajorVersion: 15).isEmpty)
    }

    @Test("validate checks both directions of every file, ordered by file and line")
    func validateBothDirections() {
        let migrations = Self.catalog([
            "00001_a.sql": "-- +goose Up\nSELECT oops;\n-- +goose Down\nSELECT 1;\n",
            "00002_b.sql": "-- +goose Up\nSELECT 2;\n-- +goose Down\nSELECT 1;\nSELECT oops;\n",
        ])
        let catalog = MigrationCatalog(migrations: migrations, diagnostics: [])
        let findings = MigrationValidation.validate(
            catalog, policy: .warn, statementChecker: Self.fake, serverMajorVersion: 15)
        #expect(
            Self.locations(findings.filter { $0.code.hasPrefix("syntax") }) == [
                "migrations/00001_a.sql:2:8 error syntax-error", "migrations/00002_b.sql:5:8 error syntax-error",
            ])
        #expect(!MigrationValidation.validate(catalog, policy: .warn).contains { $0.code == "syntax-error" })
    }

    @Test("a statement's position: the file's line, the column after goose's trim on its first line")
    func statementPosition() {
        let statement = Statement(sql: "CREATE TABLE t (\n  id int,,\n);", line: 4, column: 3)
        #expect(statement.position(ofUTF8Offset: 0) == (4, 3))
        #expect(statement.position(ofUTF8Offset: 7) == (4, 10))
        #expect(statement.position(ofUTF8Offset: 26) == (5, 10))
        #expect(Statement(sql: "SELECT 'ü', x", line: 1).position(ofUTF8Offset: 13) == (1, 13))
    }
}
