import SkeinCore
import SkeinLint
import Testing

@Suite("lint: constraint-missing-not-valid")
struct ConstraintMissingNotValidRuleTests {
    let name = "20240101120000_constrain_orders.sql"

    @Test("a foreign key or check without NOT VALID on an existing table is reported at its ALTER TABLE")
    func reported() {
        let up = """
            ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
            SELECT 1; ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0);
            """
        #expect(
            findings([name: migration(up: up)], only: "constraint-missing-not-valid") == [
                "migrations/\(name):2:1 warning[constraint-missing-not-valid]",
                "migrations/\(name):3:11 warning[constraint-missing-not-valid]",
            ])
    }

    @Test("NOT VALID, VALIDATE CONSTRAINT, UNIQUE, and tables created in the same Up are fine")
    func notReported() {
        let up = """
            ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
            ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;
            ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;
            CREATE TABLE IF NOT EXISTS items (id bigint, order_id bigint);
            ALTER TABLE items ADD CONSTRAINT items_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);
            """
        #expect(findings([name: migration(up: up)], only: "constraint-missing-not-valid") == [])
    }

    @Test("a table created by an earlier migration counts as existing")
    func earlierMigration() {
        let create = migration(up: "CREATE TABLE IF NOT EXISTS items (id bigint, n int);")
        let check = migration(up: "ALTER TABLE items ADD CONSTRAINT items_n_check CHECK (n > 0);")
        #expect(
            findings(
                ["20240101120000_create_items.sql": create, "20240102120000_check_items.sql": check],
                only: "constraint-missing-not-valid") == [
                    "migrations/20240102120000_check_items.sql:2:1 warning[constraint-missing-not-valid]"
                ])
    }
}
