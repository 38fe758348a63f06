import SkeinCore
import Testing

@Suite("goose parser: lines, quirks and bad input")
struct GooseParserTests {
    let parser = GooseParser()

    func statements(_ text: String, _ direction: Direction = .up) throws -> [Statement] {
        try parser.parse(text, direction: direction).get().statements
    }

    @Test("each statement keeps the line its first non-blank line is on")
    func lineNumbers() throws {
        let text = """
            -- a comment before Up
            -- +goose Up

            CREATE TABLE a (id int);
            -- kept out: comment between statements
            INSERT INTO a
              VALUES (1);
            -- +goose StatementBegin
            CREATE FUNCTION f() RETURNS int AS $$
            BEGIN RETURN 1; END;
            $$ LANGUAGE plpgsql;
            -- +goose StatementEnd

            -- +goose Down
            DROP TABLE a;
            """
        let up = try statements(text)
        #expect(up.map(\.line) == [4, 6, 9])
        #expect(up[1].sql == "INSERT INTO a\n  VALUES (1);")
        #expect(up[2].sql.hasPrefix("CREATE FUNCTION f()") && up[2].sql.hasSuffix("LANGUAGE plpgsql;"))
        let down = try statements(text, .down)
        #expect(down == [Statement(sql: "DROP TABLE a;", line: 15)])
    }

    @Test("each statement keeps the column after the indentation goose trims from its first line")
    func columns() throws {
        let text = "-- +goose Up\nSELECT 1;\n    SELECT 2;\n  \n\t\u{A0}SELECT\n  3;\n-- +goose Down\n"
        let up = try statements(text)
        #expect(up.map(\.line) == [2, 3, 5])
        #expect(up.map(\.column) == [1, 5, 3])
        #expect(up[2].sql == "SELECT\n  3;")
    }

    @Test("CRLF line endings split like LF, as Go's scanner drops the CR")
    func crlf() throws {
        let text = "-- +goose Up\r\nCREATE TABLE a (id int);\r\n-- +goose Down\r\nDROP TABLE a;\r\n"
        #expect(try statements(text).map(\.sql) == ["CREATE TABLE a (id int);"])
        #expect(try statements(text, .down).map(\.sql) == ["DROP TABLE a;"])
    }

    @Test("a semicolon followed by a -- comment ends a statement; one inside a string-like word does not")
    func semicolonRule() {
        #expect(GooseParser.endsWithSemicolon("SELECT 1; -- done"))
        #expect(GooseParser.endsWithSemicolon("SELECT 1   ;"))
        #expect(!GooseParser.endsWithSemicolon("SELECT ';' || x"))
        #expect(!GooseParser.endsWithSemicolon("SELECT 1 -- ;"))
        #expect(!GooseParser.endsWithSemicolon("SELECT 1;--x"))  // the last word is "1;--x"
    }

    @Test("an empty StatementBegin/End block makes goose send an empty statement and drop the next line (quirk kept)")
    func emptyBlockQuirk() throws {
        let text = """
            -- +goose Up
            -- +goose StatementBegin
            -- +goose StatementEnd
            SELECT 1
            , 2;
            """
        #expect(try statements(text).map(\.sql) == ["", ", 2;"])
    }

    @Test("unterminated StatementBegin names the line it started on")
    func unterminatedBlock() {
        let text = "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n"
        guard case .failure(let error) = parser.parse(text, direction: .up) else {
            Issue.record("must fail")
            return
        }
        #expect(error.kind == .missingStatementEnd)
        #expect(error.line == 2)
        #expect(error.gooseMessage == "failed to parse migration: missing '-- +goose StatementEnd' annotation")
    }

    @Test("a missing semicolon fails only the direction it is in, at the statement's line")
    func missingSemicolonPerDirection() throws {
        let text = "-- +goose Up\nSELECT 1\n-- +goose Down\nSELECT 2;\n"
        guard case .failure(let error) = parser.parse(text, direction: .up) else {
            Issue.record("up must fail")
            return
        }
        #expect(error.kind == .missingSemicolon && error.line == 2)
        #expect(try statements(text, .down).map(\.sql) == ["SELECT 2;"])
    }

    @Test("an empty file, only a Down, SQL before Up: each fails with a line and a fix")
    func badStructure() {
        let cases: [(String, GooseParseError.Kind, Int?)] = [
            ("", .missingUpAnnotation, 1),
            ("-- +goose Down\nDROP TABLE a;\n", .misplacedDownAnnotation, 1),
            ("CREATE TABLE a (id int);\n-- +goose Up\n", .statementBeforeUp, 1),
            ("-- +goose Up\n-- +goose Up\n", .duplicateUpAnnotation, 2),
            ("-- +goose Up\n-- +goose StatementEnd\n", .statementEndWithoutBegin, 2),
        ]
        for (text, kind, line) in cases {
            guard case .failure(let error) = parser.parse(text, direction: .up) else {
                Issue.record("\(kind) must fail")
                continue
            }
            #expect(error.kind == kind)
            #expect(error.line == line)
            #expect(!error.help.isEmpty)
        }
    }

