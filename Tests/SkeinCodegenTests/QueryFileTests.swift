import Foundation
import SkeinCodegen
import SkeinCore
import Testing

@Suite("codegen: sqlc-annotated query files")
struct QueryFileTests {
    func queries(_ text: String) throws -> [AnnotatedQuery] {
        try QueryFileParser.parse(text, file: "queries/users.sql").get()
    }

    @Test("names, kinds, lines; sqlc.arg / @name / narg / slice become $n in order of first use, reused by name")
    func macros() throws {
        let parsed = try queries(
            """
            -- Users.

            -- name: GetUserByID :one
            SELECT * FROM users WHERE id = sqlc.arg(id);

            -- name: ListActiveUsers :many
            SELECT id, email FROM users
            WHERE status = @status AND (created_at > sqlc.narg('since') OR @status = 'admin')
              AND id = ANY(sqlc.slice(ids))
            ORDER BY created_at DESC;
            """)
        #expect(parsed.map(\.name) == ["GetUserByID", "ListActiveUsers"])
        #expect(parsed.map(\.command) == [.one, .many])
        #expect(parsed.map(\.line) == [3, 6] && parsed[1].sqlLine == 7)
        #expect(parsed[0].sql == "SELECT * FROM users WHERE id = $1")
        #expect(parsed[0].parameters == [.init(number: 1, name: "id", kind: .argument)])
        #expect(
            parsed[1].sql == """
                SELECT id, email FROM users
                WHERE status = $1 AND (created_at > $2 OR $1 = 'admin')
                  AND id = ANY($3)
                ORDER BY created_at DESC
                """)
        #expect(
            parsed[1].parameters == [
                .init(number: 1, name: "status", kind: .argument), .init(number: 2, name: "since", kind: .nullable),
                .init(number: 3, name: "ids", kind: .slice),
            ])
    }

    @Test("one name as sqlc.arg and sqlc.narg (or @name) is one optional parameter, as sqlc merges them")
    func argAndNarg() throws {
        let parsed = try queries(
            """
            -- name: Touch :exec
            UPDATE t SET seen = sqlc.arg(after) WHERE seen IS NULL OR seen < sqlc.narg(after);
            -- name: Again :exec
            UPDATE t SET seen = sqlc.narg(after) WHERE seen < @after;
            """)
        #expect(parsed[0].sql == "UPDATE t SET seen = $1 WHERE seen IS NULL OR seen < $1")
        #expect(parsed[0].parameters == [.init(number: 1, name: "after", kind: .nullable)])
        #expect(parsed[1].parameters == [.init(number: 1, name: "after", kind: .nullable)])
    }

    @Test("macros inside strings, comments and dollar quotes, operators like @> and <@, and positional $n stay")
    func untouched() throws {
        let parsed = try queries(
            """
            -- name: Tagged :many
            SELECT 'sqlc.arg(x) @y', $$ @z $$, "@col" -- sqlc.arg(comment)
            FROM posts WHERE tags @> $1 AND $1 <@ tags AND author = @author /* @nope */;
            """)
        #expect(
            parsed[0].sql == """
                SELECT 'sqlc.arg(x) @y', $$ @z $$, "@col" -- sqlc.arg(comment)
                FROM posts WHERE tags @> $1 AND $1 <@ tags AND author = $2 /* @nope */
                """)
        #expect(
            parsed[0].parameters == [
                .init(number: 1, name: nil, kind: .argument), .init(number: 2, name: "author", kind: .argument),
            ])
    }

    @Test("sqlc.embed(t) is t.*, recorded for the row type")
    func embed() throws {
        let parsed = try queries(
            "-- name: PostsWithAuthors :many\nSELECT sqlc.embed(posts), sqlc.embed(users) FROM posts JOIN users ON users.id = posts.author_id;\n"
        )
        #expect(parsed[0].sql == "SELECT posts.*, users.* FROM posts JOIN users ON users.id = posts.author_id")
        #expect(parsed[0].embeds == ["posts", "users"])
    }

    @Test("every problem at once, each at its line")
    func errors() {
        let result = QueryFileParser.parse(
            """
            SELECT 1;
            -- name: A :one
            SELECT 1;
            -- name: B :fetch
            SELECT 2;
            -- name: A :many
            SELECT 3;
            -- name: C :exec
            -- name: D :exec
            UPDATE t SET a = sqlc.arg(a) WHERE b = ANY(sqlc.slice(a));
            -- name: E-F :exec
            SELECT 4;
            """, file: "q.sql")
        guard case .failure(let failure) = result else {
            Issue.record("must fail")
            return
        }
        let errors = failure.errors
        #expect(errors.map { $0.location?.line } == [4, 6, 8, 10, 11], "\(errors)")
        #expect(errors[0].message.contains("unknown query kind :fetch"))
        #expect(errors[1].message == "query A is already defined at line 2")
        #expect(errors[2].message.contains("query C has no SQL"))
        #expect(errors[3].message.contains("parameter a is used both as sqlc.arg and as sqlc.slice"))
        #expect(errors[4].message.contains("must be an identifier"))
    }

    @Test(
        "sqlc's documented IN (sqlc.slice(ids)) becomes one array parameter PostgreSQL accepts",
        arguments: [
            ("WHERE id IN (sqlc.slice(ids))", "WHERE id = ANY($1)"),
            ("WHERE id in(sqlc.slice('ids') )", "WHERE id = ANY($1)"),
            ("WHERE id NOT IN ( sqlc.slice(ids))", "WHERE id <> ALL($1)"),
            ("WHERE id = ANY(sqlc.slice(ids))", "WHERE id = ANY($1)"),
            ("WHERE pin (sqlc.slice(ids))", "WHERE pin ($1)"),
        ])
    func slice(written: String, sent: String) throws {
        let query = try #require(
            try QueryFileParser.parse("-- name: Some :many\nSELECT id FROM t \(written);\n", file: "q.sql").get().first)
        #expect(query.sql == "SELECT id FROM t \(sent)")
        #expect(query.parameters == [AnnotatedQuery.Parameter(number: 1, name: "ids", kind: .slice)])
    }

    @Test("PostgreSQL's position in the rewritten SQL maps back to the file's line:column, past macros")
    func positions() throws {
        let text = """
            -- name: Find :many
            -- Documentation lines are not SQL.
            SELECT id FROM t
            WHERE a = sqlc.arg(alpha) AND @beta = b
              AND nope = 1;
            """
        let query = try #require(try QueryFileParser.parse(text, file: "q.sql").get().first)
        #expect(query.sql == "SELECT id FROM t\nWHERE a = $1 AND $2 = b\n  AND nope = 1")
        // PostgreSQL counts characters from 1.
        func position(of needle: String) -> Int {
            query.sql.distance(from: query.sql.startIndex, to: query.sql.range(of: needle)!.lowerBound) + 1
        }
        #expect(query.location(ofPosition: position(of: "nope"))! == (line: 5, column: 7))
        #expect(query.location(ofPosition: position(of: "b\n"))! == (line: 4, column: 39))
        #expect(query.location(ofPosition: position(of: "$2"))! == (line: 4, column: 31))  // the @beta it stands for
        #expect(query.location(ofPosition: 1)! == (line: 3, column: 1))
        #expect(query.location(ofPosition: 10_000) == nil)
    }

    @Test("statements without an annotation, as sqlc reads them: DDL is schema, the rest is skipped with a warning")
    func unannotated() {
        let contents = QueryFileParser.read(
            """
            -- A table only the queries use (sqlc reads it into its catalog).
            CREATE TABLE audit_events (id bigint PRIMARY KEY, kind text NOT NULL);
            SELECT 1;

            -- name: ListEvents :many
            SELECT id, kind FROM audit_events ORDER BY id;

            CREATE INDEX audit_events_kind ON audit_events (kind);
            DELETE FROM audit_events;
            /* name: CountEvents :one */
            SELECT count(*) FROM audit_events;
            """, file: "q.sql")
        #expect(contents.errors.isEmpty, "\(contents.errors)")
        #expect(contents.queries.map(\.name) == ["ListEvents", "CountEvents"])
        #expect(contents.queries[0].sql == "SELECT id, kind FROM audit_events ORDER BY id")
        #expect(contents.queries[1].line == 10 && contents.queries[1].command == .one)
        #expect(contents.schema.map(\.line) == [1, 8])
        #expect(contents.schema[0].sql.contains("CREATE TABLE audit_events"))
        #expect(contents.schema[1].sql.contains("CREATE INDEX audit_events_kind"))
        #expect(contents.skipped.map { $0.location?.line } == [3, 9])
        #expect(contents.skipped[0].message.contains("without a `-- name: Name :kind` annotation is skipped"))
    }

    /// Found by FuzzQueryFile (docs/fuzzing.md): a query of only semicolons or block comments was accepted with
    /// empty SQL.
    @Test(
        "a query of only semicolons or comments has no SQL",
        arguments: ["-- name: A :one\n;\n", "-- name: A :exec\n/* later */ ;;\n", "-- name: A :one\n-- Doc.\n/* */\n"])
    func noSQL(text: String) {
        let (queries, errors) = QueryFileParser.parseAll(text, file: "q.sql")
        #expect(queries.isEmpty)
        #expect(
            errors.map(\.description) == [
                "q.sql:1: error[query-empty]: query A has no SQL after its `-- name:` line; write the statement below it"
            ])
    }

    /// Found by FuzzQueryFile (docs/fuzzing.md): a `$n` of twenty digits overflowed `Int`, and the parser trapped.
    @Test("a $n above PostgreSQL's 65535 parameters is an error, not a crash")
    func placeholderOutOfRange() {
        let (queries, errors) = QueryFileParser.parseAll(
            "-- name: A :one\nSELECT @a,\n  $99999999999999999999;\n", file: "q.sql")
        #expect(queries.isEmpty)
        #expect(
            errors.map(\.description) == [
                "q.sql:3: error[query-macro]: $999999999999… is out of range: PostgreSQL numbers parameters $1 to $65535"
            ])
        let highest = QueryFileParser.parseAll("-- name: B :one\nSELECT $65535;\n", file: "q.sql")
        #expect(highest.errors.isEmpty && highest.queries.first?.parameters.map(\.number) == [65535])
    }

    /// Found by FuzzQueryFile (docs/fuzzing.md): a quote inside a block comment hid the `$n` after it from the
    /// numbering of named parameters, so `@i` took `$1` too.
    @Test("a quote in a block comment does not hide a $n from the numbering of named parameters")
    func quoteInBlockComment() {
        let (queries, errors) = QueryFileParser.parseAll("-- name: A :many\n/* it's */ SELECT $1, @i;\n", file: "q.sql")
        #expect(errors.isEmpty)
        #expect(queries.first?.parameters.map(\.number) == [1, 2])
        #expect(queries.first?.sql == "/* it's */ SELECT $1, $2")
    }

    @Test("CRLF line endings: every annotation is seen, lines are counted, no \\r reaches the SQL")
    func crlf() throws {
        let parsed = try queries(
            "-- name: A :one\r\n-- Doc.\r\nSELECT id\r\nFROM users WHERE id = @id;\r\n\r\n-- name: B :many\r\nSELECT 2;\r\n"
        )
        #expect(parsed.map(\.name) == ["A", "B"])
        #expect(parsed.map(\.line) == [1, 6] && parsed[0].sqlLine == 3)
        #expect(parsed[0].comments == ["Doc."])
        #expect(parsed[0].sql == "SELECT id\nFROM users WHERE id = $1" && parsed[1].sql == "SELECT 2")
        let broken = QueryFileParser.parseAll(
            "-- name: A :one\r\nSELECT 1;\r\n-- name: B :nope\r\nSELECT 2;\r\n", file: "q.sql")
        #expect(broken.errors.map { $0.location?.line } == [3] && broken.queries.map(\.name) == ["A"])
        #expect(broken.errors.first?.message.hasPrefix("unknown query kind :nope for B;") == true)
    }

    @Test("the benchmark's generated queries all parse")
    func generated() throws {
        let text = """
            -- name: StatsByStatusT0001CartsQ1 :many
            SELECT status, count(*) AS total, sum(amount_cents)::bigint AS amount_sum
            FROM t0001_carts
            WHERE created_at >= sqlc.arg(since)
            GROUP BY status
            HAVING count(*) >= sqlc.arg(min_count)::bigint;
            """
        let parsed = try queries(text)
        #expect(parsed[0].sql.contains("created_at >= $1") && parsed[0].sql.contains("count(*) >= $2::bigint"))
    }
}

