import SkeinCore
import SkeinLint
import Testing

@Suite("lint: require-lock-timeout")
struct RequireLockTimeoutRuleTests {
    let name = "20240101120000_alter_users.sql"

    @Test("altering or indexing an existing table without a lock_timeout first: one finding, at the first statement")
    func reported() {
        let up = """
            CREATE TABLE IF NOT EXISTS things (id bigint);
            ALTER TABLE things ADD COLUMN label text;
            CREATE INDEX IF NOT EXISTS users_email_idx ON users (email);
            ALTER TABLE users ADD COLUMN nickname text;
            """
        #expect(
            findings([name: migration(up: up)], only: "require-lock-timeout") == [
                "migrations/\(name):4:1 warning[require-lock-timeout]"
            ])
        // The timeout set after the statement, or turned off before it, does not count.
        let late = "ALTER TABLE users ADD COLUMN nickname text;\nSET LOCAL lock_timeout = '5s';"
        #expect(
            findings([name: migration(up: late)], only: "require-lock-timeout") == [
                "migrations/\(name):2:1 warning[require-lock-timeout]"
            ])
        let off = "SET lock_timeout = '5s';\nSET lock_timeout = 0;\nALTER TABLE users ADD COLUMN nickname text;"
        #expect(
            findings([name: migration(up: off)], only: "require-lock-timeout") == [
                "migrations/\(name):4:1 warning[require-lock-timeout]"
            ])
    }

    @Test("SET [LOCAL] lock_timeout first, NO TRANSACTION files, and new tables only are fine")
    func notReported() {
        for set in [
            "SET lock_timeout = '5s';", "SET LOCAL lock_timeout TO 5000;",
            "SELECT set_config('lock_timeout', '5s', true);",
        ] {
            let up = set + "\nALTER TABLE users ADD COLUMN nickname text;"
            #expect(findings([name: migration(up: up)], only: "require-lock-timeout") == [], "\(set)")
        }
        let noTransaction =
            "-- +goose NO TRANSACTION\n"
            + migration(up: "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);")
        #expect(findings([name: noTransaction], only: "require-lock-timeout") == [])
        let fresh =
            "CREATE TABLE IF NOT EXISTS things (id bigint);\nCREATE INDEX IF NOT EXISTS things_id ON things (id);"
        #expect(findings([name: migration(up: fresh)], only: "require-lock-timeout") == [])
    }

    @Test("a runner that sets lock_timeout itself (skein.yaml's lock-timeout) satisfies the rule")
    func runnerSetsIt() {
        let file = SourceFile(
            path: "migrations/" + name, text: migration(up: "ALTER TABLE users ADD COLUMN nickname text;"))
        var configuration = LintConfiguration()
        configuration.only = ["require-lock-timeout"]
        #expect(Linter(configuration: configuration).lint([file]).count == 1)
        configuration.runnerSetsLockTimeout = true
        #expect(Linter(configuration: configuration).lint([file]).isEmpty)
    }
}
