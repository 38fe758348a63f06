import SkeinTestSupport
import Testing

@testable import SkeinCodegen

/// Composite types (`CREATE TYPE … AS (…)`) become structs read from PostgreSQL's binary record format; the
/// generated code that decodes them runs in GeneratedCodeTests.
@Suite("codegen: composite types", .requiresPostgreSQL)
struct CompositeTypeTests {
    static func analyze(
        _ schema: [String], _ queries: String,
        options: CodegenConfiguration.SwiftOptions = CodegenConfiguration.SwiftOptions(out: "out")
    ) async throws -> PackageAnalysis {
        let database = try await TestDatabase.makeFreshDatabase()
        let describer = try QueryDescriber(connectionString: database.text)
        for statement in schema { try await describer.run(statement) }
        return try await PackageAnalysis.analyze(
            queryFiles: [("queries/q.sql", queries)], options: options, describer: describer)
    }

    @Test("Codable and Hashable follow the parts whatever the catalog order; a domain attribute decodes as its base")
    func conformancesAndDomains() async throws {
        var options = CodegenConfiguration.SwiftOptions(out: "out")
        options.emitCodable = true
        options.overrides = [
            .init(databaseType: "point", column: nil, swiftType: "Spot", nullable: false, conformsTo: ["Sendable"])
        ]
        // `envelope` sorts before `packet`, which it holds: packet's bytea makes both non-Codable; `mark` holds an
        // override type without Hashable, and `trail` holds a mark.
        let analysis = try await Self.analyze(
            [
                "CREATE DOMAIN positive AS integer CHECK (VALUE > 0)",
                "CREATE TYPE packet AS (data bytea, size positive)",
                "CREATE TYPE envelope AS (payload packet)",
                "CREATE TYPE mark AS (spot point)",
                "CREATE TYPE trail AS (last mark)",
            ], "-- name: AnyNumber :one\nSELECT 1 AS n;", options: options)
        let models = try #require(
            SwiftEmitter(options: options).files(for: analysis).first { $0.path == "Models.swift" }
        ).contents
        #expect(models.contains("public struct Envelope: Sendable, Hashable {"), "\(models)")
        #expect(models.contains("public struct Packet: Sendable, Hashable {"))
        #expect(models.contains("public struct Mark: Sendable {"))
        #expect(models.contains("public struct Trail: Sendable {"), "neither Hashable nor Codable, as its mark")
        #expect(models.contains("size: try record.next(Int32?.self, as: PostgresDataType(23), context: context)"))
    }

    @Test("a composite of a composite, an array of them, a table column: structs, optional fields, models")
    func nested() async throws {
        let analysis = try await Self.analyze(
            [
                "CREATE TYPE postal_address AS (street text, zip int4)",
                "CREATE TYPE shipment_leg AS (origin postal_address, days int2)",
                "CREATE TABLE shipments (id int PRIMARY KEY, destination postal_address NOT NULL, legs shipment_leg[])",
            ],
            """
            -- name: Legs :one
            SELECT legs, destination FROM shipments WHERE id = @id;
            """)
        #expect(analysis.composites.map(\.swiftName) == ["PostalAddress", "ShipmentLeg"])
        let leg = try #require(analysis.composites.last)
        #expect(leg.fields.map(\.swiftType) == ["PostalAddress", "Int16"] && leg.fields.allSatisfy(\.nullable))
        #expect(analysis.tables.first?.columns.map(\.swiftType) == ["Int32", "PostalAddress", "[ShipmentLeg]"])
        let query = try #require(analysis.queries.first)
        #expect(query.columns.map(\.swiftType) == ["[ShipmentLeg]", "PostalAddress"])
        #expect(query.columns.map(\.nullable) == [true, false])
        let models = try #require(
            SwiftEmitter(options: CodegenConfiguration.SwiftOptions(out: "out")).files(for: analysis).first {
                $0.path == "Models.swift"
            }
        ).contents
        // The record reader is used only inside the decoding initialisers: a public import would be an "unused
        // public import" warning (an error with -warnings-as-errors), as a real project's composite showed.
        #expect(models.contains("\nimport SkeinTypes\n") && !models.contains("public import SkeinTypes"), "\(models)")
        #expect(models.contains("struct PostalAddress: Sendable, Hashable {"))
        #expect(models.contains("extension PostalAddress: PostgresDecodable, PostgresArrayDecodable {"))
        #expect(models.contains("var record = try PostgresRecordReader(&buffer, format: format, fields: 2)"))
        #expect(models.contains("origin: try record.next(PostalAddress?.self, context: context),"))
    }

    @Test("an attribute without a Swift type: no struct, a warning naming it; a composite parameter is an error")
    func unsupported() async throws {
        let analysis = try await Self.analyze(
            ["CREATE TYPE snapshot_holder AS (taken pg_snapshot)"], "-- name: AnyNumber :one\nSELECT 1 AS n;")
        #expect(analysis.composites.isEmpty)
        #expect(
            analysis.warnings.contains {
                $0.contains("no struct for composite type public.snapshot_holder: attribute taken:")
            }, "\(analysis.warnings)")
        await #expect {
            _ = try await Self.analyze(
                ["CREATE TYPE point3 AS (x float8, y float8, z float8)", "CREATE TABLE spots (p point3)"],
                "-- name: AddSpot :exec\nINSERT INTO spots (p) VALUES (@p);")
        } throws: { error in
            let text = "\(error)"
            return text.contains("queries/q.sql:1: error[query-types]: AddSpot")
                && text.contains("parameter $1 (p): a value of the composite type point3 cannot be bound")
                && text.contains("ROW(@field1, @field2, …)::point3")
        }
        await #expect {
            _ = try await Self.analyze(
                ["CREATE TYPE point3 AS (x float8, y float8, z float8)", "CREATE TABLE spots (p point3)"],
                "-- name: SpotsAt :many\nSELECT p FROM spots WHERE p = @p;")
        } throws: { error in
            "\(error)".contains("parameter $1 (p): a value of the composite type record cannot be bound")
        }
    }
}
