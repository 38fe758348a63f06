import SkeinPostgres
import Testing

@Suite("version table names (-table)")
struct VersionTableNameTests {
    @Test(
        "SQL identifier rules",
        arguments: [
            ("goose_db_version", nil, "goose_db_version", #""goose_db_version""#),
            ("App.Goose_DB_Version", "app", "goose_db_version", #""app"."goose_db_version""#),
            (#""App"."Versions""#, "App", "Versions", #""App"."Versions""#),
            (#""we""ird""#, nil, #"we"ird"#, #""we""ird""#),
            (#""a;b""#, nil, "a;b", #""a;b""#),
            ("v2_table$", nil, "v2_table$", #""v2_table$""#),
        ])
    func parses(text: String, schema: String?, table: String, quoted: String) throws {
        let name = try VersionTableName.parse(text)
        #expect(name.schema == schema)
        #expect(name.table == table)
        #expect(name.quoted == quoted)
    }

    @Test(
        "rejects what goose would paste into SQL",
        arguments: [
            "", "goose; DROP TABLE users", "a b", "a.b.c", ".a", "a.", #""open"#, #""a"b"#, "1abc", "a-b",
        ])
    func rejects(text: String) {
        #expect(throws: VersionTableNameError.self) { try VersionTableName.parse(text) }
    }
}
