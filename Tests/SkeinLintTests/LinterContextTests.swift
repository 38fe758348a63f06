import SkeinCore
import SkeinLint
import Testing

/// Reports, for every file, the tables earlier files created (as the context tells it).
private struct EarlierTablesRule: LintRule {
    var readsEarlierFiles: Bool
    var rules: [LintRuleInfo] {
        [LintRuleInfo(id: "earlier-tables", defaultSeverity: .info, summary: "test", policy: "test")]
    }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        [
            LintFinding(
                rule: "earlier-tables", message: context.tablesCreatedEarlier.sorted().joined(separator: ","),
                hint: nil, location: file.location())
        ]
    }
}

@Suite("lint: context from earlier files")
struct LinterContextTests {
    let files = [
        SourceFile(
            path: "migrations/20240101120000_create_a.sql",
            text: migration(up: "CREATE TABLE a (id int);", down: "DROP TABLE a;")),
        SourceFile(
            path: "migrations/20240102120000_create_b.sql",
            text: migration(up: "CREATE TABLE app.b (id int);", down: "DROP TABLE app.b;")),
        SourceFile(path: "migrations/20240103120000_add_c.sql", text: migration(up: "SELECT 1;")),
    ]

    @Test("a rule that reads earlier files sees the tables their Ups created, in version order")
    func earlierTables() {
        let linter = Linter(rules: [EarlierTablesRule(readsEarlierFiles: true)])
        #expect(linter.lint(files).map(\.message) == ["", "a", "a,app.b"])
    }

    @Test("rules that check one file at a time get no earlier tables")
    func fileAtATime() {
        let linter = Linter(rules: [EarlierTablesRule(readsEarlierFiles: false)])
        #expect(linter.lint(files).map(\.message) == ["", "", ""])
    }
}
