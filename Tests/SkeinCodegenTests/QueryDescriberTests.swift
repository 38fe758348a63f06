import SkeinCodegen
import SkeinTestSupport
import Testing

/// A schema with every kind of type the describer must resolve.
private let schema = [
    "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
    "CREATE DOMAIN email AS varchar(40) NOT NULL CHECK (VALUE LIKE '%@%')",
    "CREATE DOMAIN score AS int CHECK (VALUE >= 0)",
    "CREATE TYPE address AS (street text, zip varchar(10))",
    """
    CREATE TABLE users (
        id bigserial PRIMARY KEY,
        uid uuid NOT NULL DEFAULT gen_random_uuid(),
        name varchar(40) NOT NULL,
        nickname text,
        contact email,
        points score,
        mood mood NOT NULL DEFAULT 'ok',
        moods mood[],
        tags text[] NOT NULL DEFAULT '{}',
        home address,
        settings jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        balance numeric(10,2)
    )
    """,
    """
    CREATE TABLE orders (
        id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id bigint NOT NULL REFERENCES users,
        total numeric(10,2) NOT NULL,
        note text
    )
    """,
]

/// Built-in OIDs (pg_type.dat), the same in every database.
private enum OID {
    static let int4: UInt32 = 23
    static let int8: UInt32 = 20
    static let text: UInt32 = 25
    static let varchar: UInt32 = 1043
    static let numeric: UInt32 = 1700
    static let uuid: UInt32 = 2950
    static let jsonb: UInt32 = 3802
    static let timestamptz: UInt32 = 1184
    static let int4Array: UInt32 = 1007
    static let textArray: UInt32 = 1009
}

/// `numeric(10,2)`'s type modifier: ((precision << 16) | scale) + VARHDRSZ.
private let numeric10_2: Int32 = ((10 << 16) | 2) + 4
/// `varchar(40)`'s type modifier: length + VARHDRSZ.
private let varchar40: Int32 = 40 + 4

private func withDescriber<Result>(_ body: (QueryDescriber) async throws -> Result) async throws -> Result {
    let database = try await TestDatabase.makeFreshDatabase()
    for statement in schema {
        try await TestDatabase.execute(statement, on: database)
    }
    let describer = try QueryDescriber(connectionString: database.text)
    return try await body(describer)
}

@Suite("QueryDescriber against a real PostgreSQL", .requiresPostgreSQL)
struct QueryDescriberTests {
    @Test("the session runs without JIT: compiling the catalog query cost more than running it")
    func noJIT() async throws {
        try await withDescriber { describer in
            let jit = try await describer.rows("SELECT current_setting('jit')")
            #expect(jit == [["off"]])
        }
    }

