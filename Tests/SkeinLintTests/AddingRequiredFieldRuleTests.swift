import SkeinCore
import SkeinLint
import Testing

@Suite("lint: adding-required-field")
struct AddingRequiredFieldRuleTests {
    let name = "20240101120000_add_tenant_to_orders.sql"

    @Test("ADD COLUMN … NOT NULL without a default on an existing table is an error at its ALTER TABLE")
    func reported() {
        let up =
            "ALTER TABLE orders ADD COLUMN tenant_id bigint NOT NULL;\nALTER TABLE orders ADD COLUMN code text PRIMARY KEY;"
        #expect(
            findings([name: migration(up: up)], only: "adding-required-field") == [
                "migrations/\(name):2:1 error[adding-required-field]",
                "migrations/\(name):3:1 error[adding-required-field]",
            ])
    }

    @Test("a default, an identity, a serial, a generated column, a nullable column and a table created here are fine")
    func notReported() {
        let up = """
            ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';
            ALTER TABLE orders ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;
            ALTER TABLE orders ADD COLUMN m bigserial NOT NULL;
            ALTER TABLE orders ADD COLUMN total numeric NOT NULL GENERATED ALWAYS AS (1) STORED;
            ALTER TABLE orders ADD COLUMN note text;
            CREATE TABLE IF NOT EXISTS things (id bigint);
            ALTER TABLE things ADD COLUMN label text NOT NULL;
            """
        #expect(findings([name: migration(up: up)], only: "adding-required-field") == [])
    }
}
