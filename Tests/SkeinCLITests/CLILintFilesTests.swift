import Foundation
import SkeinTestSupport
import Testing

/// Which files `skein lint` reports: `--changed`, `--changed-since` (a pull request in CI), `--in-context` (what a
/// pre-commit hook passes), and `--exit-zero` (save SARIF, fail later). Each reads the whole directory (earlier
/// files give context) and reports only the files asked for.
@Suite("skein binary: lint reports the files asked for, with the others as context")
struct CLILintFilesTests {
    static let createTable = "-- +goose Up\nCREATE TABLE t (a int);\n-- +goose Down\nDROP TABLE t;\n"
    static let addIndex =
        "-- +goose Up\nCREATE INDEX IF NOT EXISTS i ON t (a);\n-- +goose Down\nDROP INDEX IF EXISTS i;\n"
    /// An error (`NOT NULL` without a default on an existing table), so the exit status says whether it was reported.
    static let addColumn =
        "-- +goose Up\nALTER TABLE t ADD COLUMN b int NOT NULL;\n-- +goose Down\nALTER TABLE t DROP COLUMN IF EXISTS b;\n"

    /// A git repository in a fresh directory.
    struct Repository {
        let dir: MigrationsDirectory

        init() async throws {
            dir = try MigrationsDirectory()
            try await git("init", "-q", "-b", "main")
        }

        func git(_ arguments: String...) async throws {
            let git = try await ChildProcess.run(
                "git", ["-c", "user.email=t@example.com", "-c", "user.name=t"] + arguments, directory: dir.url)
            #expect(git.status == 0, "git \(arguments): \(git.stderr)")
        }

        func commit(_ name: String, _ text: String) async throws {
            try dir.write(name, text)
            try await git("add", ".")
            try await git("commit", "-qm", name)
        }
    }

    @Test("--changed reports only files git sees as new or changed, with earlier files as context")
    func changed() async throws {
        let repository = try await Repository()
        defer { repository.dir.delete() }
        try await repository.commit("20240101120000_create_t_table.sql", Self.createTable)
        try repository.dir.write("20240102120000_add_index_to_t.sql", Self.addIndex)
        let result = try await SkeinBinary.run(["lint", "--changed", "."], in: repository.dir.url)
        #expect(
            result.stdout.contains("20240102120000_add_index_to_t.sql:2:1: warning[require-concurrent-index-creation]"))
        #expect(!result.stdout.contains("20240101120000_create_t_table.sql"), "\(result.stdout)")
    }

    @Test("--changed-since: a branch's commits are reported, main's are context; an unknown revision says to fetch it")
    func changedSince() async throws {
        let repository = try await Repository()
        defer { repository.dir.delete() }
        // main: the table and a column that breaks the rules (an error), already merged.
        try await repository.commit("20240101120000_create_t_table.sql", Self.createTable)
        try await repository.commit("20240101130000_add_b_to_t.sql", Self.addColumn)
        // A pull request's branch adds an index, committed: a CI checkout, where --changed sees nothing.
        try await repository.git("checkout", "-q", "-b", "feature")
        try await repository.commit("20240102120000_add_index_to_t.sql", Self.addIndex)
        // main moves on after the branch started: its new file is not the branch's.
        try await repository.git("checkout", "-q", "main")
        try await repository.commit("20240103120000_create_u_table.sql", Self.createTable.replacing("t", with: "u"))
        try await repository.git("checkout", "-q", "feature")

        let nothing = try await SkeinBinary.run(["lint", "--changed", "."], in: repository.dir.url)
        #expect(nothing.status == 0 && nothing.stdout == "0 errors, 0 warnings\n", "\(nothing.stdout)")

        let branch = try await SkeinBinary.run(["lint", "--changed-since", "main", "."], in: repository.dir.url)
        #expect(branch.status == 0, "\(branch.stdout)\(branch.stderr)")
        #expect(
            branch.stdout.contains("20240102120000_add_index_to_t.sql:2:1: warning[require-concurrent-index-creation]"),
            "\(branch.stdout)")
        #expect(!branch.stdout.contains("20240101130000_add_b_to_t.sql"), "\(branch.stdout)")

        let everything = try await SkeinBinary.run(["lint", "."], in: repository.dir.url)
        #expect(everything.status == 1 && everything.stdout.contains("20240101130000_add_b_to_t.sql"))

        let unknown = try await SkeinBinary.run(
            ["lint", "--changed-since", "origin/main", "."], in: repository.dir.url)
        #expect(unknown.status != 0 && unknown.stderr.contains("fetch-depth: 0"), "\(unknown.stderr)")
        let both = try await SkeinBinary.run(["lint", "--changed", "--changed-since", "main"], in: repository.dir.url)
        #expect(both.status == 2 && both.stderr.contains("give one"), "\(both.stderr)")
    }

    @Test("--in-context: only the files given are reported, their directory read for context; --exit-zero exits 0")
    func inContext() async throws {
        let dir = try MigrationsDirectory()
        defer { dir.delete() }
        try dir.write("20240101120000_create_t_table.sql", Self.createTable)
        try dir.write("20240101130000_add_b_to_t.sql", Self.addColumn)
        try dir.write("20240102120000_add_index_to_t.sql", Self.addIndex)
        let given = "\(dir.path)/20240102120000_add_index_to_t.sql"

        let hook = try await SkeinBinary.run(["lint", "--in-context", given])
        #expect(hook.status == 0, "\(hook.stdout)\(hook.stderr)")
        #expect(
            hook.stdout.contains("20240102120000_add_index_to_t.sql:2:1: warning[require-concurrent-index-creation]"))
        #expect(!hook.stdout.contains("add_b_to_t"), "\(hook.stdout)")

        let erroneous = try await SkeinBinary.run(["lint", "--in-context", "\(dir.path)/20240101130000_add_b_to_t.sql"])
        #expect(erroneous.status == 1 && erroneous.stdout.contains("add_b_to_t.sql:2"), "\(erroneous.stdout)")
        let saved = try await SkeinBinary.run([
            "lint", "--exit-zero", "--format", "sarif", "--in-context", "\(dir.path)/20240101130000_add_b_to_t.sql",
        ])
        #expect(saved.status == 0 && saved.stdout.contains(#""level":"error""#), "\(saved.stdout)")

        // A file that is not in a migration's name form is still linted, on its own.
        try dir.write("notes.sql", "-- +goose Up\nALTER TABLE t ADD COLUMN c int NOT NULL;\n")
        let stray = try await SkeinBinary.run(["lint", "--in-context", "\(dir.path)/notes.sql"])
        #expect(stray.stdout.contains("notes.sql"), "\(stray.stdout)")
    }
}
