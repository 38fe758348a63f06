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

    @Test("citext, hstore and ltree: every base type the extensions create is mapped, arrays too")
    func extensionTypes() async throws {
        let database = try await TestDatabase.makeFreshDatabase()
        let describer = try QueryDescriber(connectionString: database.text)
        try await describer.run(
            "CREATE EXTENSION citext; CREATE EXTENSION hstore; CREATE SCHEMA paths; CREATE EXTENSION ltree SCHEMA paths"
        )
        let names = try await describer.rows(
            """
            SELECT t.typname FROM pg_type t JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid
                AND d.deptype = 'e'
            JOIN pg_extension e ON e.oid = d.refobjid AND e.extname IN ('citext', 'hstore', 'ltree')
            WHERE t.typtype = 'b' AND t.typcategory <> 'A' AND t.typname NOT IN ('ltree_gist', 'ghstore')
            ORDER BY 1
            """
        ).compactMap { $0[0] }
        #expect(names.count >= 5, "\(names)")
        let unmapped = names.filter { QueryAnalyzer.extensionTypes[$0] == nil }
        #expect(unmapped == [], "extension types with no Swift mapping: \(unmapped)")
        // Described through a query, in a schema of their own (ltree in `paths`): the mapping is by name.
        let described = try await describer.describe(
            "SELECT 'a.b'::paths.ltree, ARRAY['a'::paths.ltree], 'a=>1'::hstore, 'X'::citext, '*.b'::paths.lquery")
        let analyzer = QueryAnalyzer(options: .init(out: "out"))
        let swift = described.columns.map { try? analyzer.swiftType($0.type, in: described.types).get() }
        #expect(swift == ["PostgresLTree", "[PostgresLTree]", "PostgresHStore", "String", "PostgresLTree"])
    }

    @Test("every mapped Swift type is PostgresNIO's or SkeinTypes'")
    func runtime() {
        let postgresNIO: Set<String> = [
            "Bool", "Int16", "Int32", "Int64", "Float", "Double", "Decimal", "String", "UUID", "Date", "ByteBuffer",
            "UInt8",
        ]
        for (name, swift) in QueryAnalyzer.builtinTypes.merging(
            QueryAnalyzer.extensionTypes, uniquingKeysWith: { a, _ in a })
        {
            #expect(postgresNIO.contains(swift) || QueryAnalyzer.runtimeTypes.contains(swift), "\(name) → \(swift)")
        }
    }
}
