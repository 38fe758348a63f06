import SkeinTestSupport
import Testing

@testable import SkeinCodegen

/// A committed describe cache written by another server holds the same answers with other OIDs for the schema's
/// objects: `answersTheSame(as:)` sees that without a replay, and sees anything else as different.
@Suite("describe cache: the same answers up to the schema's OIDs", .requiresPostgreSQL)
struct DescribeCacheOIDTests {
    static let schema = [
        "CREATE TYPE mood AS ENUM ('happy', 'sad')",
        "CREATE DOMAIN zip_code AS text CHECK (VALUE ~ '^[0-9]{5}$')",
        "CREATE TYPE address AS (street text, zip zip_code)",
        "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, mood mood, home address, zips zip_code[])",
        "CREATE TABLE events (id bigint PRIMARY KEY, user_id bigint REFERENCES users, mood mood NOT NULL)",
    ]
    static let queries = """
        -- name: GetUser :one
        SELECT * FROM users WHERE id = $1;

        -- name: ListEvents :many
        SELECT e.id, e.mood, u.email, u.home FROM events e LEFT JOIN users u ON u.id = e.user_id WHERE e.mood = $1;

        -- name: AddUser :one
        INSERT INTO users (id, email, mood, zips) VALUES ($1, $2, $3, $4) RETURNING id, mood;
        """

    /// The schema on a fresh database (after `before`, which spends OIDs), the queries described there: the cache
    /// recorded, and the files generated.
    func record(before: [String] = [], after: [String] = []) async throws -> (DescribeCache, [GeneratedFile]) {
        let database = try await TestDatabase.makeFreshDatabase()
        let describer = try QueryDescriber(connectionString: database.text)
        for statement in before + Self.schema + after { try await describer.run(statement) }
        let recorder = RecordingDescriber(describer, postgresMajor: 15, schema: "the same schema")
        let options = CodegenConfiguration.SwiftOptions(out: "out")
        let analysis = try await PackageAnalysis.analyze(
            queryFiles: [("queries/q.sql", Self.queries)], options: options, describer: recorder)
        // And a statement PostgreSQL rejects (the analysis would stop at it): its answer is kept too.
        _ = try await recorder.describe(["SELECT nothing FROM users"])
        return (recorder.cache, SwiftEmitter(options: options).files(for: analysis))
    }

    /// Spends OIDs before the schema, so that its objects are numbered differently.
    static let spendOIDs = ["CREATE TABLE spent (a int, b text, c int[])", "DROP TABLE spent"]

    @Test("another database's answers (other OIDs) are the same up to them, and make the same code")
    func otherOIDs() async throws {
        let (mine, myFiles) = try await record()
        let (theirs, theirFiles) = try await record(before: Self.spendOIDs)
        #expect(mine != theirs, "the OIDs differ: the comparison must not be plain equality")
        #expect(mine.types.contains { $0.typeName == "mood" } && mine.statements.count >= 4)
        #expect(myFiles == theirFiles)
        #expect(mine.answersTheSame(as: theirs))
        #expect(theirs.answersTheSame(as: mine))
        #expect(mine.answersTheSame(as: mine))
    }

    @Test("a label, a table swapped for another, an initdb type for a schema type: not the same")
    func differences() async throws {
        let (mine, _) = try await record()
        let (labels, _) = try await record(after: ["ALTER TYPE mood ADD VALUE 'calm'"])
        #expect(!mine.answersTheSame(as: labels))

        let (theirs, _) = try await record(before: Self.spendOIDs)
        let users = try #require(theirs.catalogTableOID("users"))
        let events = try #require(theirs.catalogTableOID("events"))
        // One column said to come from events instead of users: no single renaming explains both.
        var swapped = theirs
        let key = try #require(
            swapped.statements.first { $0.value.columns?.first?.source?.tableOID == users }?.key)
        swapped.statements[key]?.columns?[0].source?.tableOID = events
        #expect(!mine.answersTheSame(as: swapped))

        // A parameter typed text (25, initdb's) where the other server said mood.
        var builtin = theirs
        let moodParameter = try #require(
            builtin.statements.first { $0.value.parameters?.contains { $0.sqlType == "mood" } == true }?.key)
        let index = try #require(builtin.statements[moodParameter]?.parameters?.firstIndex { $0.sqlType == "mood" })
        builtin.statements[moodParameter]?.parameters?[index].type = 25
        #expect(!mine.answersTheSame(as: builtin))

        // A rejection's words differ.
        var rejected = theirs
        let broken = try #require(rejected.statements.first { $0.value.rejected != nil }?.key)
        rejected.statements[broken]?.rejected?.message += "!"
        #expect(!mine.answersTheSame(as: rejected))
    }
}

extension DescribeCache {
    /// The OID a column source gives for `table`.
    fileprivate func catalogTableOID(_ table: String) -> UInt32? {
        statements.values.lazy.compactMap { $0.columns }.joined().compactMap(\.source).first { $0.table == table }?
            .tableOID
    }
}
