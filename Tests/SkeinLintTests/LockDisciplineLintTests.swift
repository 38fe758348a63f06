import SkeinCore
import SkeinLint
import Testing

@Suite("lint: session-level-set, and the tables a statement locks (the runner's pre-flight)")
struct LockDisciplineLintTests {
    let name = "20240101120000_settings.sql"

    @Test("a plain SET in a transactional file outlives it: SET LOCAL is the fix")
    func sessionSetInTransaction() {
        for set in [
            "SET statement_timeout = '1ms';", "SET SESSION work_mem TO '64MB';",
            "SELECT set_config('search_path', 'app', false);", "SET ROLE app_owner;",
        ] {
            #expect(
                findings([name: migration(up: set + "\nSELECT 1;")], only: "session-level-set") == [
                    "migrations/\(name):2:1 warning[session-level-set]"
                ], "\(set)")
        }
        for fine in [
            "SET LOCAL statement_timeout = '1ms';", "SELECT set_config('search_path', 'app', true);",
            "RESET work_mem;", "SET LOCAL lock_timeout TO 5000;",
        ] {
            #expect(findings([name: migration(up: fine)], only: "session-level-set").isEmpty, "\(fine)")
        }
    }

    @Test("in a NO TRANSACTION file, a SET reset before the file ends is fine")
    func sessionSetWithoutTransaction() {
        let header = "-- +goose NO TRANSACTION\n"
        let unreset = "SET maintenance_work_mem = '1GB';\nCREATE INDEX CONCURRENTLY i ON t (a);"
        #expect(
            findings([name: migration(up: unreset, header: header)], only: "session-level-set") == [
                "migrations/\(name):3:1 warning[session-level-set]"
            ])
        for reset in ["RESET maintenance_work_mem;", "RESET ALL;", "SET maintenance_work_mem TO DEFAULT;"] {
            #expect(
                findings([name: migration(up: unreset + "\n" + reset, header: header)], only: "session-level-set")
                    .isEmpty, "\(reset)")
        }
    }

    @Test("the tables each kind of statement locks, with the documentation's lock")
    func statementLocks() {
        func locks(_ sql: String) -> [String] { StatementLocks.relations(in: sql).map(\.description) }
        #expect(locks("ALTER TABLE orders ADD COLUMN note text") == ["ACCESS EXCLUSIVE on \"orders\""])
        #expect(
            locks("ALTER TABLE app.orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID")
                == ["SHARE ROW EXCLUSIVE on \"app\".\"orders\"", "SHARE ROW EXCLUSIVE on \"users\""])
        #expect(locks("CREATE INDEX i ON \"Orders\" (a)") == ["SHARE on \"Orders\""])
        #expect(locks("CREATE INDEX CONCURRENTLY i ON orders (a)") == ["SHARE UPDATE EXCLUSIVE on \"orders\""])
        #expect(locks("DROP TABLE a, b.c") == ["ACCESS EXCLUSIVE on \"a\"", "ACCESS EXCLUSIVE on \"b\".\"c\""])
        #expect(locks("TRUNCATE orders") == ["ACCESS EXCLUSIVE on \"orders\""])
        #expect(locks("ALTER TABLE orders RENAME COLUMN a TO b") == ["ACCESS EXCLUSIVE on \"orders\""])
        #expect(
            locks("CREATE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION f()") == [
                "SHARE ROW EXCLUSIVE on \"orders\""
            ])
        #expect(locks("CREATE TABLE t (id int)").isEmpty)
        #expect(locks("SELECT 1").isEmpty)
        #expect(locks("not sql at all").isEmpty)
        // One entry per table, with the strongest mode, across a migration's statements.
        let statements = [
            Statement(sql: "CREATE INDEX i ON orders (a);", line: 2),
            Statement(sql: "ALTER TABLE orders ADD COLUMN b int; ALTER TABLE users ADD COLUMN c int;", line: 3),
        ]
        #expect(
            StatementLocks.targets.relations(in: statements).map(\.description) == [
                "ACCESS EXCLUSIVE on \"orders\"", "ACCESS EXCLUSIVE on \"users\"",
            ])
    }

    @Test("the index a CONCURRENTLY build leaves INVALID when it fails")
    func builtIndex() {
        typealias Built = ConcurrentStatement.BuiltIndex
        #expect(ConcurrentStatement.builtIndex("CREATE INDEX CONCURRENTLY i ON t (a)") == Built.created(name: ["i"]))
        #expect(
            ConcurrentStatement.builtIndex("create unique index concurrently if not exists \"Big\"\"Idx\" on t (a)")
                == Built.created(name: ["Big\"Idx"]))
        #expect(
            ConcurrentStatement.builtIndex("CREATE INDEX CONCURRENTLY app.i ON app.t (a)")
                == Built.created(name: ["app", "i"]))
        #expect(ConcurrentStatement.builtIndex("CREATE INDEX CONCURRENTLY ON t (a)") == nil)
        #expect(ConcurrentStatement.builtIndex("CREATE INDEX i ON t (a)") == nil)
        #expect(ConcurrentStatement.builtIndex("REINDEX INDEX CONCURRENTLY i") == Built.rebuilt(name: ["i"]))
        #expect(ConcurrentStatement.builtIndex("REINDEX (CONCURRENTLY) INDEX s.i") == Built.rebuilt(name: ["s", "i"]))
        #expect(ConcurrentStatement.builtIndex("REINDEX TABLE CONCURRENTLY t") == nil)
    }

    @Test("CONCURRENTLY is found as a keyword, not in strings, identifiers or comments")
    func concurrently() {
        #expect(ConcurrentStatement.isConcurrent("CREATE INDEX CONCURRENTLY i ON t (a)"))
        #expect(ConcurrentStatement.isConcurrent("reindex index concurrently i"))
        #expect(ConcurrentStatement.isConcurrent("DROP INDEX /* old */ CONCURRENTLY IF EXISTS i"))
        #expect(!ConcurrentStatement.isConcurrent("CREATE INDEX i ON t (a) -- not concurrently"))
        #expect(!ConcurrentStatement.isConcurrent("COMMENT ON TABLE t IS 'built concurrently'"))
        #expect(!ConcurrentStatement.isConcurrent("CREATE TABLE \"concurrently\" (a int)"))
        #expect(!ConcurrentStatement.isConcurrent("DO $$ BEGIN RAISE NOTICE 'concurrently'; END $$"))
        #expect(!ConcurrentStatement.isConcurrent("SELECT E'it\\'s concurrently'"))
    }
}
