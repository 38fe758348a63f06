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
        CREATE DOMAIN day AS date;
        CREATE TABLE grids (
            id int PRIMARY KEY, grid int[][] NOT NULL, names text[], moods mood[][], scores score[][], days day[][]
        );
        CREATE TABLE rosters (id int PRIMARY KEY, scores score[] NOT NULL, days day[]);
        CREATE TYPE pair AS (a int, b text);
        CREATE TABLE boards (id int PRIMARY KEY, pairs pair[][]);
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
        // The table has no model for its `day[][]` column alone; `mood[][]` is the generated enum's, `score[][]`
        // its base type's.
        #expect(
            analysis.warnings.contains {
                $0.contains("no model for table grids: column days:") && !$0.contains("column grid:")
                    && !$0.contains("column moods:") && !$0.contains("column scores:")
            }, "\(analysis.warnings)")
    }

    @Test(
        "arrays of enums and of domains over types read in their own format: PostgresMultiArray<Mood>, <Int32>, [Int32] through PostgresDomainArray; a domain over date is an error naming the fix"
    )
    func enumsAndDomains() async throws {
        let arrays = try await Self.analyze(
            """
            -- name: Arrays :one
            SELECT moods, scores FROM grids WHERE id = $1;

            -- name: Roster :one
            SELECT scores FROM rosters WHERE id = $1;

            -- name: SetScores :exec
            UPDATE grids SET scores = @scores WHERE id = @id;
            """)
        let queries = Dictionary(uniqueKeysWithValues: arrays.queries.map { ($0.name, $0) })
        #expect(
            queries["Arrays"]?.columns.map(\.swiftType) == ["PostgresMultiArray<Mood>", "PostgresMultiArray<Int32>"])
        // More than one dimension reads through PostgresMultiArray itself; one through PostgresDomainArray.
        #expect(queries["Arrays"]?.columns.map(\.domainArray) == [false, false])
        #expect(queries["Roster"]?.columns.map(\.swiftType) == ["[Int32]"])
        #expect(queries["Roster"]?.columns.map(\.domainArray) == [true])
        #expect(queries["SetScores"]?.parameters.map(\.swiftType) == ["PostgresMultiArray<Int32>", "Int32"])
        for (query, column, message) in [
            ("SELECT id, days FROM grids WHERE id = $1", "days", "grids.days is declared with 2 dimensions"),
            ("SELECT days FROM rosters WHERE id = $1", "days", "is an array of the domain day over date"),
        ] {
            await #expect {
                _ = try await Self.analyze("-- name: Days :one\n\(query);")
            } throws: { error in
                let text = "\(error)"
                return text.contains("queries/q.sql:1: error[query-types]: Days") && text.contains(message)
                    && text.contains(column)
            }
        }
        let analysis = try await Self.analyze(
            "-- name: Names :one\nSELECT names, days::text AS days FROM grids WHERE id = $1;")
        let query = try #require(analysis.queries.first)
        #expect(query.columns.map(\.swiftType) == ["[String]", "String"])
        #expect(
            analysis.warnings.contains {
                $0.contains("no model for table grids: column days: grids.days is declared with 2 dimensions")
            }, "\(analysis.warnings)")
        #expect(
            analysis.warnings.contains {
                $0.contains("no model for table rosters: column days:")
                    && $0.contains("overrides: [{db_type: \"day\"")
            }, "\(analysis.warnings)")
        #expect(analysis.tables.map(\.name) == ["boards"])
    }

    @Test("a composite type's array of two dimensions is read as PostgresMultiArray of its struct, and never bound")
    func composites() async throws {
        let analysis = try await Self.analyze("-- name: Pairs :one\nSELECT pairs FROM boards WHERE id = $1;")
        #expect(analysis.queries.first?.columns.map(\.swiftType) == ["PostgresMultiArray<Pair>"])
        #expect(
            analysis.tables.first { $0.name == "boards" }?.columns.map(\.swiftType) == [
                "Int32", "PostgresMultiArray<Pair>",
            ])
        await #expect {
            _ = try await Self.analyze("-- name: SetPairs :exec\nUPDATE boards SET pairs = @pairs WHERE id = @id;")
        } throws: { error in
            "\(error)".contains("parameter $1 (pairs): a value of the composite type pair cannot be bound")
        }
    }
}
