import SkeinConfig
import SkeinCore
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
    }

    @Test(
        "rejects unknown keys, bad values and bad YAML, naming the file and line",
        arguments: [
            ("migrations-dir: a\nmigratons_dir: b\n", "skein.yaml:2", "migratons_dir"),
            ("policy: strict\n", "skein.yaml:1", "strict"),
            ("- a\n- b\n", "skein.yaml", "mapping"),
            ("policy: [a\n", "skein.yaml", "YAML"),
            ("migrations-dir: [a, b]\n", "skein.yaml:1", "string"),
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
}
