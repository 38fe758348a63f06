import SkeinCore
import SkeinLint
import Testing

@Suite("lint: changing-column-type")
struct ChangingColumnTypeRuleTests {
    let name = "20240101120000_widen_ids.sql"

    @Test("ALTER COLUMN … TYPE on an existing table is reported at its ALTER TABLE")
    func reported() {
        let up =
            "ALTER TABLE orders ALTER COLUMN id TYPE bigint;\nALTER TABLE orders ALTER COLUMN note SET DATA TYPE text;"
        #expect(
            findings([name: migration(up: up)], only: "changing-column-type") == [
                "migrations/\(name):2:1 warning[changing-column-type]",
                "migrations/\(name):3:1 warning[changing-column-type]",
            ])
    }

    @Test("a table created in the same Up, and other column changes, are fine")
    func notReported() {
        let up = """
            CREATE TABLE IF NOT EXISTS things (id int);
            ALTER TABLE things ALTER COLUMN id TYPE bigint;
            ALTER TABLE orders ALTER COLUMN note SET DEFAULT '';
            """
        #expect(findings([name: migration(up: up)], only: "changing-column-type") == [])
    }
}
