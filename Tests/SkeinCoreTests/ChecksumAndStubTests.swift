import Foundation
import SkeinCore
import Testing

@Suite("checksums")
struct ChecksumTests {
    let text = "-- +goose Up\nCREATE TABLE a (id int);\n\n-- +goose Down\nDROP TABLE a;\n"

    func migration(_ text: String, name: String = "20240101120000_create_a.sql") throws -> Migration {
        Migration(file: SourceFile(path: "m/\(name)", text: text), name: try MigrationName.parse(name).get())
    }

    @Test("the file checksum is SHA-256 of the text with CRLF turned into LF")
    func fileChecksum() {
        #expect(
            MigrationChecksum.fileChecksum(of: "") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
        #expect(
            MigrationChecksum.fileChecksum(of: "abc")
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            MigrationChecksum.fileChecksum(of: text.replacingOccurrences(of: "\n", with: "\r\n"))
                == MigrationChecksum.fileChecksum(of: text))
        #expect(MigrationChecksum.normalizedLineEndings("a\r\nb\rc\r") == "a\nb\rc\r")
    }

    @Test("a comment outside statements changes only the file checksum; a Down edit changes only down")
    func sections() throws {
        let base = try migration(text).checksum
        let commented = try migration("-- note\n" + text).checksum
        #expect(commented.file != base.file)
        #expect(commented.up == base.up && commented.down == base.down)
        let newDown = try migration(text.replacingOccurrences(of: "DROP TABLE a;", with: "DROP TABLE IF EXISTS a;"))
            .checksum
        #expect(newDown.up == base.up && newDown.down != base.down)
        let noTx = try migration("-- +goose NO TRANSACTION\n" + text).checksum
        #expect(noTx.up != base.up)
    }

    @Test("a direction that does not parse has no section checksum")
    func unparsable() throws {
        let checksum = try migration("-- +goose Up\nSELECT 1\n-- +goose Down\nSELECT 2;\n").checksum
        #expect(checksum.up == nil && checksum.down != nil)
    }

    @Test("ENVSUB values do not change the checksums")
    func envsubIndependent() throws {
        let source = "-- +goose Up\n-- +goose ENVSUB ON\nSELECT '${X}';\n-- +goose Down\nSELECT 1;\n"
        let name = try MigrationName.parse("1_x.sql").get()
        let a = Migration(
            file: SourceFile(path: "1_x.sql", text: source), name: name,
            parser: GooseParser(environmentSubstitution: .enabled(["X": "a"])))
        let b = Migration(
            file: SourceFile(path: "1_x.sql", text: source), name: name,
            parser: GooseParser(environmentSubstitution: .enabled(["X": "b"])))
        #expect(a.checksum == b.checksum)
        #expect(try a.up?.get().statements.first?.sql == "SELECT 'a';")
    }
}

@Suite("manual-recovery Down stub")
struct ManualRecoveryStubTests {
    @Test(
        "recognizes the policy's stub and its spellings",
        arguments: [
            "SELECT 'MANUAL_RECOVERY_REQUIRED' as status;", "select 'MANUAL_RECOVERY_REQUIRED';",
            "SELECT  'MANUAL_RECOVERY_REQUIRED'  AS  \"status\" ;", "SELECT 'MANUAL_RECOVERY_REQUIRED' status",
        ])
    func stub(sql: String) {
        #expect(ManualRecoveryStub.isStub(sql))
    }

    @Test(
        "real statements are not the stub",
        arguments: [
            "SELECT 'manual_recovery_required';", "SELECT 'MANUAL_RECOVERY_REQUIRED', 1;",
            "CREATE TABLE x (id int);", "SELECT 'MANUAL_RECOVERY_REQUIRED' as status; DROP TABLE x;",
        ])
    func notStub(sql: String) {
        #expect(!ManualRecoveryStub.isStub(sql))
    }

    @Test("a Down is the stub only when all of its statements are")
    func sections() throws {
        let policy = """
            -- DESTRUCTIVE: This migration drops the deprecated user_sessions table
            -- +goose Up
            DROP TABLE IF EXISTS user_sessions;

            -- +goose Down
            -- Cannot automatically reverse - requires manual data restoration
            SELECT 'MANUAL_RECOVERY_REQUIRED' as status;
            """
        let migration = Migration(
            file: SourceFile(path: "20240101120000_drop_user_sessions.sql", text: policy),
            name: try MigrationName.parse("20240101120000_drop_user_sessions.sql").get())
        #expect(migration.hasManualRecoveryDown)
        #expect(!ManualRecoveryStub.isStub(GooseSection(statements: [], transactionMode: .transaction)))
        let mixed = GooseSection(
            statements: [
                Statement(sql: "SELECT 'MANUAL_RECOVERY_REQUIRED';", line: 1),
                Statement(sql: "CREATE TABLE t ();", line: 2),
            ], transactionMode: .transaction)
        #expect(!ManualRecoveryStub.isStub(mixed))
    }
}
