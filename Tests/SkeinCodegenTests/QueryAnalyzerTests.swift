import SkeinCodegen
import SkeinCore
import SkeinTestSupport
import Testing

/// Annotated queries, described by a real PostgreSQL, analysed into Swift types and nullability.
@Suite("QueryAnalyzer: PostgreSQL's types to Swift, with nullability", .requiresPostgreSQL)
struct QueryAnalyzerTests {
    static let schema = [
        "CREATE TYPE user_status AS ENUM ('active', 'suspended')",
        "CREATE DOMAIN email AS varchar(80) NOT NULL",
        """
        CREATE TABLE users (
            id bigserial PRIMARY KEY, email email, name text, status user_status NOT NULL DEFAULT 'active',
            tags text[] NOT NULL DEFAULT '{}', created_at timestamptz NOT NULL DEFAULT now(), balance numeric(10,2),
            api_key uuid, ttl interval
        )
        """,
        "CREATE TABLE orders (id int PRIMARY KEY, user_id bigint NOT NULL REFERENCES users, total numeric NOT NULL)",
    ]

    func analyze(_ text: String, options: CodegenConfiguration.SwiftOptions = .init(out: "out")) async throws
        -> [Result<AnalyzedQuery, Diagnostic>]
    {
        let database = try await TestDatabase.makeFreshDatabase()
        for statement in Self.schema { try await TestDatabase.execute(statement, on: database) }
        let queries = try QueryFileParser.parse(text, file: "queries/users.sql").get()
        let describer = try QueryDescriber(connectionString: database.text)
        let analyzer = QueryAnalyzer(options: options)
        var results: [Result<AnalyzedQuery, Diagnostic>] = []
        for query in queries {
            results.append(analyzer.analyze(query, described: try await describer.describe(query.sql)))
        }
        return results
    }

    func fields(_ fields: [AnalyzedQuery.Field]) -> [String] {
        fields.map { "\($0.name): \($0.swiftType)\($0.nullable ? "?" : "")" }
    }

