import SkeinCore
import SkeinLint
import SkeinSQL
import Testing

@Suite("lint: the lock each kind of DDL takes, and the messages that name it")
struct LockTableTests {
    @Test(
        "the conflict table is PostgreSQL's: symmetric, ACCESS EXCLUSIVE conflicts with all, ACCESS SHARE only with it")
    func conflicts() {
        for a in TableLockMode.allCases {
            for b in TableLockMode.allCases {
                #expect(a.conflicts(with: b) == b.conflicts(with: a), "\(a) / \(b)")
            }
            #expect(a.conflicts(with: .accessExclusive))
        }
        #expect(TableLockMode.allCases.filter { TableLockMode.accessShare.conflicts(with: $0) } == [.accessExclusive])
        #expect(!TableLockMode.shareUpdateExclusive.blocksTraffic)
        #expect(TableLockMode.share.blocksTraffic && TableLockMode.accessExclusive.blocksTraffic)
    }

    static func lock(_ sql: String) throws -> TableLockMode? {
        let statement = try #require(try SQLGrammar.parse(sql).get().first)
        let body = try #require(statement.node[statement.nodeType])
        return LockTable.lock(of: statement.nodeType, body)
    }

    @Test(
        "statements and their locks, from PostgreSQL's documentation",
        arguments: [
            ("ALTER TABLE t ADD COLUMN c int", TableLockMode.accessExclusive),
            ("ALTER TABLE t VALIDATE CONSTRAINT t_c", .shareUpdateExclusive),
            ("ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id) NOT VALID", .shareRowExclusive),
            ("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID", .accessExclusive),
            ("ALTER TABLE t SET (fillfactor = 70)", .shareUpdateExclusive),
            ("ALTER TABLE t ALTER COLUMN c SET STATISTICS 500", .shareUpdateExclusive),
            ("ALTER TABLE t DISABLE TRIGGER tr", .shareRowExclusive),
            ("CREATE INDEX i ON t (a)", .share),
            ("CREATE INDEX CONCURRENTLY i ON t (a)", .shareUpdateExclusive),
            ("REINDEX TABLE t", .share),
            ("CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", .shareRowExclusive),
            ("DROP TABLE t", .accessExclusive),
            ("TRUNCATE t", .accessExclusive),
            ("VACUUM t", .shareUpdateExclusive),
            ("REFRESH MATERIALIZED VIEW CONCURRENTLY m", .exclusive),
        ])
    func locks(_ sql: String, _ mode: TableLockMode) throws {
        #expect(try Self.lock(sql) == mode)
    }

    @Test("require-lock-timeout names the lock and what waits behind it; VALIDATE CONSTRAINT does not queue traffic")
    func messages() {
        let name = "20240101120000_alter_users.sql"
        let sources = [
            SourceFile(
                path: "migrations/" + name,
                text: migration(up: "ALTER TABLE users ADD COLUMN nickname text;")),
            SourceFile(
                path: "migrations/20240102120000_index_users.sql",
                text: migration(up: "CREATE INDEX IF NOT EXISTS users_email_idx ON users (email);")),
            SourceFile(
                path: "migrations/20240103120000_validate_orders_fk.sql",
                text: migration(up: "ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;")),
        ]
        var configuration = LintConfiguration()
        configuration.only = ["require-lock-timeout"]
        let messages = Linter(configuration: configuration).lint(sources).map(\.message)
        #expect(
            messages == [
                "ALTER TABLE users takes ACCESS EXCLUSIVE and waits for it without a limit; while it waits, every query on the table, reads included, queues behind it",
                "CREATE INDEX on users takes SHARE and waits for it without a limit; while it waits, writes to the table (INSERT, UPDATE, DELETE) queue behind it; reads do not",
            ])
    }
}
