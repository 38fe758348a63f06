import SkeinCore
import SkeinLint
import Testing

@Suite("lint: rename-column-multi-step")
struct RenameColumnMultiStepRuleTests {
    let name = "20240101120000_rename_name_to_full_name.sql"

    @Test("RENAME COLUMN in the Up is reported (not the Down's rename back, nor a table rename)")
    func rename() {
        let text = migration(
            up: "ALTER TABLE users RENAME COLUMN name TO full_name;",
            down: "ALTER TABLE users RENAME COLUMN full_name TO name;")
        #expect(
            findings([name: text], only: "rename-column-multi-step") == [
                "migrations/\(name):2:1 warning[rename-column-multi-step]"
            ])
        let diagnostic = Linter().lint([SourceFile(path: name, text: text)]).first {
            $0.code == "rename-column-multi-step"
        }
        #expect(diagnostic?.message.contains("users.name to full_name") == true)
        #expect(diagnostic?.help?.contains("Old column → New column → Drop old") == true)
        #expect(
            findings(
                [
                    name: migration(
                        up: "ALTER TABLE users RENAME TO people;", down: "ALTER TABLE people RENAME TO users;")
                ],
                only: "rename-column-multi-step") == [])
    }
}
