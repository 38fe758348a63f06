import SkeinCore
import Testing

@Suite("SQL command splitter")
struct SQLCommandSplitterTests {
    func split(_ sql: String) -> [String] { SQLCommandSplitter.split(sql).map(\.sql) }

    @Test("splits at top-level semicolons and drops empty and comment-only commands")
    func basic() {
        #expect(split("SELECT 1; SELECT 2;") == ["SELECT 1", "SELECT 2"])
        #expect(split("SELECT 1") == ["SELECT 1"])
        #expect(split(";; -- only a comment\n/* and another */;") == [])
        #expect(split("-- lead\nSELECT 1;\n-- trail") == ["SELECT 1"])
    }

    @Test(
        "semicolons inside strings, identifiers, comments and dollar quotes do not split",
        arguments: [
            ("SELECT ';'; SELECT 2", ["SELECT ';'", "SELECT 2"]),
            ("SELECT 'it''s; fine'; SELECT 2", ["SELECT 'it''s; fine'", "SELECT 2"]),
            (#"SELECT E'a\';b'; SELECT 2"#, [#"SELECT E'a\';b'"#, "SELECT 2"]),
            (#"SELECT 'a\'; SELECT 2"#, [#"SELECT 'a\'"#, "SELECT 2"]),
            (#"SELECT U&'d\0061t;a'; SELECT 2"#, [#"SELECT U&'d\0061t;a'"#, "SELECT 2"]),
            (#"SELECT 1 AS "a;b"; SELECT 2"#, [#"SELECT 1 AS "a;b""#, "SELECT 2"]),
            (
                "SELECT 1 /* a; /* nested; */ still; */; SELECT 2",
                ["SELECT 1 /* a; /* nested; */ still; */", "SELECT 2"]
            ),
            ("SELECT 1 -- a; comment\n; SELECT 2", ["SELECT 1 -- a; comment", "SELECT 2"]),
            ("DO $$ BEGIN PERFORM 1; END $$; SELECT 2", ["DO $$ BEGIN PERFORM 1; END $$", "SELECT 2"]),
            (
                "DO $body$ BEGIN RAISE NOTICE '$$;'; END $body$; SELECT 2",
                ["DO $body$ BEGIN RAISE NOTICE '$$;'; END $body$", "SELECT 2"]
            ),
            ("PREPARE p AS SELECT $1; EXECUTE p(1)", ["PREPARE p AS SELECT $1", "EXECUTE p(1)"]),
            ("SELECT a$b$c FROM t; SELECT 2", ["SELECT a$b$c FROM t", "SELECT 2"]),
        ])
    func quoting(sql: String, expected: [String]) {
        #expect(split(sql) == expected)
    }

    @Test("SQL-standard function bodies (BEGIN ATOMIC … END) stay whole, with CASE … END inside")
    func beginAtomic() {
        let sql = """
            CREATE OR REPLACE FUNCTION f(x int) RETURNS int LANGUAGE sql
            BEGIN ATOMIC
              SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;
              SELECT 2;
            END;
            SELECT f(1);
            """
        let commands = SQLCommandSplitter.split(sql)
        #expect(commands.count == 2)
        #expect(commands[0].sql.hasSuffix("END"))
        #expect(commands[1] == SQLCommand(sql: "SELECT f(1)", lineOffset: 5))
        // BEGIN outside a routine definition is a transaction command.
        #expect(split("BEGIN; SELECT 1; COMMIT;") == ["BEGIN", "SELECT 1", "COMMIT"])
    }

    /// Caught by FuzzCommandSplitter's agreement with libpg_query (docs/fuzzing.md): a parameter or column named
    /// `begin` opened a body that never closed, so the next command was sent with the routine. psql counts BEGIN,
    /// CASE and END only outside parentheses; so does the splitter.
    @Test(
        "in a routine definition, begin inside parentheses is a name, not a body",
        arguments: [
            (
                "CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql AS 'SELECT 1'; SELECT 2",
                ["CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql AS 'SELECT 1'", "SELECT 2"]
            ),
            (
                "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t (begin) VALUES (1); END; SELECT 1",
                ["CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t (begin) VALUES (1); END", "SELECT 1"]
            ),
            // Found by FuzzCommandSplitter: a column named begin inside a body opened no second body.
            (
                "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN BEGIN THEN 1 ELSE 0 END END; SELECT 2; END; SELECT f(1);",
                [
                    "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN BEGIN THEN 1 ELSE 0 END END; SELECT 2; END",
                    "SELECT f(1)",
                ]
            ),
        ])
    func beginAsName(sql: String, expected: [String]) {
        #expect(split(sql) == expected)
    }

    /// Found by FuzzCommandSplitter (docs/fuzzing.md): a `$` right after a closing dollar quote was taken for part
    /// of an identifier, so a dollar quote opening there was not seen and its `;` split the command.
    @Test("a dollar quote may open right where another closes")
    func adjacentDollarQuotes() {
        #expect(split("DO $$ $$$$;\r$$\r") == ["DO $$ $$$$;\r$$"])
        #expect(split("DO $a$ x $a$$b$;$b$; SELECT 2") == ["DO $a$ x $a$$b$;$b$", "SELECT 2"])
    }

    @Test("line offsets point at each command's first line")
    func lines() {
        let commands = SQLCommandSplitter.split("SELECT 1;\n\n-- c\nSELECT\n 2;")
        #expect(commands.map(\.lineOffset) == [0, 3])
    }

    @Test("unterminated quotes and comments end at the end of the text without trapping")
    func unterminated() {
        #expect(split("SELECT 'open; SELECT 2") == ["SELECT 'open; SELECT 2"])
        #expect(split("SELECT 1 /* open; ") == ["SELECT 1 /* open;"])
        #expect(split("DO $$ open; ") == ["DO $$ open;"])
    }
}
