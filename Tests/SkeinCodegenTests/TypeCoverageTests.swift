import SkeinCodegen
import SkeinTestSupport
import Testing

/// Every type PostgreSQL itself defines has a Swift mapping, or is in one of two written lists: internal types no
/// query returns to an app, and the ones not mapped yet (docs/codegen.md says which). A new PostgreSQL with a new
/// type fails this test until the type is mapped or listed.
@Suite("codegen: every PostgreSQL type has a Swift type", .requiresPostgreSQL)
struct TypeCoverageTests {
    /// Catalog and planner internals: no column an app reads has them.
    static let internalTypes: Set<String> = [
        "aclitem", "cid", "tid", "xid", "xid8", "gtsvector", "refcursor", "txid_snapshot", "pg_snapshot",
        "int2vector", "oidvector", "pg_node_tree", "pg_ndistinct", "pg_dependencies", "pg_mcv_list", "pg_ddl_command",
        "pg_brin_bloom_summary", "pg_brin_minmax_multi_summary", "unknown",
    ]

    /// Not mapped yet: a query that returns one is an error naming the override to write.
    static let notYet: Set<String> = []

    @Test("pg_catalog's base, range and multirange types (not arrays) are mapped, internal, or listed as not yet")
    func coverage() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let describer = try QueryDescriber(connectionString: database.text)
        let names = try await describer.rows(
            """
            SELECT typname FROM pg_type
            WHERE typnamespace = 'pg_catalog'::regnamespace AND typtype IN ('b', 'r', 'm') AND typcategory <> 'A'
            ORDER BY typname
            """
        ).compactMap { $0[0] }
        #expect(names.count > 60, "\(names)")
        let mapped = Set(QueryAnalyzer.builtinTypes.keys)
        let unmapped = names.filter {
            !mapped.contains($0) && !Self.internalTypes.contains($0) && !Self.notYet.contains($0)
        }
        #expect(unmapped == [], "types with no Swift mapping and in no list: \(unmapped)")
        // The lists stay honest: nothing listed as not yet is mapped, and every listed type exists here.
        #expect(Self.notYet.intersection(mapped) == [])
        #expect(Self.notYet.subtracting(names) == [], "listed but not in this PostgreSQL")
    }

    @Test("every mapped Swift type is PostgresNIO's or SkeinTypes'")
    func runtime() {
        let postgresNIO: Set<String> = [
            "Bool", "Int16", "Int32", "Int64", "Float", "Double", "Decimal", "String", "UUID", "Date", "ByteBuffer",
            "UInt8",
        ]
        for (name, swift) in QueryAnalyzer.builtinTypes {
            #expect(postgresNIO.contains(swift) || QueryAnalyzer.runtimeTypes.contains(swift), "\(name) → \(swift)")
        }
    }
}