    @Test("a self-join: the preserved side keeps NOT NULL, the outer-joined side is optional (per entry, not table)")
    func selfJoin() async throws {
        let results = try await analyze(
            """
            -- name: WithReferrer :many
            SELECT u.id, u.status, r.id AS referrer_id, r.status AS referrer_status
            FROM users u LEFT JOIN users r ON r.id = u.id + 1;

            -- name: Unqualified :many
            SELECT status FROM users u LEFT JOIN orders o ON o.user_id = u.id;

            -- name: Starred :many
            SELECT u.*, r.id FROM users u LEFT JOIN users r ON r.id = u.id;
            """)
        let referred = fields(try results[0].get().columns)
        #expect(
            referred == ["id: Int64", "status: UserStatus", "referrerId: Int64?", "referrerStatus: UserStatus?"],
            "\(referred)")
        // An unqualified column or a `*`: decided by table, as before (users is not outer-joined here).
        #expect(fields(try results[1].get().columns) == ["status: UserStatus"])
        #expect(try results[2].get().columns.allSatisfy(\.nullable), "a star over a self-join stays optional")
    }

    @Test("columns: catalog NOT NULL, NOT NULL domains, enums, arrays; the nullable side of a LEFT JOIN; count vs sum")
    func columns() async throws {
        let results = try await analyze(
            """
            -- name: GetUserByID :one
            SELECT id, email, name, status, tags, created_at, balance, api_key FROM users WHERE id = $1;

            -- name: UsersWithOrders :many
            SELECT u.id, o.total, count(o.id) AS order_count, sum(o.total) AS spent
            FROM users u LEFT JOIN orders o ON o.user_id = u.id
            GROUP BY u.id, o.total;

            -- name: CreateUser :one
            INSERT INTO users (email, name, status) VALUES ($1, sqlc.narg(name), @status) RETURNING id, created_at;
            """)
        let get = try results[0].get()
        #expect(
            fields(get.columns) == [
                "id: Int64", "email: String", "name: String?", "status: UserStatus", "tags: [String]",
                "createdAt: Date", "balance: Decimal?", "apiKey: UUID?",
            ])
        #expect(fields(get.parameters) == ["id: Int64"])
        #expect(get.columns[1].postgresType == "character varying(80)")
        let joined = try results[1].get()
        #expect(fields(joined.columns) == ["id: Int64", "total: Decimal?", "orderCount: Int64", "spent: Decimal?"])
        let create = try results[2].get()
        #expect(fields(create.parameters) == ["email: String", "name: String?", "status: UserStatus"])
        #expect(fields(create.columns) == ["id: Int64", "createdAt: Date"])
    }

    @Test("computed columns after a `*` are matched to their own result columns; a UNION needs every branch")
    func afterStar() async throws {
        let results = try await analyze(
            """
            -- name: Stats :many
            SELECT s.*, count(*) OVER () AS total FROM (SELECT max(id) AS top, min(id) AS bottom FROM users) s;

            -- name: Embedded :many
            SELECT sqlc.embed(orders), NULL::text AS note, count(*) OVER () AS total FROM orders;

            -- name: Either :many
            SELECT count(*) AS n, 1 AS one FROM users UNION ALL SELECT 0, NULL;
            """)
        #expect(fields(try results[0].get().columns) == ["top: Int64?", "bottom: Int64?", "total: Int64"])
        #expect(
            fields(try results[1].get().columns) == [
                "id: Int32", "userId: Int64", "total: Decimal", "note: String?", "total: Int64",
            ])
        #expect(fields(try results[2].get().columns) == ["n: Int64", "one: Int32?"])
    }

    @Test(
        "a type PostgresNIO cannot decode is an error naming the column and the override to write; an override fixes it"
    )
    func unsupported() async throws {
        let text = "-- name: Words :one\nSELECT pg_current_snapshot() AS words FROM users WHERE id = $1;\n"
        let failing = try await analyze(text)
        guard case .failure(let error) = failing[0] else {
            Issue.record("pg_snapshot must be refused")
            return
        }
        #expect(
            error.description.hasPrefix(
                "queries/users.sql:1: error[query-types]: Words: column words: PostgresNIO has no Swift type for pg_snapshot"
            ))
        #expect(error.description.contains("overrides: [{db_type: \"pg_snapshot\""))
        var options = CodegenConfiguration.SwiftOptions(out: "out")
        options.overrides = [.init(databaseType: "pg_snapshot", column: nil, swiftType: "Lexemes", nullable: false)]
        #expect(fields(try await analyze(text, options: options)[0].get().columns) == ["words: Lexemes?"])
        // interval has a codec now (SkeinTypes).
        let interval = try await analyze("-- name: TTL :one\nSELECT ttl FROM users WHERE id = $1;\n")
        #expect(fields(try interval[0].get().columns) == ["ttl: PostgresInterval?"])
    }

    @Test("db_type overrides match PostgreSQL's names and sqlc's: interval, pg_catalog.interval, public.user_status")
    func overrideSpellings() async throws {
        let text = "-- name: TTL :one\nSELECT ttl, status FROM users WHERE id = $1;\n"
        for (interval, status) in [
            ("interval", "user_status"), ("pg_catalog.interval", "public.user_status"),
        ] {
            var options = CodegenConfiguration.SwiftOptions(out: "out")
            options.overrides = [
                .init(databaseType: interval, column: nil, swiftType: "Period", nullable: false),
                .init(databaseType: status, column: nil, swiftType: "Status", nullable: false),
            ]
            #expect(
                fields(try await analyze(text, options: options)[0].get().columns) == [
                    "ttl: Period?", "status: Status",
                ],
                "\(interval), \(status)")
        }
    }

    @Test("names: snake_case to camelCase, leading acronyms lowered")
    func names() {
        #expect(QueryAnalyzer.memberName("created_at") == "createdAt")
        #expect(QueryAnalyzer.memberName("GetUserByID") == "getUserByID")
        #expect(QueryAnalyzer.memberName("ID") == "id")
        #expect(QueryAnalyzer.memberName("URLPath") == "urlPath")
        #expect(QueryAnalyzer.typeName("user_status") == "UserStatus")
        // Result column names PostgreSQL makes up or a query quotes: still Swift identifiers.
        #expect(QueryAnalyzer.memberName("?column?") == "column")
        #expect(QueryAnalyzer.memberName("total €") == "total")
        #expect(QueryAnalyzer.memberName("order-count") == "orderCount")
        #expect(QueryAnalyzer.memberName("@q") == "q")
        #expect(QueryAnalyzer.memberName("1st") == "_1st")
        #expect(QueryAnalyzer.memberName("") == "column")
        #expect(QueryAnalyzer.typeName("my-enum") == "MyEnum")
    }

    @Test(
        "clock functions, CURRENT_USER and lower() of a constant are never NULL; CURRENT_SCHEMA and to_regclass may be")
    func valueFunctions() async throws {
        let results = try await analyze(
            """
            -- name: Clock :one
            SELECT now() AS a, CURRENT_SCHEMA AS b, CURRENT_USER AS c, clock_timestamp() AS d, lower('x') AS e,
              to_regclass('x')::text AS f;
            """)
        #expect(
            fields(try results[0].get().columns) == [
                "a: Date", "b: String?", "c: String", "d: Date", "e: String", "f: String?",
            ])
    }
}
