import SkeinCore
import SkeinLint
import Testing

@Suite("lint: goose-split-mismatch")
struct GooseSplitMismatchRuleTests {
    let name = "20240101120000_create_touch_function.sql"
    let function = """
        CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          NEW.updated_at := now();
          RETURN NEW;
        END;
        $$;
        """

    @Test("a function body outside StatementBegin/End: one finding, instead of syntax errors")
    func cut() {
        let text = migration(up: function, down: "DROP FUNCTION IF EXISTS touch();")
        #expect(
            findings([name: text], only: "goose-split-mismatch") == [
                "migrations/\(name):2:1 error[goose-split-mismatch]"
            ])
        #expect(findings([name: text], only: "syntax-error") == [])
        let diagnostic = Linter().lint([SourceFile(path: name, text: text)]).first { $0.code == "goose-split-mismatch" }
        #expect(diagnostic?.message.hasPrefix("Up: goose cuts lines 2–7 into 4 queries") == true)
        #expect(
            diagnostic?.message.contains(
                "the first, `CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$` (lines 2–4), does not parse on its own"
            ) == true)
        #expect(diagnostic?.help?.contains("-- +goose StatementBegin / -- +goose StatementEnd") == true)
    }

    @Test("wrapped in StatementBegin/End, or a plain syntax error: no mismatch")
    func noCut() {
        let wrapped = migration(
            up: "-- +goose StatementBegin\n" + function + "\n-- +goose StatementEnd",
            down: "DROP FUNCTION IF EXISTS touch();")
        #expect(findings([name: wrapped], only: "goose-split-mismatch") == [])
        #expect(findings([name: wrapped], only: "syntax-error") == [])
        let broken = migration(up: "SELECT\n  FROM WHERE;\nSELECT 1;")
        #expect(findings([name: broken], only: "goose-split-mismatch") == [])
        #expect(findings([name: broken], only: "syntax-error") == ["migrations/\(name):3:8 error[syntax-error]"])
    }
}
