import Foundation
import SkeinCore
import Testing

/// `status` reads files without parsing them and parses only what changed since it was applied.
@Suite("deferred parsing")
struct DeferredParseTests {
    static let text = "-- DESTRUCTIVE: drops a\n-- +goose Up\nDROP TABLE a;\n-- +goose Down\nCREATE TABLE a (id int);\n"
    static let name = try! MigrationName.parse("20240101120000_drop_a.sql").get()
    static let file = SourceFile(path: "m/20240101120000_drop_a.sql", text: text)

    @Test("a file read unparsed has its name, file checksum and header, and no sections until parsed()")
    func unparsed() {
        let eager = Migration(file: Self.file, name: Self.name)
        let deferred = Migration(deferringParseOf: Self.file, name: Self.name)
        #expect(!deferred.isParsed && eager.isParsed)
        #expect(deferred.up == nil && deferred.down == nil)
        #expect(deferred.checksum == MigrationChecksum(file: eager.checksum.file, up: nil, down: nil))
        #expect(deferred.isDestructive && deferred.fileName == eager.fileName && deferred.path == eager.path)
        #expect(deferred.parsed() == eager)
        #expect(eager.parsed() == eager)
    }

    @Test("parsed() keeps the parser's environment substitution")
    func environment() throws {
        let source = SourceFile(
            path: "1_x.sql", text: "-- +goose Up\n-- +goose ENVSUB ON\nSELECT '${X}';\n-- +goose Down\nSELECT 1;\n")
        let name = try MigrationName.parse("1_x.sql").get()
        let parser = GooseParser(environmentSubstitution: .enabled(["X": "a"]))
        let parsed = Migration(deferringParseOf: source, name: name, parser: parser).parsed()
        #expect(parsed == Migration(file: source, name: name, parser: parser))
        #expect(try parsed.up?.get().statements.first?.sql == "SELECT 'a';")
    }

    @Test("an unchanged file takes the recorded checksums and stays unparsed; a changed one is parsed")
    func againstRecorded() {
        let recorded = Migration(file: Self.file, name: Self.name).checksum
        let deferred = Migration(deferringParseOf: Self.file, name: Self.name)
        let unchanged = deferred.parsed(unlessRecorded: recorded)
        #expect(!unchanged.isParsed && unchanged.checksum == recorded)
        // The same text with Windows line endings: the same file checksum, so the same sections.
        let crlf = SourceFile(path: Self.file.path, text: Self.text.replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(
            Migration(deferringParseOf: crlf, name: Self.name).parsed(unlessRecorded: recorded).checksum == recorded)
        #expect(Migration(file: crlf, name: Self.name).checksum == recorded)

        let edited = SourceFile(path: Self.file.path, text: Self.text.replacingOccurrences(of: "DROP", with: "DROP "))
        let changed = Migration(deferringParseOf: edited, name: Self.name).parsed(unlessRecorded: recorded)
        #expect(changed.isParsed && changed == Migration(file: edited, name: Self.name))
        #expect(changed.checksum.up != recorded.up)
        // Nothing recorded: nothing to compare, nothing parsed.
        #expect(!deferred.parsed(unlessRecorded: nil).isParsed)
    }

    @Test("a file that is not usable text reads unparsed and parses to the same errors")
    func unusableText() {
        let bom = SourceFile(path: "m/1_bom.sql", contents: [0xEF, 0xBB, 0xBF] + Array("-- DESTRUCTIVE: x\n".utf8))
        let name = try! MigrationName.parse("1_bom.sql").get()
        let deferred = Migration(deferringParseOf: bom, name: name)
        #expect(!deferred.isDestructive && deferred.parsed() == Migration(file: bom, name: name))
    }

    @Test("a catalog read with deferred parsing has the same names, order and findings, nothing parsed")
    func catalog() {
        let files = InMemorySource(texts: [
            "00002_b.sql": "-- +goose Up\nSELECT 1\n",
            "00001_a.sql": "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n",
            "00001_again.sql": "-- +goose Up\nSELECT 3;\n",
            "00003_c.go": "package migrations\n",
            "notes.sql": "SELECT 1;\n",
        ]).files
        let everything = MigrationCatalog(files: files)
        let deferred = MigrationCatalog(files: files, parsing: .deferred)
        #expect(deferred.migrations.map(\.fileName) == everything.migrations.map(\.fileName))
        #expect(deferred.diagnostics == everything.diagnostics)
        #expect(deferred.migrations.filter { $0.kind == .sql }.allSatisfy { !$0.isParsed })
        #expect(deferred.migrations.map { $0.parsed() } == everything.migrations)
    }
}

/// `status` lists the directory: names only, each file read when it is compared.
@Suite("listed files")
struct ListedFilesTests {
    /// A directory with two migrations, a file goose skips, a directory named like a migration and a link to
    /// nothing.
    static func directory() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("skein-list-\(UUID())").path
        try FileManager.default.createDirectory(atPath: "\(directory)/3_dir.sql", withIntermediateDirectories: true)
        try "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n".write(
            toFile: "\(directory)/1_a.sql", atomically: true, encoding: .utf8)
        try "-- DESTRUCTIVE: drops\n-- +goose Up\nDROP TABLE t;\n".write(
            toFile: "\(directory)/2_b.sql", atomically: true, encoding: .utf8)
        try "not a migration".write(toFile: "\(directory)/README.md", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: "\(directory)/4_gone.sql", withDestinationPath: "\(directory)/nowhere.sql")
        return directory
    }

