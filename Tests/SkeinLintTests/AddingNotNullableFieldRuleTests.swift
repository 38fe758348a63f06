import SkeinCore
import SkeinLint
import Testing

@Suite("lint: adding-not-nullable-field")
struct AddingNotNullableFieldRuleTests {
    let name = "20240101120000_require_email.sql"

    @Test("SET NOT NULL on an existing table is reported at its ALTER TABLE")
    func reported() {
        let up = "SELECT 1;\nALTER TABLE users\n  ALTER COLUMN email SET NOT NULL;"
        #expect(
            findings([name: migration(up: up)], only: "adding-not-nullable-field") == [
                "migrations/\(name):3:1 warning[adding-not-nullable-field]"
            ])
    }

    @Test("the NOT VALID check route, DROP NOT NULL, and a table created in the same Up are fine")
    func notReported() {
        let up = """
            ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;
            ALTER TABLE users ALTER COLUMN nickname DROP NOT NULL;
            CREATE TABLE IF NOT EXISTS things (id bigint, label text);
            ALTER TABLE things ALTER COLUMN label SET NOT NULL;
            """
        #expect(findings([name: migration(up: up)], only: "adding-not-nullable-field") == [])
    }
}
