import Foundation
import SkeinCore
import SkeinSQL
import Testing

/// The runner's pure-Swift command splitter must cut goose statements where PostgreSQL's own parser does.
@Suite("SQL command splitter agrees with libpg_query")
struct SplitterAgreementTests {
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// Every goose statement of the example migrations and goose's own conformance files.
    static func corpus() throws -> [String] {
        var directories = [packageRoot.appendingPathComponent("examples/agentflow/migrations").path]
        let shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance/goose-v3.17.0")
        for sub in ["testdata/migrations", "examples/sql-migrations", "tests/e2e/testdata/postgres/migrations"] {
            directories.append(shared.appendingPathComponent(sub).path)
        }
        var statements: [String] = []
        for directory in directories where FileManager.default.fileExists(atPath: directory) {
            let catalog = try MigrationCatalog(source: DirectorySource(directory: directory))
            for migration in catalog.migrations {
                for direction in Direction.allCases {
                    if case .success(let section) = migration.section(direction) {
                        statements += section.statements.map(\.sql)
                    }
                }
            }
        }
        return statements
    }

    static let handWritten = [
        "SELECT 1; SELECT 2;",
        "SELECT ';' AS a; SELECT 'it''s';",
        #"SELECT E'a\';b'; SELECT 2"#,
        "DO $$ BEGIN PERFORM 1; END $$; SELECT 2",
        "SELECT 1 /* a; /* nested; */ b; */; SELECT 2",
        "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END; SELECT 2; END; SELECT f(1);",
        "CREATE TABLE t (a text DEFAULT ';'); -- trailing; comment\nINSERT INTO t VALUES ('x;y');",
        "CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql AS 'SELECT 1'; SELECT 2",
        "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t (begin) VALUES (1); END; SELECT 1",
        "DO $$ $$$$;\r$$\r",
        // Found by the fuzzer: in a body every statement ends with `;`, so the END after a CASE's END labels a
        // column (`AS "end"`) and the body ends at the END after `SELECT 2;`.
        "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END END; SELECT 2; END; SELECT f(1);",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC END; SELECT 1",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1 end; END; SELECT 2",
    ]

    @Test("same number of commands, same text, on the examples, goose's files and tricky cases")
    func agrees() throws {
        let corpus = try Self.corpus() + Self.handWritten
        #expect(corpus.count >= 40)
        for statement in corpus {
            let ours = SQLCommandSplitter.split(statement).map(\.sql)
            let theirs = try SQLGrammar.split(statement).map { $0.text }
                .filter { !SQLCommandSplitter.split($0).isEmpty }
            #expect(ours.count == theirs.count, "\(statement)")
            for (mine, reference) in zip(ours, theirs) {
                #expect(
                    GoTextTrim.trim(reference).hasSuffix(mine) || GoTextTrim.trim(reference) == mine,
                    "\(mine) vs \(reference)")
            }
        }
    }

    @Test("libpg_query reports a syntax error with its position")
    func syntaxError() {
        #expect(throws: SQLGrammar.SplitError.self) { try SQLGrammar.split("SELEC 1;") }
    }
}

enum GoTextTrim {
    static func trim(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