    @Test("a left join reports each column's type, modifier, table and attnotnull as the catalog says")
    func joinColumns() async throws {
        try await withDescriber { describer in
            let query = try await describer.describe(
                """
                SELECT u.id, u.name AS user_name, u.uid, u.created_at, u.settings, u.balance, u.nickname,
                       o.total, o.note
                FROM users u LEFT JOIN orders o ON o.user_id = u.id
                WHERE u.id = $1 AND u.name = $2
                """)
            // varchar has no operators of its own: `name = $2` compares as text, so PostgreSQL infers text.
            #expect(query.parameters.map(\.type) == [OID.int8, OID.text])
            #expect(query.parameters.map(\.sqlType) == ["bigint", "text"])
            #expect(query.parameters.map(\.number) == [1, 2])
            let columns = query.columns
            #expect(
                columns.map(\.name) == [
                    "id", "user_name", "uid", "created_at", "settings", "balance",
                    "nickname", "total", "note",
                ])
            #expect(
                columns.map(\.type) == [
                    OID.int8, OID.varchar, OID.uuid, OID.timestamptz, OID.jsonb,
                    OID.numeric, OID.text, OID.numeric, OID.text,
                ])
            #expect(columns.map(\.typeModifier) == [-1, varchar40, -1, -1, -1, numeric10_2, -1, numeric10_2, -1])
            #expect(
                columns.map(\.sqlType) == [
                    "bigint", "character varying(40)", "uuid",
                    "timestamp with time zone", "jsonb", "numeric(10,2)", "text", "numeric(10,2)", "text",
                ])
            #expect(
                columns.map { $0.source?.table } == [
                    "users", "users", "users", "users", "users", "users",
                    "users", "orders", "orders",
                ])
            #expect(
                columns.map { $0.source?.column } == [
                    "id", "name", "uid", "created_at", "settings", "balance",
                    "nickname", "total", "note",
                ])
            #expect(columns.map { $0.source?.columnNumber } == [1, 3, 2, 12, 11, 13, 4, 3, 4])
            // Facts, not nullability: orders.total is NOT NULL in its table even though the join can null it.
            #expect(columns.map { $0.source?.notNull } == [true, true, true, true, false, false, false, true, false])
            #expect(columns.allSatisfy { $0.source?.schema == "public" })
            #expect(Set(columns.compactMap { $0.source?.tableOID }).count == 2)
            let numeric = try #require(query.types[OID.numeric])
            #expect(numeric.name == "numeric" && numeric.schema == "pg_catalog" && numeric.kind == .base)
            #expect(numeric.category == "N" && numeric.isBuiltin && !numeric.isArray)
        }
    }

    @Test("enums, NOT NULL domains, arrays of enums and composite types are resolved from the catalog")
    func userTypes() async throws {
        try await withDescriber { describer in
            let query = try await describer.describe("SELECT mood, moods, contact, points, home, tags FROM users")
            let columns = query.columns
            let mood = try #require(query.types[columns[0].type])
            #expect(mood.kind == .enumeration && mood.name == "public.mood" && mood.typeName == "mood")
            #expect(mood.enumLabels == ["sad", "ok", "happy"])
            #expect(mood.category == "E" && !mood.isBuiltin && mood.oid >= 16384)
            #expect(columns[0].sqlType == "mood")

            let moods = try #require(query.types[columns[1].type])
            #expect(moods.typeName == "_mood" && moods.name == "public._mood" && moods.sqlName == "mood[]")
            #expect(moods.element == mood.oid && moods.isArray && moods.category == "A")

            // A domain column is reported as its base type; the source column's declared type is the domain.
            #expect(columns[2].type == OID.varchar && columns[2].typeModifier == varchar40)
            let contactSource = try #require(columns[2].source)
            #expect(contactSource.notNull == false)
            let email = try #require(query.types[contactSource.declaredType])
            #expect(email.kind == .domain && email.name == "public.email" && email.domainNotNull)
            #expect(email.domainBase == OID.varchar && email.domainBaseTypeModifier == varchar40)
            #expect(query.types[OID.varchar]?.name == "varchar")
            let score = try #require(columns[3].source.flatMap { query.types[$0.declaredType] })
            #expect(score.kind == .domain && score.domainBase == OID.int4 && !score.domainNotNull)

            let address = try #require(query.types[columns[4].type])
            #expect(address.kind == .composite && address.name == "public.address" && address.category == "C")
            #expect(address.attributes.map(\.name) == ["street", "zip"])
            #expect(address.attributes.map(\.type) == [OID.text, OID.varchar])
            #expect(address.attributes.map(\.sqlType) == ["text", "character varying(10)"])
            #expect(address.attributes.map(\.typeModifier) == [-1, 14])

            #expect(columns[5].type == OID.textArray && columns[5].sqlType == "text[]")
            #expect(query.types[OID.textArray]?.element == OID.text)
            #expect(query.types[OID.text]?.isBuiltin == true)
        }
    }

    @Test("aggregates have no source column; count is bigint and sum of numeric(10,2) is plain numeric")
    func aggregates() async throws {
        try await withDescriber { describer in
            let query = try await describer.describe(
                "SELECT o.user_id, count(*), sum(o.total), max(o.total) FROM orders o GROUP BY o.user_id")
            #expect(query.columns.map(\.name) == ["user_id", "count", "sum", "max"])
            #expect(query.columns.map(\.type) == [OID.int8, OID.int8, OID.numeric, OID.numeric])
            #expect(query.columns.map(\.sqlType) == ["bigint", "bigint", "numeric", "numeric"])
            #expect(query.columns.map { $0.source == nil } == [false, true, true, true])
            #expect(query.parameters.isEmpty)
        }
    }

    @Test("INSERT … RETURNING: parameter types from the target columns, result columns from RETURNING")
    func insertReturning() async throws {
        try await withDescriber { describer in
            let query = try await describer.describe(
                """
                INSERT INTO users (name, mood, tags, settings, balance, contact)
                VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, uid, created_at
                """)
            let types = query.parameters.map(\.type)
            #expect(types[0] == OID.varchar && types[2] == OID.textArray && types[3] == OID.jsonb)
            #expect(types[4] == OID.numeric)
            #expect(query.types[types[1]]?.name == "public.mood")
            #expect(query.parameters[1].sqlType == "mood")
            #expect(query.types[types[5]]?.kind == .domain)
            #expect(query.parameters[5].sqlType == "email")
            #expect(query.columns.map(\.type) == [OID.int8, OID.uuid, OID.timestamptz])
            #expect(query.columns.map { $0.source?.column } == ["id", "uid", "created_at"])
        }
    }

    @Test("UPDATE with an enum parameter and no result columns")
    func updateWithEnum() async throws {
        try await withDescriber { describer in
            let query = try await describer.describe("UPDATE users SET mood = $1 WHERE id = $2 AND mood <> $1")
            #expect(query.parameters.count == 2)
            let mood = try #require(query.types[query.parameters[0].type])
            #expect(mood.kind == .enumeration && mood.enumLabels == ["sad", "ok", "happy"])
            #expect(query.parameters[1].type == OID.int8)
            #expect(query.columns.isEmpty)
        }
    }

    @Test("= ANY($1::int[]) gives an int4 array parameter whose element is int4")
    func anyArray() async throws {
        try await withDescriber { describer in
            let query = try await describer.describe("SELECT id FROM orders WHERE id = ANY($1::int[])")
            #expect(query.parameters.map(\.type) == [OID.int4Array])
            #expect(query.parameters.map(\.sqlType) == ["integer[]"])
            let array = try #require(query.types[OID.int4Array])
            #expect(array.typeName == "_int4" && array.element == OID.int4 && array.isBuiltin)
            #expect(query.types[OID.int4]?.sqlName == "integer")
        }
    }

    @Test("a CTE passes its plain columns' sources through; its aggregate has none")
    func commonTableExpression() async throws {
        try await withDescriber { describer in
            let query = try await describer.describe(
                """
                WITH spending AS (SELECT user_id, sum(total) AS spent FROM orders GROUP BY user_id)
                SELECT u.name, s.user_id, s.spent FROM users u JOIN spending s ON s.user_id = u.id
                WHERE s.spent > $1
                """)
            #expect(query.parameters.map(\.type) == [OID.numeric])
            #expect(query.columns.map(\.name) == ["name", "user_id", "spent"])
            #expect(query.columns.map { $0.source?.table } == ["users", "orders", nil])
            #expect(query.columns.map { $0.source?.notNull } == [true, true, nil])
        }
    }

    @Test("a syntax error comes back with PostgreSQL's message, SQLSTATE 42601 and its position")
    func syntaxError() async throws {
        try await withDescriber { describer in
            let error = try await #require(throws: QueryDescriberError.self) {
                try await describer.describe("SELECT id, FROM users")
            }
            #expect(error.code == .queryRejected)
            #expect(error.sqlState == "42601")
            #expect(error.message == "syntax error at or near \"FROM\"")
            #expect(error.position == 12)
            #expect(error.description.contains("at character 12"))
        }
    }

    @Test("an unknown column is SQLSTATE 42703 at its position, counted in characters")
    func unknownColumn() async throws {
        try await withDescriber { describer in
            let error = try await #require(throws: QueryDescriberError.self) {
                try await describer.describe("SELECT 'é', nope FROM users")
            }
            #expect(error.code == .queryRejected)
            #expect(error.sqlState == "42703")
            #expect(error.message == "column \"nope\" does not exist")
            #expect(error.position == 13)
        }
    }

    @Test("a batch larger than a pipeline keeps going after a rejected statement, in order")
    func batch() async throws {
        try await withDescriber { describer in
            var statements = (0..<150).map { "SELECT id + \($0) AS n\($0) FROM orders WHERE user_id = $1" }
            statements[70] = "SELECT missing FROM orders"
            let results = try await describer.describe(statements)
            #expect(results.count == 150)
            for (index, result) in results.enumerated() where index != 70 {
                let query = try result.get()
                #expect(query.columns.map(\.name) == ["n\(index)"])
                #expect(query.parameters.map(\.type) == [OID.int8])
            }
            #expect(throws: QueryDescriberError.self) { try results[70].get() }
            // The connection is usable afterwards.
            #expect(try await describer.describe("SELECT 1 AS one").columns.map(\.type) == [OID.int4])
        }
    }

    @Test("a connection failure names the host and database, never the password")
    func connectionFailure() throws {
        let error = #expect(throws: QueryDescriberError.self) {
            try QueryDescriber(connectionString: "postgres://app:s3cret-pw@127.0.0.1:1/scratch?connect_timeout=5")
        }
        #expect(error?.code == .connectionFailed)
        #expect(error?.endpoint == "app@127.0.0.1:1/scratch")
        #expect(error?.description.contains("127.0.0.1:1/scratch") == true)
        #expect(error?.description.contains("s3cret-pw") == false)
    }

    @Test("a connection string libpq cannot parse is rejected without echoing it")
    func invalidConnectionString() {
        let error = #expect(throws: QueryDescriberError.self) {
            try QueryDescriber(connectionString: "host=localhost password s3cret-pw")
        }
        #expect(error?.code == .invalidConnectionString)
        #expect(error?.description.contains("s3cret-pw") == false)
    }
}
