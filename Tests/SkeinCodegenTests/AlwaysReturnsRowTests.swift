import SkeinSQL
import SkeinTestSupport
import Testing

@testable import SkeinCodegen

/// `:one` on `INSERT … RETURNING` returns the row, not an Optional, exactly when nothing can drop the row.
@Suite("codegen: which :one always returns its row")
struct AlwaysReturnsRowTests {
    static let safe: Set<String> = ["public.users", "audit.events"]

    static func decide(_ sql: String) throws -> Bool {
        PackageAnalysis.alwaysReturnsRow(try SQLGrammar.parse(sql).get(), insertSafe: safe)
    }

    @Test(
        "one VALUES row (or DEFAULT VALUES), ON CONFLICT DO UPDATE without WHERE: the row",
        arguments: [
            "INSERT INTO users (email) VALUES ($1) RETURNING *",
            "INSERT INTO users DEFAULT VALUES RETURNING id",
            "INSERT INTO audit.events (kind) VALUES ($1) RETURNING id",
            "INSERT INTO users (email) VALUES ($1) ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email RETURNING id",
        ])
    func always(sql: String) throws {
        #expect(try Self.decide(sql))
    }

    @Test(
        "anything that can drop the row: Optional",
        arguments: [
            "INSERT INTO users (email) VALUES ($1) ON CONFLICT DO NOTHING RETURNING *",
            "INSERT INTO users (email) VALUES ($1) ON CONFLICT (email) DO UPDATE SET email = $1 WHERE false RETURNING id",
            "INSERT INTO users (email) SELECT email FROM staging WHERE ok RETURNING id",
            "INSERT INTO users (email) VALUES ($1), ($2) RETURNING id",
            "INSERT INTO users (email) VALUES ($1)",
            "INSERT INTO triggered (email) VALUES ($1) RETURNING id",  // not in the safe set: a trigger or a rule
            "WITH x AS (SELECT 1) INSERT INTO users (email) VALUES ($1) RETURNING id",
            "UPDATE users SET email = $1 WHERE id = $2 RETURNING id",
            "SELECT id FROM users WHERE id = $1",
        ])
    func optional(sql: String) throws {
        #expect(try !Self.decide(sql))
    }
}

/// Against PostgreSQL: a BEFORE INSERT row trigger keeps the method Optional.
@Suite("codegen: INSERT … RETURNING and triggers", .requiresPostgreSQL)
struct AlwaysReturnsRowCatalogTests {
    @Test("a table with a BEFORE INSERT row trigger (which may return NULL) keeps :one Optional")
    func trigger() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let describer = try QueryDescriber(connectionString: database.text)
        for statement in [
            "CREATE TABLE plain (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text)",
            "CREATE TABLE guarded (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text)",
            "CREATE FUNCTION skip() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
            "CREATE TRIGGER skip_all BEFORE INSERT ON guarded FOR EACH ROW EXECUTE FUNCTION skip()",
        ] {
            try await describer.run(statement)
        }
        let text = """
            -- name: AddPlain :one
            INSERT INTO plain (v) VALUES (@v) RETURNING id;

            -- name: AddGuarded :one
            INSERT INTO guarded (v) VALUES (@v) RETURNING id;
            """
        let analysis = try await PackageAnalysis.analyze(
            queryFiles: [("queries/q.sql", text)], options: CodegenConfiguration.SwiftOptions(out: "out"),
            describer: describer)
        let plans = analysis.files.flatMap(\.queries)
        #expect(plans.map(\.alwaysReturnsRow) == [true, false])
        let emitted = SwiftEmitter(options: CodegenConfiguration.SwiftOptions(out: "out")).files(for: analysis)
        let file = try #require(emitted.first { $0.path == "q.sql.swift" }).contents
        #expect(file.contains("func addPlain(v: String? = nil) async throws -> Int64 {"))
        #expect(file.contains("func addGuarded(v: String? = nil) async throws -> Int64? {"))
        #expect(try #require(emitted.first { $0.path == "Queries.swift" }).contents.contains("struct NoRow: Error"))
    }
}
