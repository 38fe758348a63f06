import SkeinCore
import SkeinLint
import Testing

@Suite("lint: constraint-name-consistency")
struct ConstraintNameConsistencyRuleTests {
    let name = "20240101120000_add_checks.sql"

    @Test("an unnamed ADD CONSTRAINT, and a Down dropping a name the Up never added")
    func inconsistent() {
        let text = migration(
            up:
                "ALTER TABLE accounts ADD CHECK (a > 0);\nALTER TABLE accounts ADD CONSTRAINT accounts_b_key UNIQUE (b);",
            down: """
                ALTER TABLE accounts DROP CONSTRAINT IF EXISTS accounts_a_check;
                ALTER TABLE accounts DROP CONSTRAINT IF EXISTS accounts_b_key;
                """)
        #expect(
            findings([name: text], only: "constraint-name-consistency") == [
                "migrations/\(name):2:1 error[constraint-name-consistency]",
                "migrations/\(name):5:1 error[constraint-name-consistency]",
            ])
        let diagnostics = Linter().lint([SourceFile(path: name, text: text)]).filter {
            $0.code == "constraint-name-consistency"
        }
        #expect(
            diagnostics.first?.message
                == "ALTER TABLE accounts ADD CHECK has no constraint name: PostgreSQL generates one, so the Down cannot reliably drop it by name"
        )
        #expect(
            diagnostics.last?.message
                == "the Down drops constraint accounts_a_check on accounts, but the Up never adds a constraint of that name"
        )
    }

    @Test("names from CREATE TABLE and DO blocks count; a Down that drops the table needs no names")
    func consistent() {
        let table = migration(
            up:
                "CREATE TABLE IF NOT EXISTS t (a int, CONSTRAINT t_a_key UNIQUE (a));\nALTER TABLE t ADD CHECK (a > 0);",
            down: "ALTER TABLE t DROP CONSTRAINT IF EXISTS t_a_key;\nDROP TABLE IF EXISTS t;")
        #expect(findings([name: table], only: "constraint-name-consistency") == [])
        let block = migration(
            up: """
                -- +goose StatementBegin
                DO $$
                BEGIN
                    ALTER TABLE accounts ADD CONSTRAINT "accounts_a_check" CHECK (a > 0);
                END;
                $$;
                -- +goose StatementEnd
                """,
            down: "ALTER TABLE accounts DROP CONSTRAINT IF EXISTS accounts_a_check;")
        #expect(findings([name: block], only: "constraint-name-consistency") == [])
    }
}