@Suite("codegen: configuration (skein.yaml gen: swift, sqlc.yaml plugin form)")
struct CodegenConfigurationTests {
    @Test("skein.yaml's sql: list with gen: swift")
    func genSwift() throws {
        let configuration = try CodegenConfiguration.parse(
            """
            version: "2"
            sql:
              - engine: postgresql
                schema: migrations
                queries: [queries/users.sql, queries/agents.sql]
                gen:
                  swift:
                    out: Sources/App/Queries
                    access_level: package
                    emit_codable: true
                    emit_protocol: true
                    rename:
                      api_keys: APIKeys
                    overrides:
                      - db_type: uuid
                        swift_type: Foundation.UUID
                      - column: users.settings
                        swift_type: UserSettings
            """, path: "skein.yaml")
        let package = try #require(configuration.packages.first)
        #expect(package.schema == ["migrations"] && package.queries == ["queries/users.sql", "queries/agents.sql"])
        #expect(package.options.out == "Sources/App/Queries" && package.options.accessLevel == .package)
        #expect(package.options.emitCodable && package.options.emitProtocol)
        #expect(package.options.rename == ["api_keys": "APIKeys"])
        #expect(package.options.overrides.map(\.swiftType) == ["Foundation.UUID", "UserSettings"])
        #expect(package.options.overrides[1].column == "users.settings")
    }

