import SkeinCore
import Testing

@testable import SkeinCLI

/// The CLI's statement checker: PostgreSQL 15's grammar (libpg_query) over whole goose statements.
@Suite("grammar statement checker: PostgreSQL 15's grammar, whole goose statements")
struct GrammarStatementCheckerTests {
    func check(_ sql: String, server: Int? = 15) -> StatementCheckResult {
        GrammarStatementChecker.check(sql, serverMajorVersion: server)
    }

    @Test("a typo is a syntax error at the word the grammar stopped at")
    func typo() {
        #expect(check("SELEC 1;") == .syntaxError(message: "syntax error at or near \"SELEC\"", utf8Offset: 0))
        #expect(
            check("SELEC 1;", server: nil) == .syntaxError(message: "syntax error at or near \"SELEC\"", utf8Offset: 0))
        // The offset is in UTF-8 bytes, though libpg_query counts characters.
        #expect(
            check("SELECT 'é';\nSELEC 2;") == .syntaxError(message: "syntax error at or near \"SELEC\"", utf8Offset: 13)
        )
        #expect(
            check("CREATE TABLE second (\n    id int NOT NUL\n);")
                == .syntaxError(message: "syntax error at or near \"NUL\"", utf8Offset: 37))
    }

    @Test("a DO block, a function body with semicolons and several commands in one goose statement parse")
    func blocks() {
        #expect(check("DO $$\nBEGIN\n  PERFORM 1;\n  RAISE NOTICE 'x; y';\nEND\n$$;") == .valid)
        #expect(
            check(
                """
                CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    NEW.updated_at := now();
                    RETURN NEW;
                END;
                $$;
                """) == .valid)
        #expect(
            check("CREATE FUNCTION one() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;") == .valid)
        #expect(check("CREATE TABLE a (id int);\nCREATE INDEX ON a (id);\n-- trailing comment") == .valid)
        #expect(check("") == .valid)
    }

    @Test("against PostgreSQL 16 and later, what the PG 15 grammar rejects is not checked, not an error")
    func newerServer() {
        let sql = "SELECT '{}' IS JSON;"
        guard case .syntaxError(let message, let offset) = check(sql, server: 15) else {
            Issue.record("PG 15's grammar should reject IS JSON")
            return
        }
        #expect(
            check(sql, server: 16)
                == .notChecked(
                    reason: "PostgreSQL 16 syntax beyond the PG 15 grammar (which says: \(message))", utf8Offset: offset
                ))
        guard case .notChecked(let reason, _) = check("SELEC 1;", server: 17) else {
            Issue.record("a typo against PostgreSQL 17 is not checked")
            return
        }
        #expect(reason.hasPrefix("PostgreSQL 17 syntax beyond the PG 15 grammar"))
        #expect(check("SELECT 1;", server: 17) == .valid)
    }
}
