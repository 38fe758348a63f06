import SkeinTestSupport
import Testing

@testable import SkeinCodegen

/// PostgreSQL gives `int[]` and `int[][]` one type, so only the column's declared dimensions (`attndims`) tell a
/// multi-dimensional array; PostgresNIO decodes arrays of one dimension, so a generated `[Int32]` would throw on
/// every value of such a column. It is reported with the column override that fixes it (a type override would change
/// every `integer[]`).
@Suite("codegen: multi-dimensional array columns", .requiresPostgreSQL)
struct MultidimensionalArrayTests {
    static let schema = "CREATE TABLE grids (id int PRIMARY KEY, grid int[][] NOT NULL, names text[])"

    static func analyze(_ queries: String) async throws -> PackageAnalysis {
        let database = try await TestDatabase.makeFreshDatabase()
        let describer = try QueryDescriber(connectionString: database.text)
        try await describer.run(schema)
        return try await PackageAnalysis.analyze(
            queryFiles: [("queries/q.sql", queries)], options: CodegenConfiguration.SwiftOptions(out: "out"),
            describer: describer)
    }

    @Test("a query reading an int[][] column is an error naming the column and its override; one dimension is fine")
    func queryColumn() async throws {
        await #expect {
            _ = try await Self.analyze("-- name: Grid :one\nSELECT id, grid FROM grids WHERE id = $1;")
        } throws: { error in
            let text = "\(error)"
            return text.contains("queries/q.sql:1: Grid")
                && text.contains("grids.grid is declared with 2 dimensions")
                && text.contains(#"overrides: [{column: "grids.grid", swift_type: YourType}]"#)
        }
        let analysis = try await Self.analyze(
            "-- name: Names :one\nSELECT names, grid::text AS grid FROM grids WHERE id = $1;")
        let query = try #require(analysis.queries.first)
        #expect(query.columns.map(\.swiftType) == ["[String]", "String"])
        #expect(
            analysis.warnings.contains {
                $0.contains("no model for table grids: column grid: grids.grid is declared with 2 dimensions")
            }, "\(analysis.warnings)")
        #expect(analysis.tables.isEmpty)
    }
}
