import SkeinCore
import SkeinLint
import Testing

@Suite("lint: ignored-goose-annotation")
struct IgnoredGooseAnnotationRuleTests {
    let name = "20240101120000_add_a.sql"

    @Test("lines goose v3.17 ignores are reported; what it reads is not")
    func ignored() {
        let text =
            [
                "--+goose Up",  // 1: goose trims after `--`: read
                "SELECT 1;",
                "-- +goose statementbegin",  // 3: wrong case
                "-- +goos StatementEnd",  // 4: misspelled
                "  -- +goose StatementBegin",  // 5: indented
                "-- +goose StatementEnd -- closes the block",  // 6: words after it
                "-- +goose NO TRANSACTIONS",  // 7: misspelled
                "-- goose up",  // 8: no `+`
                "-- this runs before goose down",  // 9: a comment
                "-- goose updates nothing here",  // 10: a comment
                "--\t+goose Down",  // 11: read
                "SELECT 2;",
                "-- +goose ENVSUB ON",  // 13: read (v3.18, Skein)
                "-- +goose Frobnicate",  // 14: unknown
            ].joined(separator: "\n") + "\n"
        #expect(
            findings([name: text], only: "ignored-goose-annotation")
                == [
                    "3:1", "4:1", "5:3", "6:1", "7:1", "8:1", "14:1",
                ].map { "migrations/\(name):\($0) error[ignored-goose-annotation]" })
        let messages = Linter().lint([SourceFile(path: name, text: text)]).filter {
            $0.code == "ignored-goose-annotation"
        }
        #expect(messages.first?.help == "write `-- +goose StatementBegin` exactly, at the start of the line")
        #expect(messages.dropFirst(2).first?.message.contains("indented") == true)
    }

    @Test("a file with exact annotations has no findings")
    func exact() {
        let text =
            "-- +goose NO TRANSACTION\n-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n-- +goose StatementEnd\n-- +goose Down\nSELECT 2;\n"
        #expect(findings([name: text], only: "ignored-goose-annotation") == [])
    }
}
