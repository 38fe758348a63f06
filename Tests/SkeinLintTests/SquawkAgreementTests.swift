import Foundation
import SkeinCore
import SkeinLint
import SkeinTestSupport
import Testing

/// squawk (PyPI `squawk-cli`) on the PATH, or why this test cannot use it.
enum Squawk {
    static let executable: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/squawk" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }()

    static let runsInCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Runs when squawk is installed; with `CI=true` it always runs, so a missing squawk fails it.
    static var isAvailable: Bool { executable != nil || runsInCI }
    static var unavailableReason: String {
        executable == nil
            ? "squawk is not on PATH (pip install squawk-cli, or scripts/bootstrap.sh); skipping the comparison"
            : "squawk is available"
    }
}

@Suite("lint: lock-safety findings agree with squawk")
struct SquawkAgreementTests {
    /// Rules whose meaning Skein and squawk share (the same ids).
    static let sharedRules: Set<String> = [
        "constraint-missing-not-valid", "adding-not-nullable-field", "adding-field-with-default",
        "changing-column-type",
        "disallowed-unique-constraint", "adding-serial-primary-key-field", "require-concurrent-reindex",
        "require-concurrent-index-creation", "require-lock-timeout",
    ]

    /// Where Skein deliberately disagrees with squawk 2.x, as (file, rule, reported by squawk only).
    static let deliberateDifferences: [String: Set<String>] = [
        // PostgreSQL refuses NOT VALID on UNIQUE and PRIMARY KEY constraints, so Skein does not ask for it; squawk
        // reports constraint-missing-not-valid for every ADD CONSTRAINT. disallowed-unique-constraint and
        // adding-serial-primary-key-field report these lines in both tools.
        "08_unique_constraint.sql": ["constraint-missing-not-valid"],
        "10_primary_key.sql": ["constraint-missing-not-valid"],
        // Skein exempts tables created in the same file from require-lock-timeout (nothing else can hold a lock on
        // them); squawk asks for a lock_timeout before the CREATE INDEX on the new table.
        "13_new_table.sql": ["require-lock-timeout"],
    ]

    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/squawk-corpus")

    /// Corpus file name → rule ids Skein reports, each file linted as the Up of a transactional goose migration.
    func skeinFindings(_ files: [URL]) throws -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        for (index, file) in files.enumerated() {
            let up = try String(contentsOf: file, encoding: .utf8)
            let name = String(format: "2024010112%04d_corpus_file.sql", index)
            let source = SourceFile(path: "migrations/" + name, text: migration(up: up))
            result[file.lastPathComponent] = Set(
                Linter().lint([source]).map(\.code).filter(Self.sharedRules.contains))
        }
        return result
    }

    /// Corpus file name → rule ids squawk reports (`--reporter json`, each file as one transaction, as goose runs
    /// it).
    func squawkFindings(_ files: [URL], executable: String) async throws -> [String: Set<String>] {
        let output = try await ChildProcess.run(
            executable,
            ["--assume-in-transaction", "--pg-version=15.0", "--reporter", "json"] + files.map(\.path))
        let data = Data(output.stdout.utf8)
        let findings = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        var result: [String: Set<String>] = [:]
        for finding in findings {
            guard let file = finding["file"] as? String, let rule = finding["rule_name"] as? String,
                Self.sharedRules.contains(rule)
            else { continue }
            result[URL(fileURLWithPath: file).lastPathComponent, default: []].insert(rule)
        }
        return result
    }

    @Test(
        "Skein and squawk report the same lock-safety rules on the same corpus files",
        .enabled(if: Squawk.isAvailable, Comment(rawValue: Squawk.unavailableReason)))
    func agreement() async throws {
        let executable = try #require(Squawk.executable, "squawk is not on PATH, and CI=true requires it")
        let files = try FileManager.default.contentsOfDirectory(at: Self.corpus, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
        #expect(files.count >= 10)
        let skein = try skeinFindings(files)
        let squawk = try await squawkFindings(files, executable: executable)
        for file in files.map(\.lastPathComponent) {
            let differences = Self.deliberateDifferences[file] ?? []
            let expected = (squawk[file] ?? []).subtracting(differences)
            #expect(
                (skein[file] ?? []) == expected, "\(file): Skein \(skein[file] ?? []), squawk \(squawk[file] ?? [])")
            // A deliberate difference squawk no longer has is stale: remove it from the list.
            #expect(differences.isSubset(of: squawk[file] ?? []), "\(file): squawk no longer reports \(differences)")
        }
        // The corpus exercises every shared rule.
        #expect(Set(skein.values.flatMap { $0 }) == Self.sharedRules)
    }
}
