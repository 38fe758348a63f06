import SkeinCore
import SkeinLint
import Testing

@Suite("lint: disallowed-unique-constraint and adding-serial-primary-key-field")
struct DisallowedUniqueConstraintRuleTests {
    let name = "20240101120000_unique_emails.sql"

    @Test("ADD UNIQUE and ADD PRIMARY KEY without USING INDEX on an existing table are reported")
    func reported() {
        let up = """
            ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
            ALTER TABLE users ADD COLUMN handle text UNIQUE;
            ALTER TABLE accounts ADD PRIMARY KEY (id);
            """
        #expect(
            findings([name: migration(up: up)], only: "disallowed-unique-constraint") == [
                "migrations/\(name):2:1 warning[disallowed-unique-constraint]",
                "migrations/\(name):3:1 warning[disallowed-unique-constraint]",
            ])
        #expect(
            findings([name: migration(up: up)], only: "adding-serial-primary-key-field") == [
                "migrations/\(name):4:1 warning[adding-serial-primary-key-field]"
            ])
    }

    @Test("USING INDEX, and constraints on a table created in the same Up, are fine")
    func notReported() {
        let up = """
            ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;
            ALTER TABLE accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY USING INDEX accounts_pkey;
            CREATE TABLE IF NOT EXISTS things (id bigint, code text);
            ALTER TABLE things ADD PRIMARY KEY (id), ADD CONSTRAINT things_code_key UNIQUE (code);
            """
        #expect(findings([name: migration(up: up)], only: "disallowed-unique-constraint") == [])
        #expect(findings([name: migration(up: up)], only: "adding-serial-primary-key-field") == [])
    }
}