    @Test("a listed catalog has the read catalog's names, order and findings; read() and parsed() give its files")
    func sameAsRead() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = DirectorySource(directory: directory)
        let listed = try MigrationCatalog(source: source, parsing: .listed)
        let deferred = try MigrationCatalog(source: source, parsing: .deferred)
        let everything = try MigrationCatalog(source: source)
        #expect(listed.migrations.map(\.path) == everything.migrations.map(\.path))
        #expect(listed.migrations.map(\.fileName) == ["1_a.sql", "2_b.sql"])
        #expect(listed.diagnostics == everything.diagnostics)
        #expect(listed.migrations.allSatisfy { !$0.isRead && !$0.isParsed && !$0.isDestructive })
        #expect(try listed.migrations.map { try $0.read() } == deferred.migrations)
        #expect(listed.migrations.map { $0.parsed() } == everything.migrations)
        #expect(try source.filePaths() == everything.migrations.map(\.path))
        // Only a directory source can read a file later: any other is read as with .deferred.
        let memory = MigrationCatalog(files: try source.sourceFiles())
        let inMemory = try MigrationCatalog(source: InMemorySource(files: try source.sourceFiles()), parsing: .listed)
        #expect(
            inMemory.migrations.allSatisfy(\.isRead) && inMemory.migrations.map { $0.parsed() } == memory.migrations)
    }

    @Test("a listed file gone before it is read: read() says which; parsed() fails both directions with why")
    func gone() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let listed = try MigrationCatalog(source: DirectorySource(directory: directory), parsing: .listed).migrations
        try FileManager.default.removeItem(atPath: "\(directory)/1_a.sql")
        let error = #expect(throws: MigrationSourceError.self) { try listed[0].read() }
        #expect(error?.path == "\(directory)/1_a.sql")
        let parsed = listed[0].parsed()
        #expect(parsed.isParsed)
        guard case .failure(let up)? = parsed.up, case .failure(let down)? = parsed.down else {
            Issue.record("expected both directions to fail: \(parsed)")
            return
        }
        #expect(up.kind == .unreadable && down.kind == .unreadable && down.direction == .down)
        #expect(up.message.contains("removed"), "\(up.message)")
        // Compared with recorded checksums, it is parsed (and so fails) rather than taken as unchanged.
        let recorded = MigrationChecksum(file: "x", up: "y", down: "z")
        #expect(listed[0].parsed(unlessRecorded: recorded) == parsed)
        #expect(!listed[1].parsed(unlessRecorded: nil).isRead)
    }
}

/// The runner's commands read the directory unparsed: the planner parses the files its steps run, no others.
@Suite("deferred parsing: the plan parses what it runs")
struct DeferredPlanTests {
    /// Three files; the second does not parse (goose would fail on it only when it reaches it).
    static let catalog = MigrationCatalog(
        files: [
            SourceFile(
                path: "m/1_a.sql", text: "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n"),
            SourceFile(path: "m/2_b.sql", text: "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n-- +goose Down\n"),
            SourceFile(
                path: "m/3_c.sql", text: "-- +goose Up\nCREATE TABLE c (id int);\n-- +goose Down\nDROP TABLE c;\n"),
        ], parsing: .deferred)

    static func records(_ versions: Int64...) -> VersionHistory {
        .rows([VersionRecord(id: 1, version: 0)] + versions.map { VersionRecord(id: $0 + 1, version: $0) })
    }

    @Test("down parses the one file it rolls back; its steps carry parsed sections")
    func down() throws {
        #expect(Self.catalog.migrations.allSatisfy { !$0.isParsed })
        let plan = MigrationPlanner().plan(.down, migrations: Self.catalog.migrations, history: Self.records(1, 2, 3))
        #expect(!plan.hasErrors, "\(plan.problems)")
        #expect(plan.steps.map(\.migration.fileName) == ["3_c.sql"])
        #expect(plan.steps[0].migration.isParsed)
        #expect(try plan.steps[0].migration.down?.get().statements.map(\.sql) == ["DROP TABLE c;"])
    }

    @Test("a step whose file does not parse is refused up front, as with every file parsed")
    func brokenStep() {
        let plan = MigrationPlanner().plan(.up, migrations: Self.catalog.migrations, history: Self.records(1))
        #expect(plan.hasErrors)
        #expect(plan.problems.contains { $0.location?.file == "m/2_b.sql" }, "\(plan.problems)")
        #expect(plan.steps.allSatisfy { $0.migration.isParsed })
    }
}
