import SkeinTestSupport
import Testing

@testable import SkeinCodegen

/// PostgreSQL gives `int[]` and `int[][]` one type, so only the column's declared dimensions (`attndims`) tell a
/// multi-dimensional array. PostgresNIO decodes arrays of one dimension, so a generated `[Int32]` would throw on
/// every value of such a column: it is SkeinTypes' `PostgresMultiArray<Int32>`, for reading and for the parameters
/// that write it. An element type that has no array codec is reported with the column override that fixes it (a type
/// override would change every `integer[]`).
@Suite("codegen: multi-dimensional array columns", .requiresPostgreSQL)
struct MultidimensionalArrayTests {
    static let schema = """
        CREATE TYPE mood AS ENUM ('sad', 'happy');
        CREATE DOMAIN score AS int CHECK (VALUE >= 0);
        CREATE TABLE grids (id int PRIMARY KEY, grid int[][] NOT NULL, names text[], moods mood[][], scores score[][]);
        """

    static func analyze(_ queries: String) async throws -> PackageAnalysis {
        let database = try await TestDatabase.makeFreshDatabase()
        let describer = try QueryDescriber(connectionString: database.text)
        try await describer.run(schema)
        return try await PackageAnalysis.analyze(
            queryFiles: [("queries/q.sql", queries)], options: CodegenConfiguration.SwiftOptions(out: "out"),
            describer: describer)
    }

    @Test("an int[][] column and the parameters assigned to it are PostgresMultiArray<Int32>; one dimension is [T]")
    func columnsAndParameters() async throws {
        let analysis = try await Self.analyze(
            """
            -- name: Grid :one
            SELECT id, grid, names FROM grids WHERE id = $1;

            -- name: CreateGrid :exec
            INSERT INTO grids (id, grid, names) VALUES ($1, $2, $3);

            -- name: SetGrid :exec
            UPDATE grids SET grid = @grid WHERE id = @id;

            -- name: SameGrid :many
            SELECT id FROM grids WHERE grid = @grid;
            """)
        let queries = Dictionary(uniqueKeysWithValues: analysis.queries.map { ($0.name, $0) })
        #expect(queries["Grid"]?.columns.map(\.swiftType) == ["Int32", "PostgresMultiArray<Int32>", "[String]"])
        #expect(queries["Grid"]?.columns.map(\.nullable) == [false, false, true])
        #expect(
            queries["CreateGrid"]?.parameters.map(\.swiftType) == ["Int32", "PostgresMultiArray<Int32>", "[String]"])
        #expect(queries["SetGrid"]?.parameters.map(\.swiftType) == ["PostgresMultiArray<Int32>", "Int32"])
        // Compared, not assigned: PostgreSQL says integer[] and nothing says how many dimensions.
        #expect(queries["SameGrid"]?.parameters.map(\.swiftType) == ["[Int32]"])
        // The table has no model for its `score[][]` column alone; `mood[][]` is the generated enum's.
        #expect(
            analysis.warnings.contains {
                $0.contains("column scores:") && !$0.contains("column grid:") && !$0.contains("column moods:")
            })
    }

    @Test("an enum array with two dimensions is PostgresMultiArray<Mood>; a domain's is an error naming its override")
    func enumsAndDomains() async throws {
        let moods = try await Self.analyze("-- name: Moods :one\nSELECT moods FROM grids WHERE id = $1;")
        #expect(moods.queries.first?.columns.map(\.swiftType) == ["PostgresMultiArray<Mood>"])
        await #expect {
            _ = try await Self.analyze("-- name: Scores :one\nSELECT id, scores FROM grids WHERE id = $1;")
        } throws: { error in
            let text = "\(error)"
            return text.contains("queries/q.sql:1: error[query-types]: Scores")
                && text.contains("grids.scores is declared with 2 dimensions")
                && text.contains(#"overrides: [{column: "grids.scores", swift_type: YourType}]"#)
        }
        let analysis = try await Self.analyze(
            "-- name: Names :one\nSELECT names, scores::text AS scores FROM grids WHERE id = $1;")
        let query = try #require(analysis.queries.first)
        #expect(query.columns.map(\.swiftType) == ["[String]", "String"])
        #expect(
            analysis.warnings.contains {
                $0.contains("no model for table grids: column scores: grids.scores is declared with 2 dimensions")
            }, "\(analysis.warnings)")
        #expect(analysis.tables.isEmpty)
    }
}