    @Test("an override's conforms_to: Hashable and Codable only, as a list")
    func conformsTo() throws {
        func parse(_ value: String) throws -> CodegenConfiguration {
            try CodegenConfiguration.parse(
                """
                version: "2"
                sql:
                  - engine: postgresql
                    schema: migrations
                    queries: queries
                    gen:
                      swift:
                        out: Out
                        overrides:
                          - db_type: interval
                            swift_type: Period
                            conforms_to: \(value)
                """, path: "skein.yaml")
        }
        #expect(
            try parse("[Hashable, Codable]").packages[0].options.overrides[0].conformsTo == ["Hashable", "Codable"])
        #expect(throws: (any Error).self) { try parse("[Equatable]") }
        #expect(throws: (any Error).self) { try parse("Hashable") }
    }

    @Test("an unchanged sqlc.yaml with --out: one plain entry generates there, several each in their Go package's")
    func plainOut() throws {
        let text = """
            version: "2"
            sql:
              - engine: postgresql
                schema: db/migrations
                queries: db/queries
                gen:
                  go:
                    package: storage
                    out: internal/storage
            """
        #expect(throws: CodegenConfigurationError.self) { try CodegenConfiguration.parse(text, path: "sqlc.yaml") }
        do {
            _ = try CodegenConfiguration.parse(text, path: "sqlc.yaml")
        } catch {
            #expect(error.description.contains("skein generate --out"), "\(error)")
        }
        let one = try CodegenConfiguration.parse(text, path: "sqlc.yaml", plainOut: "Sources/DB")
        #expect(one.packages.map(\.options.out) == ["Sources/DB"])
        #expect(one.packages.first?.schema == ["db/migrations"] && one.packages.first?.queries == ["db/queries"])
        let several = try CodegenConfiguration.parse(
            text + """

                  - engine: postgresql
                    schema: audit/schema.sql
                    queries: audit/queries
                    gen:
                      swift:
                        out: Sources/Audit
                  - engine: postgresql
                    schema: reports/schema.sql
                    queries: reports/queries
                  - engine: postgresql
                    schema: testutils/schema.sql
                    queries: testutils/queries
                    gen:
                      go:
                        package: storage
                        out: testutils/storage
                """, path: "sqlc.yaml", plainOut: "Sources/DB")
        #expect(
            several.packages.map(\.options.out) == [
                "Sources/DB/storage", "Sources/Audit", "Sources/DB/sql2", "Sources/DB/storage3",
            ])
    }

    @Test("sqlc.yaml's plugin form: sqlc keeps its go block, Skein reads the swift plugin's codegen entry")
    func pluginForm() throws {
        let configuration = try CodegenConfiguration.parse(
            """
            version: "2"
            plugins:
              - name: swift
                process:
                  cmd: skein-sqlc-plugin
            sql:
              - engine: postgresql
                schema: migrations
                queries: internal/storage/queries
                gen:
                  go:
                    package: storage
                    out: internal/storage
                codegen:
                  - plugin: swift
                    out: Sources/Storage
                    options:
                      emit_codable: true
            """, path: "sqlc.yaml")
        #expect(configuration.packages.count == 1)
        #expect(
            configuration.packages[0].options.out == "Sources/Storage" && configuration.packages[0].options.emitCodable)
        #expect(configuration.packages[0].queries == ["internal/storage/queries"])
    }

    @Test(
        "unknown keys and bad values name the file and the line",
        arguments: [
            ("version: \"1\"\nsql: []\n", "sqlc.yaml:1", "version must be \"2\""),
            (
                "version: \"2\"\nsql:\n  - schema: s\n    queries: q\n    gen:\n      swift:\n        out: o\n        emit_json: true\n",
                "sqlc.yaml:8", "unknown key \"emit_json\""
            ),
            (
                "version: \"2\"\nsql:\n  - schema: s\n    queries: q\n    gen:\n      swift:\n        access_level: open\n        out: o\n",
                "sqlc.yaml:7", "access_level"
            ),
            (
                "version: \"2\"\nsql:\n  - schema: s\n    queries: q\n    gen:\n      go:\n        out: o\n",
                "sqlc.yaml:3", "no sql entry generates Swift"
            ),
            (
                "version: \"2\"\nsql:\n  - engine: mysql\n    schema: s\n    queries: q\n", "sqlc.yaml:3",
                "engine must be postgresql"
            ),
        ])
    func rejects(text: String, location: String, mention: String) {
        do {
            _ = try CodegenConfiguration.parse(text, path: "sqlc.yaml")
            Issue.record("must fail")
        } catch {
            #expect(error.description.hasPrefix(location), "\(error)")
            #expect(error.description.contains(mention), "\(error)")
        }
    }
}
