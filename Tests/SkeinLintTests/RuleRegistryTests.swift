import Foundation
import SkeinCore
import SkeinLint
import Testing

@Suite("lint: the registry of rule ids")
struct RuleRegistryTests {
    /// The squawk corpus (each file as the Up of a transactional migration, as ``SquawkAgreementTests`` lints it)
    /// and files made to trip the other rules.
    static var fixtures: [SourceFile] {
        get throws {
            let corpus = try FileManager.default.contentsOfDirectory(
                at: SquawkAgreementTests.corpus, includingPropertiesForKeys: nil
            )
            .filter { $0.pathExtension == "sql" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
            let corpusFiles = try corpus.enumerated().map { index, file in
                SourceFile(
                    path: "migrations/" + String(format: "2024010112%04d_corpus_file.sql", index),
                    text: migration(up: try String(contentsOf: file, encoding: .utf8)))
            }
            let function = """
                CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  NEW.updated_at := now();
                  RETURN NEW;
                END;
                $$;
                """
            let problems = [
                "20240201120000_Add_Things.sql": migration(up: "CREATE TABLE things (id int);"),
                "20240202120000_drop_legacy.sql": migration(
                    up: "DROP TABLE legacy;\nALTER TABLE users RENAME COLUMN a TO b;",
                    down: "CREATE TABLE legacy (id int);\nALTER TABLE users DROP CONSTRAINT users_check;"),
                "20240203120000_add_checks.sql": migration(
                    up: "ALTER TABLE users ADD CHECK (a > 0);\nCREATE INDEX CONCURRENTLY i ON users (a);\nSELEC 1;",
                    down: "DROP INDEX i;"),
                "20240204120000_create_touch.sql": migration(up: function, down: "DROP FUNCTION IF EXISTS touch();"),
                "20240205120000_add_schema.sql": migration(
                    up: "CREATE SCHEMA IF NOT EXISTS app;", header: "-- +goose no transaction\n"),
                "20240206120000_add_items.sql": "CREATE TABLE items (id int);\n",
                "20240207120000_begin_work.sql": migration(up: "BEGIN;\nSELECT 1;\nCOMMIT;"),
                "20240208120000_add_tenant.sql": migration(
                    up: "ALTER TABLE orders ADD COLUMN tenant_id bigint NOT NULL;",
                    down: "ALTER TABLE orders DROP COLUMN IF EXISTS tenant_id;"),
                "20990101000000_create_future.sql": migration(up: "SELECT 1;"),
            ]
            return corpusFiles
                + problems.sorted { $0.key < $1.key }.map {
                    SourceFile(path: "migrations/" + $0.key, text: $0.value)
                }
        }
    }

    @Test("every rule id in the registry is unique and kebab-case")
    func idsAreUniqueAndKebabCase() {
        let ids = Linter.catalog.map(\.id)
        let repeated = Dictionary(grouping: ids, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
        #expect(repeated == [], "ids registered more than once: \(repeated)")
        for id in ids {
            #expect(id.wholeMatch(of: /[a-z][a-z0-9]*(-[a-z0-9]+)*/) != nil, "\(id) is not kebab-case")
        }
        // Each rule registers at least one id.
        for rule in Linter.allRules {
            #expect(!rule.rules.isEmpty, "\(type(of: rule)) registers no id")
        }
    }

    @Test("every finding on the fixtures names a registered id, one its own rule registers")
    func findingsNameRegisteredIds() throws {
        let fixtures = try Self.fixtures
        let catalog = MigrationCatalog(files: fixtures)
        #expect(catalog.migrations.count == fixtures.count)
        var context = LintContext()
        context.now = Date(timeIntervalSince1970: 1_735_689_600)  // 2025-01-01 00:00 UTC
        // A saved lock trace (lint --trace) that saw the first fixture's first statement rewrite a table.
        let first = try #require(catalog.migrations.first)
        context.trace[first.version] = MigrationLockTrace(
            version: first.version, file: first.path, transactional: true,
            statements: [
                StatementLockTrace(
                    line: 1, sql: "ALTER TABLE t ALTER COLUMN a TYPE bigint",
                    locks: [TracedLock(relation: "public.t", kind: "table", mode: .accessExclusive)], method: .read,
                    rewrote: ["public.t"])
            ])
        // The rules themselves: the linter would drop a finding under an id it does not know, so ask each rule.
        var rulesThatFound: Set<String> = []
        for migration in catalog.migrations {
            let text = try #require(fixtures.first { $0.path == migration.path }).decodedText().get()
            let file = LintFile(migration: migration, text: text)
            for rule in Linter.allRules {
                let own = Set(rule.rules.map(\.id))
                for finding in rule.check(file, context: context) {
                    #expect(
                        own.contains(finding.rule),
                        "\(type(of: rule)) reported \(finding.rule) on \(migration.fileName), not one of \(own.sorted())"
                    )
                    rulesThatFound.insert(String(describing: type(of: rule)))
                }
            }
        }
        // The fixtures exercise every rule.
        let allRules = Set(Linter.allRules.map { String(describing: type(of: $0)) })
        #expect(rulesThatFound == allRules, "no findings from \(allRules.subtracting(rulesThatFound).sorted())")
        // And what the linter reports, catalog findings included, is under registered ids.
        let registered = Set(Linter.catalog.map(\.id))
        var configuration = LintConfiguration()
        configuration.now = context.now
        let diagnostics = Linter(configuration: configuration).lint(fixtures)
        #expect(!diagnostics.isEmpty)
        for diagnostic in diagnostics {
            #expect(registered.contains(diagnostic.code), "\(diagnostic.code) is not a registered id")
        }
    }
}