    @Test("NO TRANSACTION anywhere turns the transaction off for both directions")
    func noTransaction() throws {
        let text =
            "-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (a);\n-- +goose Down\n-- +goose NO TRANSACTION\nDROP INDEX i;\n"
        #expect(try parser.parse(text, direction: .up).get().transactionMode == .none)
        #expect(try parser.parse(text, direction: .down).get().transactionMode == .none)
    }

    @Test("ENVSUB ON substitutes only until OFF; goose 3.17 mode leaves the text alone")
    func envsub() throws {
        let text = """
            -- +goose Up
            -- +goose ENVSUB ON
            CREATE ROLE ${ROLE_NAME} PASSWORD '${ROLE_PASSWORD:-changeme}';
            -- +goose ENVSUB OFF
            SELECT '${ROLE_NAME}';
            """
        let substituting = GooseParser(environmentSubstitution: .enabled(["ROLE_NAME": "reader"]))
        #expect(
            try substituting.parse(text, direction: .up).get().statements.map(\.sql) == [
                "CREATE ROLE reader PASSWORD 'changeme';", "SELECT '${ROLE_NAME}';",
            ])
        let goose317 = GooseParser(environmentSubstitution: .ignored)
        #expect(
            try goose317.parse(text, direction: .up).get().statements.first?.sql
                == "CREATE ROLE ${ROLE_NAME} PASSWORD '${ROLE_PASSWORD:-changeme}';")
    }

    @Test("an unusable substitution fails with the line")
    func envsubFailure() {
        let text = "-- +goose Up\n-- +goose ENVSUB ON\nSELECT $1;\n"
        let substituting = GooseParser(environmentSubstitution: .enabled([:]))
        guard case .failure(let error) = substituting.parse(text, direction: .up) else {
            Issue.record("must fail")
            return
        }
        #expect(error.kind == .environmentSubstitution && error.line == 3)
    }
}

@Suite("ENVSUB expansion (goose v3.18 / mfridman/interpolate rules)")
struct EnvironmentInterpolationTests {
    let environment = ["NAME": "app", "EMPTY": "", "LONG": "abcdef"]

    @Test(
        "expansions",
        arguments: [
            ("${NAME}", "app"), ("$NAME.x", "app.x"), ("${MISSING}", ""), ("${MISSING:-d}", "d"),
            ("${EMPTY:-d}", "d"), ("${EMPTY-d}", ""), ("${MISSING-d}", "d"), ("${LONG:2}", "cdef"),
            ("${LONG:1:2}", "bc"), ("${LONG: -2}", "ef"), ("$$x", "$x"), ("\\$NAME", "$NAME"),
            ("a\\\\b", "a\\\\b"), ("$(cmd)", "$(cmd)"), ("cost: 5$", "cost: 5$"),
            ("${MISSING:-${NAME}}", "app"),
        ])
    func expands(input: String, output: String) throws {
        #expect(try EnvironmentInterpolation.expand(input, environment: environment).get() == output)
    }

    @Test("errors", arguments: ["$1", "${NAME", "${1}", "${MISSING?must be set}", "${NAME:x}"])
    func fails(input: String) {
        #expect((try? EnvironmentInterpolation.expand(input, environment: environment).get()) == nil)
    }
}

@Suite("goose parser limits")
struct GooseParserLimitTests {
    @Test("goose's 4 MiB line limit counts the carriage return")
    func lineLimit() {
        let limit = 4 * 1024 * 1024
        func text(_ length: Int) -> String {
            "-- +goose Up\n-- " + String(repeating: "a", count: length - 3) + "\r\nSELECT 1;\n"
        }
        let tooLong = GooseParser().parse(text(limit - 1), direction: .up)
        guard case .failure(let error) = tooLong else {
            Issue.record("a line of 4 MiB with its CR must fail")
            return
        }
        #expect(error.kind == .lineTooLong && error.line == 2)
        #expect((try? GooseParser().parse(text(limit - 2), direction: .up).get()) != nil)
    }

    @Test("an empty block's empty statement gets the block's line")
    func emptyBlockLine() throws {
        let text = "-- +goose Up\n-- +goose StatementBegin\n-- +goose StatementEnd\nSELECT 1\n, 2;\n"
        let statements = try GooseParser().parse(text, direction: .up).get().statements
        #expect(statements.first?.line == 2)
    }

    @Test("the first bad UTF-8 byte is found in one pass, with its line")
    func largeNonUTF8() throws {
        let body = Array(String(repeating: "SELECT 1;\n", count: 50_000).utf8)
        let file = SourceFile(path: "x.sql", contents: Array("-- +goose Up\n".utf8) + body + [0xE9, 0x0A])
        guard case .failure(let error) = file.decodedText() else {
            Issue.record("must fail")
            return
        }
        #expect(error.line == 50_002)
        let otherBytes = SourceFile(path: "x.sql", contents: [0x41, 0xE9])
        let different = SourceFile(path: "x.sql", contents: [0x41, 0xE8])
        let name = MigrationName(fileName: "1_x.sql", version: 1, description: "x", kind: .sql)
        #expect(
            Migration(file: otherBytes, name: name).checksum.file
                != Migration(file: different, name: name).checksum.file)
    }
}
