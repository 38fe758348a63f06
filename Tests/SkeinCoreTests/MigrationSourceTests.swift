import Foundation
import SkeinCore
import Testing

@Suite("migration sources and catalog")
struct MigrationSourceTests {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("skein-src-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("a directory source reads *.sql and *.go of exactly that directory, not subdirectories")
    func directory() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let valid = "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n"
        try valid.write(to: root.appendingPathComponent("00001_a.sql"), atomically: true, encoding: .utf8)
        try "package m".write(to: root.appendingPathComponent("00002_b.go"), atomically: true, encoding: .utf8)
        try "package m".write(to: root.appendingPathComponent("00003_b_test.go"), atomically: true, encoding: .utf8)
        try "package m".write(to: root.appendingPathComponent("helpers.go"), atomically: true, encoding: .utf8)
        try "notes".write(to: root.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("nested"), withIntermediateDirectories: true)
        try valid.write(to: root.appendingPathComponent("nested/00004_c.sql"), atomically: true, encoding: .utf8)

        let source = DirectorySource(directory: root.path)
        let files = try source.sourceFiles()
        #expect(Set(files.map(\.fileName)) == ["00001_a.sql", "00002_b.go", "00003_b_test.go", "helpers.go"])
        #expect(files.allSatisfy { $0.path.hasPrefix(root.path + "/") })

        let catalog = MigrationCatalog(files: files)
        #expect(catalog.migrations.map(\.fileName) == ["00001_a.sql", "00002_b.go"])
        #expect(catalog.migrations[1].kind == .go && catalog.migrations[1].up == nil)
        #expect(catalog.diagnostics.isEmpty)
    }

    @Test("a missing directory is a clear error naming it")
    func missingDirectory() {
        #expect(throws: MigrationSourceError.self) {
            try DirectorySource(directory: "/nonexistent/skein-\(UUID().uuidString)").sourceFiles()
        }
        do {
            _ = try DirectorySource(directory: "/nonexistent/xyz").sourceFiles()
        } catch {
            #expect(error.description.contains("/nonexistent/xyz"))
            #expect(error.description.contains("does not exist"))
        }
    }

    @Test("an unreadable directory is a clear error", .enabled(if: geteuid() != 0, "root can read any directory"))
    func unreadableDirectory() throws {
        let root = try temporaryDirectory()
        defer {
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root.path)
            try? FileManager.default.removeItem(at: root)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: root.path)
        #expect(throws: MigrationSourceError.self) { try DirectorySource(directory: root.path).sourceFiles() }
    }

    @Test("an in-memory source keeps the given paths")
    func inMemory() throws {
        let source = InMemorySource(texts: [
            "00002_b.sql": "-- +goose Up\nSELECT 2;\n", "00001_a.sql": "-- +goose Up\nSELECT 1;\n",
        ])
        let catalog = try MigrationCatalog(source: source)
        #expect(catalog.migrations.map(\.path) == ["migrations/00001_a.sql", "migrations/00002_b.sql"])
    }

    @Test("SQL names goose cannot read and duplicate versions are reported, all at once")
    func catalogProblems() throws {
        let source = InMemorySource(texts: [
            "00001_a.sql": "-- +goose Up\nSELECT 1;\n", "001_a_again.sql": "-- +goose Up\nSELECT 1;\n",
            "abc.sql": "", "x_y.sql": "",
        ])
        let catalog = try MigrationCatalog(source: source)
        #expect(
            catalog.diagnostics.map(\.code).sorted() == [
                "duplicate-version", "invalid-migration-name", "invalid-migration-name",
            ])
        #expect(catalog.diagnostics.allSatisfy { $0.location != nil })
    }

    @Test("non-UTF-8 bytes and a BOM fail both directions with the line and a fix")
    func encoding() throws {
        let name = try MigrationName.parse("00001_a.sql").get()
        let latin1 = SourceFile(
            path: "00001_a.sql", contents: Array("-- +goose Up\nSELECT 'caf".utf8) + [0xE9] + Array("';\n".utf8))
        let migration = Migration(file: latin1, name: name)
        guard case .failure(let error) = migration.up else {
            Issue.record("must fail")
            return
        }
        #expect(error.kind == .invalidEncoding && error.line == 2)
        let bom = SourceFile(
            path: "00001_a.sql", contents: [0xEF, 0xBB, 0xBF] + Array("-- +goose Up\nSELECT 1;\n".utf8))
        guard case .failure(let bomError) = Migration(file: bom, name: name).down else {
            Issue.record("must fail")
            return
        }
        #expect(bomError.kind == .byteOrderMark && bomError.line == 1)
    }
}
