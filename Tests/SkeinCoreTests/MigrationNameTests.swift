import SkeinCore
import Testing

@Suite("migration names")
struct MigrationNameTests {
    @Test(
        "goose's NumericComponent",
        arguments: [
            (
                "20240115143022_add_user_authentication.sql", 20_240_115_143_022, "add_user_authentication",
                MigrationKind.sql
            ),
            ("00001_create_users.sql", 1, "create_users", .sql),
            ("migrations/00002_x.go", 2, "x", .go),
            ("+7_plus.sql", 7, "plus", .sql),
            ("3_.sql", 3, "", .sql),
            ("5_a_b.c.sql", 5, "a_b.c", .sql),
        ])
    func parses(name: String, version: Int64, description: String, kind: MigrationKind) throws {
        let parsed = try MigrationName.parse(name).get()
        #expect(parsed.version == version)
        #expect(parsed.description == description)
        #expect(parsed.kind == kind)
    }

    @Test(
        "names goose rejects",
        arguments: [
            "readme.md", "nounderscore.sql", "abc_x.sql", "0_zero.sql", "-1_neg.sql", "1_2.txt",
            "99999999999999999999_big.sql", "1 _space.sql",
        ])
    func rejects(name: String) {
        #expect((try? MigrationName.parse(name).get()) == nil)
    }

    @Test("the policy's examples")
    func policyExamples() {
        func codes(_ name: String) -> [String] {
            MigrationNamePolicy.check(fileName: name, location: SourceLocation(file: name)).map(\.code)
        }
        #expect(codes("20240101120000_initial_schema.sql") == [])
        #expect(codes("20240115143022_add_user_authentication.sql") == [])
        #expect(codes("20240220091500_create_workflow_tables.sql") == [])
        #expect(codes("001_initial.sql") == ["migration-name-format"])
        #expect(codes("20240101_add user table.sql").contains("migration-name-format"))
        #expect(codes("20240101_add user table.sql").contains("migration-name-snake-case"))
        #expect(codes("20240101120000_AddUserTable.sql") == ["migration-name-snake-case"])
    }

    @Test(
        "a real calendar date and time",
        arguments: [
            ("20240229120000", true), ("20230229120000", false), ("20241301000000", false), ("20240431000000", false),
            ("20240101240000", false), ("20240101236000", false), ("20240101235960", false), ("20240101235959", true),
            ("20000229000000", true), ("19000229000000", false),
        ])
    func timestamps(digits: String, valid: Bool) {
        #expect((MigrationNamePolicy.timestamp(fromDigits: digits[...]) != nil) == valid)
    }

    @Test(
        "snake_case",
        arguments: [
            ("add_user_table", true), ("AddUserTable", false), ("add-user", false), ("add__user", false),
            ("_add", false), ("add_", false), ("add user", false), ("café", false), ("add_v2_index", true),
            ("2fa_enable", false),
        ])
    func snakeCase(text: String, valid: Bool) {
        #expect(MigrationNamePolicy.isSnakeCase(text) == valid)
    }

    @Test(
        "the corrected spelling of a forbidden name",
        arguments: [
            ("AddUserTable", "add_user_table"), ("add user-table", "add_user_table"),
            ("addHTTPHeaders", "add_http_headers"),
            ("Add  Users", "add_users"), ("crème_brûlée", "cr_me_br_l_e"), ("add_v2Index", "add_v2_index"),
        ])
    func snakeCased(input: String, output: String) {
        #expect(MigrationNamePolicy.snakeCased(input) == output)
    }

    @Test("length and verb are warnings")
    func warnings() {
        let long = String(repeating: "a", count: 51)
        let findings = MigrationNamePolicy.descriptionWarnings("create_" + long, location: nil)
        #expect(findings.map(\.code) == ["migration-name-length"])
        #expect(findings.allSatisfy { $0.severity == .warning })
        #expect(
            MigrationNamePolicy.descriptionWarnings("users_table", location: nil).map(\.code) == ["migration-name-verb"]
        )
    }
}
