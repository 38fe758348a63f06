import SkeinCore
import SkeinLint
import Testing

@Suite("lint: adding-field-with-default")
struct AddingFieldWithDefaultRuleTests {
    let name = "20240101120000_add_columns.sql"

    @Test("volatile defaults, serial types, generated and identity columns rewrite an existing table")
    func reported() {
        let statements = [
            "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();",
            "ALTER TABLE users ADD COLUMN token uuid DEFAULT uuid_generate_v4();",
            "ALTER TABLE users ADD COLUMN r float8 DEFAULT pg_catalog.random();",
            "ALTER TABLE users ADD COLUMN seen timestamptz DEFAULT clock_timestamp();",
            "ALTER TABLE users ADD COLUMN n bigint DEFAULT nextval('users_n_seq');",
            "ALTER TABLE users ADD COLUMN n bigserial;",
            "ALTER TABLE users ADD COLUMN n int GENERATED ALWAYS AS (id * 2) STORED;",
            "ALTER TABLE users ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;",
            "ALTER TABLE users ADD COLUMN n int DEFAULT my_function();",
        ]
        for statement in statements {
            #expect(
                findings([name: migration(up: "\nSELECT 1; " + statement)], only: "adding-field-with-default") == [
                    "migrations/\(name):3:11 warning[adding-field-with-default]"
                ], "\(statement)")
        }
    }

    @Test("constant and non-volatile defaults (PostgreSQL 11+ adds them without a rewrite), and new tables, are fine")
    func notReported() {
        let up = """
            ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true;
            ALTER TABLE users ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
            ALTER TABLE users ADD COLUMN updated_at timestamptz DEFAULT CURRENT_TIMESTAMP;
            ALTER TABLE users ADD COLUMN prefs jsonb NOT NULL DEFAULT '{}'::jsonb;
            ALTER TABLE users ADD COLUMN day date DEFAULT now()::date;
            ALTER TABLE users ADD COLUMN note text;
            CREATE TABLE IF NOT EXISTS things (id bigint);
            ALTER TABLE things ADD COLUMN token uuid DEFAULT gen_random_uuid();
            """
        #expect(findings([name: migration(up: up)], only: "adding-field-with-default") == [])
    }
}

@Suite("adding-field-with-default: lint.postgres-version")
struct AddingFieldWithDefaultVersionTests {
    @Test("before PostgreSQL 11 a constant default rewrites the table too")
    func olderServer() {
        let files = [
            "20240101120000_create_t_table.sql": migration(
                up: "CREATE TABLE IF NOT EXISTS t (a int);", down: "DROP TABLE IF EXISTS t;"),
            "20240102120000_add_b_to_t.sql": migration(
                up: "ALTER TABLE t ADD COLUMN IF NOT EXISTS b int DEFAULT 0;",
                down: "ALTER TABLE t DROP COLUMN IF EXISTS b;"),
        ]
        let sources = files.map { SourceFile(path: "migrations/" + $0.key, text: $0.value) }
        var configuration = LintConfiguration()
        configuration.only = ["adding-field-with-default"]
        #expect(Linter(configuration: configuration).lint(sources).isEmpty)
        configuration.postgresVersion = 10
        #expect(Linter(configuration: configuration).lint(sources).map(\.code) == ["adding-field-with-default"])
    }
}
