import SkeinConfig
import SkeinCore
import SkeinGovernance
import Testing

@Suite("skein.yaml")
struct ProjectConfigurationTests {
    @Test("reads the documented keys")
    func reads() throws {
        let configuration = try ProjectConfiguration.parse(
            "migrations-dir: db/migrations\nversion-table: app.goose_db_version\npolicy: warn\n", path: "skein.yaml")
        #expect(configuration.migrationsDirectory == "db/migrations")
        #expect(configuration.versionTable == "app.goose_db_version")
        #expect(configuration.policy == .warn)
        #expect(try ProjectConfiguration.parse("", path: "skein.yaml") == ProjectConfiguration())
        let lint = try ProjectConfiguration.parse(
            "lint:\n  rules:\n    require-concurrent-index-creation: error\n    up-create-if-not-exists: off\n  exclude: [migrations/legacy]\n  baseline: 20240101120000\n",
            path: "skein.yaml"
        ).lint
        #expect(lint.rules == ["require-concurrent-index-creation": "error", "up-create-if-not-exists": "off"])
        #expect(lint.exclude == ["migrations/legacy"] && lint.baseline == 20_240_101_120_000)
        let run = try ProjectConfiguration.parse(
            "lock-timeout: 5s\nstatement-timeout: 1h13m\nlock-wait: 0\nwarn-after: 500ms\n", path: "skein.yaml"
        ).run
        #expect(run.lockTimeout == 5 && run.statementTimeout == 4380 && run.lockWait == 0 && run.warnAfter == 0.5)
        let governed = try ProjectConfiguration.parse(
            "backup-dir: backups\ngates:\n  modified: warn\n  destructive: refuse\n  backup: warn\n", path: "skein.yaml"
        )
        #expect(governed.backupDirectory == "backups")
        #expect(
            governed.gates.modified == .warn && governed.gates.destructive == .refuse
                && governed.gates.backup == .warn)
    }

    @Test(
        "rejects unknown keys, bad values and bad YAML, naming the file and line",
        arguments: [
            ("migrations-dir: a\nmigratons_dir: b\n", "skein.yaml:2", "migratons_dir"),
            ("policy: strict\n", "skein.yaml:1", "strict"),
            ("- a\n- b\n", "skein.yaml", "mapping"),
            ("policy: [a\n", "skein.yaml", "YAML"),
            ("migrations-dir: [a, b]\n", "skein.yaml:1", "string"),
            ("lint:\n  rules:\n    syntax-error: fatal\n", "skein.yaml:3", "fatal"),
            ("lint:\n  baseline: soon\n", "skein.yaml:2", "baseline"),
            ("lint:\n  exlude: [a]\n", "skein.yaml:2", "lint.exlude"),
            ("migrations-dir: m\nlock-timeout: 5 seconds\n", "skein.yaml:2", "lock-timeout must be a duration"),
            ("warn-after: -1s\n", "skein.yaml:1", "warn-after"),
            ("gates:\n  modified: ignore\n", "skein.yaml:2", "gates.modified must be refuse or warn"),
            ("gates:\n  approvals: refuse\n", "skein.yaml:2", "gates.approvals"),
        ])
    func rejects(text: String, location: String, mention: String) {
        do {
            _ = try ProjectConfiguration.parse(text, path: "skein.yaml")
            Issue.record("must fail")
        } catch {
            #expect(error.description.hasPrefix(location), "\(error)")
            #expect(error.description.contains(mention), "\(error)")
        }
    }

    /// Found by FuzzProjectConfiguration (docs/fuzzing.md): libyaml puts a node that ends a file without a final line
    /// break on the line after the last, so the error named a line the file does not have.
    @Test(
        "an error at the end of the file names a line of the file",
        arguments: [("---", "skein.yaml:1:"), ("---\n", "skein.yaml:1:"), ("# skein.yaml\n---", "skein.yaml:2:")])
    func endOfFile(text: String, location: String) {
        do {
            _ = try ProjectConfiguration.parse(text, path: "skein.yaml")
            Issue.record("must fail")
        } catch {
            #expect(error.description.hasPrefix(location), "\(error)")
        }
    }

    /// Found by FuzzProjectConfiguration (docs/fuzzing.md): Yams names repeated keys in an order that changes from
    /// one call to the next when one of them is not a string, and its message quotes the whole file. Skein names
    /// them itself, sorted, with the line when every repeated key is a string.
    @Test(
        "a repeated key is named once, the same way every time",
        arguments: [
            (
                "policy: warn\nlint:\n  baseline: 1\npolicy: enforce\n",
                "skein.yaml:1: repeats the key \"policy\" in one mapping; each key may appear once (see docs/configuration.md)"
            ),
            (
                "sql:\n  - gen: 1\n    ? {h: m}\n    : 1\n    codegen: 1\n    ? {h: m}\n    : 2\n    gen: 2\n    codegen: 2\n",
                "skein.yaml: repeats the keys \"codegen\", \"gen\" and one that is not a string in one mapping; each key may appear once (see docs/configuration.md)"
            ),
        ])
    func repeatedKeys(text: String, expected: String) {
        for _ in 0..<20 {
            do {
                _ = try ProjectConfiguration.parse(text, path: "skein.yaml")
                Issue.record("must fail")
            } catch {
                #expect(error.description == expected)
            }
        }
    }
}
