import SkeinCore
import Testing

@Suite("create's decisions")
struct MigrationCreationTests {
    func plan(
        _ name: String, numbering: MigrationCreation.Numbering = .timestamp("20240115143022"),
        policy: PolicyEnforcement = .enforce, existing: [Int64] = []
    ) -> Result<MigrationCreation.NewMigration, MigrationCreation.Refusal> {
        let migrations = existing.map { version in
            Migration(
                path: "m/\(version)_x.sql",
                name: MigrationName(fileName: "\(version)_x.sql", version: version, description: "x", kind: .sql),
                up: nil, down: nil, checksum: MigrationChecksum(file: "", up: nil, down: nil))
        }
        return MigrationCreation.plan(
            name: name, style: .standard, numbering: numbering, policy: policy, existing: migrations)
    }

    @Test("a policy name gets the timestamp and the template")
    func standard() throws {
        let new = try plan("add_user_roles").get()
        #expect(new.fileName == "20240115143022_add_user_roles.sql")
        #expect(new.text.hasPrefix("-- +goose Up\n") && new.warnings.isEmpty)
    }

    @Test(
        "forbidden names are refused with the corrected one under enforce",
        arguments: [
            ("AddUserTable", "add_user_table"), ("add user table", "add_user_table"),
            ("add-user-table", "add_user_table"),
        ])
    func refused(name: String, corrected: String) {
        guard case .failure(let refusal) = plan(name) else {
            Issue.record("must refuse")
            return
        }
        #expect(refusal.message.contains(corrected))
    }

    @Test("warn (goose mode) names the file as goose would and warns")
    func gooseNaming() throws {
        let new = try plan("AddUserTable", policy: .warn).get()
        #expect(new.fileName == "20240115143022_addusertable.sql")
        #expect(new.warnings.map(\.code).contains("migration-name-snake-case"))
    }

    @Test("sequential numbering follows goose's -s, only under warn")
    func sequential() throws {
        let new = try plan("add_x", numbering: .sequential, policy: .warn, existing: [1, 2, 20_240_101_120_000]).get()
        #expect(new.fileName == "00003_add_x.sql")
        #expect((try? plan("add_x", numbering: .sequential).get()) == nil)
    }

    @Test("a file created in the same second takes the next free second; a sequential clash is refused")
    func clash() throws {
        #expect(
            try plan("add_x", existing: [20_240_115_143_022, 20_240_115_143_023]).get().fileName
                == "20240115143024_add_x.sql")
        #expect(
            try plan("add_x", numbering: .timestamp("20241231235959"), existing: [20_241_231_235_959]).get().fileName
                == "20250101000000_add_x.sql")
        #expect(
            try plan("add_x", numbering: .timestamp("20240228235959"), existing: [20_240_228_235_959]).get().fileName
                == "20240229000000_add_x.sql")  // a leap year
        #expect(
            try plan("add_x", numbering: .timestamp("20230228235959"), existing: [20_230_228_235_959]).get().fileName
                == "20230301000000_add_x.sql")
    }
}

@Suite("goose's fix")
struct MigrationRenumberingTests {
    func migration(_ path: String) throws -> Migration {
        let name = try MigrationName.parse(path).get()
        return Migration(
            path: path, name: name, up: nil, down: nil, checksum: MigrationChecksum(file: "", up: nil, down: nil))
    }

    @Test("timestamped versions follow the highest sequential one, in version order")
    func renumbers() throws {
        let renames = MigrationRenumbering.plan([
            try migration("m/20240201120000_b.sql"), try migration("m/00002_x.sql"),
            try migration("m/20240101120000_a.sql"),
            try migration("m/00001_w.sql"),
        ])
        #expect(renames.map(\.to) == ["m/00003_a.sql", "m/00004_b.sql"])
        #expect(MigrationRenumbering.plan([try migration("m/20240101120000_a.sql")]).map(\.to) == ["m/00001_a.sql"])
    }
}
