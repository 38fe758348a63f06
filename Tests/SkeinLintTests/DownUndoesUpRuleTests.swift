import Foundation
import SkeinCore
import SkeinLint
import Testing

@Suite("lint: down-undoes-up, down-keeps-shared-object")
struct DownUndoesUpRuleTests {
    let name = "20240101120000_add_things.sql"

    @Test("a Down that drops each object, its table, its column, or its trigger function (CASCADE) passes")
    func undone() {
        let whole = migration(
            up: """
                CREATE TABLE IF NOT EXISTS t (id int);
                ALTER TABLE t ADD COLUMN IF NOT EXISTS b int;
                CREATE INDEX IF NOT EXISTS t_b_idx ON public.t (b);
                ALTER TABLE t ADD CONSTRAINT t_b_check CHECK (b > 0);
                CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();
                """,
            down: "DROP TABLE IF EXISTS public.t;")
        #expect(findings([name: whole], only: "down-undoes-up") == [])
        let parts = migration(
            up: """
                ALTER TABLE accounts ADD COLUMN IF NOT EXISTS note text;
                ALTER TABLE accounts ADD CONSTRAINT accounts_note_check CHECK (note <> '');
                CREATE INDEX IF NOT EXISTS accounts_note_idx ON accounts (lower(note));
                CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
                CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch();
                CREATE TABLE IF NOT EXISTS scratch (a int);
                DROP TABLE scratch;
                CREATE EXTENSION IF NOT EXISTS pgcrypto;
                CREATE TYPE Mood AS ENUM ('happy');
                """,
            down: """
                DROP TYPE IF EXISTS mood;
                DROP FUNCTION IF EXISTS public.touch() CASCADE;
                ALTER TABLE accounts DROP COLUMN IF EXISTS note;
                DROP EXTENSION IF EXISTS pgcrypto;
                """)
        #expect(findings([name: parts], only: "down-undoes-up") == [])
        #expect(findings([name: parts], only: "down-keeps-shared-object") == [])
        let adopted = migration(
            up: """
                CREATE UNIQUE INDEX IF NOT EXISTS accounts_email_idx ON accounts (email);
                ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE USING INDEX accounts_email_idx;
                """,
            down: "ALTER TABLE accounts DROP CONSTRAINT IF EXISTS accounts_email_key;")
        #expect(findings([name: adopted], only: "down-undoes-up") == [])
    }

    @Test("each object the Down leaves behind is reported at its CREATE; IF NOT EXISTS schemas are info")
    func notUndone() {
        let text = migration(
            up: """
                CREATE TABLE IF NOT EXISTS "Users" (id int);
                CREATE TYPE mood AS ENUM ('a');
                CREATE VIEW v AS SELECT 1;
                CREATE SEQUENCE IF NOT EXISTS s;
                CREATE SCHEMA app;
                CREATE SCHEMA IF NOT EXISTS shared;
                CREATE INDEX ON accounts (a);
                ALTER TABLE accounts ADD CONSTRAINT accounts_a_key UNIQUE (a);
                CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1';
                """,
            down: "DROP TABLE IF EXISTS users;\nDROP FUNCTION IF EXISTS p();")
        #expect(
            findings([name: text], only: "down-undoes-up")
                == [2, 3, 4, 5, 6, 8, 9, 10].map {
                    "migrations/\(name):\($0):1 error[down-undoes-up]"
                })
        #expect(
            findings([name: text], only: "down-keeps-shared-object") == [
                "migrations/\(name):7:1 info[down-keeps-shared-object]"
            ])
    }

    @Test("the messages name the object and the hint gives the DROP")
    func message() {
        let text = migration(up: "CREATE INDEX IF NOT EXISTS i ON t (a);", down: "SELECT 1;")
        let diagnostics = Linter().lint([SourceFile(path: name, text: text)]).filter { $0.code == "down-undoes-up" }
        #expect(diagnostics.map(\.message) == ["the Down does not undo index i"])
        #expect(diagnostics.map(\.help) == ["add `DROP INDEX IF EXISTS i;` to the Down (in reverse order of the Up)"])
    }

    @Test("ALTER TYPE … ADD VALUE needs a Down that recreates the type, or the manual-recovery stub")
    func enumValue() {
        let up = "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'sad';"
        #expect(
            findings([name: migration(up: up, down: "SELECT 1;")], only: "down-undoes-up") == [
                "migrations/\(name):2:1 error[down-undoes-up]"
            ])
        let recreate = """
            CREATE TYPE mood_old AS ENUM ('happy');
            ALTER TABLE people ALTER COLUMN m TYPE mood_old USING m::text::mood_old;
            DROP TYPE mood;
            ALTER TYPE mood_old RENAME TO mood;
            """
        #expect(findings([name: migration(up: up, down: recreate)], only: "down-undoes-up") == [])
        let stub =
            "-- Cannot automatically reverse - requires manual data restoration\n"
            + "SELECT 'MANUAL_RECOVERY_REQUIRED' as status;"
        #expect(
            findings([name: migration(up: up + "\nCREATE TABLE x (a int);", down: stub)], only: "down-undoes-up") == [])
        let sameFile = migration(
            up: "CREATE TYPE mood AS ENUM ('a');\nALTER TYPE mood ADD VALUE 'b';", down: "DROP TYPE IF EXISTS mood;")
        #expect(findings([name: sameFile], only: "down-undoes-up") == [])
    }
}
