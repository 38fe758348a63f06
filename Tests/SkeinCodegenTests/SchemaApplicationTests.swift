import Foundation
import SkeinTestSupport
import Testing

@testable import SkeinCodegen

/// The schema of a real project applies the way it can run (the codegen issue: a project with `CREATE INDEX
/// CONCURRENTLY` generated nothing, a goose file with `LOCK TABLE` failed, files in the "wrong" order failed).
@Suite("generate's schema: applied as each part can run", .requiresPostgreSQL)
struct SchemaApplicationTests {
    /// A new directory holding `files` (paths relative to it); the caller removes it.
    func directory(with files: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("skein-schema-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files {
            let url = directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return directory
    }

    /// Writes `files` into a new directory and applies `paths` of it on a fresh database; returns the error, if any,
    /// and the describer to look at the result with.
    func apply(_ files: [String: String], paths: [String]) async throws -> (SchemaSourceError?, QueryDescriber) {
        let directory = try directory(with: files)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try await TestDatabase.makeFreshDatabase()
        let describer = try QueryDescriber(connectionString: database.text)
        do {
            try await CodeGenerator.apply(try SchemaSource.load(paths, base: directory.path), on: describer)
            return (nil, describer)
        } catch let error as SchemaSourceError {
            return (error, describer)
        }
    }

    func relations(_ describer: QueryDescriber) async throws -> [String] {
        try await describer.rows(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace ORDER BY relname"
        ).compactMap { $0[0] }
    }

    @Test("a plain file with CREATE INDEX CONCURRENTLY applies: statement by statement once the whole file cannot")
    func concurrently() async throws {
        let (error, describer) = try await apply(
            [
                "schema.sql": """
                CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
                CREATE INDEX CONCURRENTLY idx_users_email ON users (email);
                CREATE VIEW active_users AS SELECT id FROM users;
                """
            ], paths: ["schema.sql"])
        #expect(error == nil, "\(String(describing: error))")
        #expect(try await relations(describer) == ["active_users", "idx_users_email", "users", "users_pkey"])
    }

    @Test("a goose directory: each Up in a transaction (LOCK TABLE works), NO TRANSACTION files statement by statement")
    func gooseDirectory() async throws {
        let (error, describer) = try await apply(
            [
                "migrations/00001_create_users.sql":
                    "-- +goose Up\nCREATE TABLE users (id bigint PRIMARY KEY, email text);\n-- +goose Down\nDROP TABLE users;\n",
                "migrations/00002_backfill.sql":
                    "-- +goose Up\nLOCK TABLE users IN SHARE ROW EXCLUSIVE MODE;\nUPDATE users SET email = lower(email);\n"
                    + "-- +goose Down\nSELECT 1;\n",
                "migrations/00003_index.sql":
                    "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY idx_users_email ON users (email);\n"
                    + "-- +goose Down\nDROP INDEX CONCURRENTLY idx_users_email;\n",
            ], paths: ["migrations"])
        #expect(error == nil, "\(String(describing: error))")
        #expect(try await relations(describer) == ["idx_users_email", "users", "users_pkey"])
    }

    /// Found on lnd's sqlc project: its `000009_graph_v2.down.sql` failed before the Up it undoes, then applied on
    /// the retry after every other file and dropped the Up's columns; 20 queries failed on columns that exist.
    @Test(
        "golang-migrate: *.down.sql files (in a directory, or matched by a glob) are never applied, as sqlc skips them")
    func golangMigrate() async throws {
        let files = [
            "db/000001_users.up.sql": "CREATE TABLE users (id bigint PRIMARY KEY);\n",
            "db/000001_users.down.sql": "DROP TABLE users;\n",
            "db/000002_email.up.sql": "ALTER TABLE users ADD COLUMN email text;\n",
            "db/000002_email.down.sql": "ALTER TABLE users DROP COLUMN email;\n",
            "db/.000003_hidden.up.sql": "CREATE TABLE hidden (id int);\n",
        ]
        for paths in [["db"], ["db/*.sql"]] {
            let (error, describer) = try await apply(files, paths: paths)
            #expect(error == nil, "\(paths): \(String(describing: error))")
            #expect(try await relations(describer) == ["users", "users_pkey"], "\(paths)")
            let columns = try await describer.rows(
                "SELECT attname FROM pg_attribute WHERE attrelid = 'users'::regclass AND attnum > 0 ORDER BY attnum")
            #expect(columns.compactMap { $0[0] } == ["id", "email"], "\(paths)")
        }
    }

    /// e2b's schema: `CREATE ROLE` in a goose file (roles are the server's: a second package or run finds it made)
    /// and a sqlc-only file restating a column a `DO` block added.
    @Test("what already exists (a role, a column) is kept with a warning, and the rest of its file still applies")
    func alreadyExists() async throws {
        let role = "skein_test_role_\(UUID().uuidString.prefix(8).lowercased())"
        let files = [
            "migrations/00001_auth.sql":
                "-- +goose Up\nCREATE ROLE \(role);\nCREATE TABLE teams (id bigint PRIMARY KEY);\n"
                + "GRANT SELECT ON teams TO \(role);\n-- +goose Down\nDROP TABLE teams;\n",
            "migrations/00002_slug.sql":
                "-- +goose Up\nDO $$ BEGIN ALTER TABLE teams ADD COLUMN slug text; END $$;\n",
            "sqlc_overrides.sql": "ALTER TABLE teams ADD COLUMN slug text;\nCREATE TABLE extra (id int);\n",
        ]
        var warnings: [String] = []
        var describers: [QueryDescriber] = []
        for _ in 0..<2 {
            let directory = try directory(with: files)
            defer { try? FileManager.default.removeItem(at: directory) }
            let database = try await TestDatabase.makeFreshDatabase()
            let describer = try QueryDescriber(connectionString: database.text)
            describers.append(describer)
            warnings = try await CodeGenerator.apply(
                try SchemaSource.load(["migrations", "sqlc_overrides.sql"], base: directory.path), on: describer)
            #expect(try await relations(describer) == ["extra", "teams", "teams_pkey"])
        }
        // The second round's database is new, the role is not: its CREATE ROLE is kept, the GRANT after it applied.
        #expect(warnings.contains { $0.contains("migrations/00001_auth.sql:2: kept what exists") }, "\(warnings)")
        #expect(warnings.contains { $0.contains("sqlc_overrides.sql:1: kept what exists") }, "\(warnings)")
        for describer in describers { try await describer.run("DROP OWNED BY \(role)") }
        try await describers[0].run("DROP ROLE \(role)")
    }

    /// River lists its query files as schema too: their queries (`SELECT pg_advisory_xact_lock(@key)`) were run as
    /// schema, and their DDL twice ("type … already exists").
    @Test("a file listed as both schema and queries is a query file: its DDL applied once, its queries never run")
    func schemaAndQueries() async throws {
        let directory = try directory(with: [
            "sql/jobs.sql": """
            CREATE TYPE job_state AS ENUM ('available', 'running');
            CREATE TABLE jobs (id bigserial PRIMARY KEY, state job_state NOT NULL);

            -- name: JobGet :one
            SELECT * FROM jobs WHERE id = @id;

            -- name: AdvisoryLock :exec
            SELECT pg_advisory_xact_lock(@key);
            """
        ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let package = CodegenConfiguration.Package(
            schema: ["sql"], queries: ["./sql/jobs.sql"], options: CodegenConfiguration.SwiftOptions(out: "Out"))
        let schema = try CodeGenerator.schema(for: package, base: directory.path)
        #expect(schema.scripts.map(\.line) == [1, 2], "\(schema.scripts)")
        let database = try await TestDatabase.makeFreshDatabase()
        let describer = try QueryDescriber(connectionString: database.text)
        try await CodeGenerator.apply(schema, on: describer)
        #expect(try await relations(describer) == ["jobs", "jobs_id_seq", "jobs_pkey"])
    }

    @Test(
        "dbmate, sql-migrate and tern files: only what comes before the rollback marker is schema, as sqlc reads them")
    func rollbackMarkers() async throws {
        let (error, describer) = try await apply(
            [
                "schema/20240101000000_dbmate.sql":
                    "-- migrate:up\nCREATE TABLE a (id int);\n\n-- migrate:down\nDROP TABLE a;\n",
                "schema/20240102000000_sql_migrate.sql":
                    "-- +migrate Up\nCREATE TABLE b (id int);\n-- +migrate Down\nDROP TABLE b;\nDROP TABLE a;\n",
                "schema/20240103000000_tern.sql":
                    "CREATE TABLE c (id int);\n---- create above / drop below ----\nDROP TABLE c;\n",
            ], paths: ["schema"])
        #expect(error == nil, "\(String(describing: error))")
        #expect(try await relations(describer) == ["a", "b", "c"])
        #expect(SchemaSource.upPart(of: "SELECT 1;\n-- MIGRATE:DOWN\nSELECT 2;\n") == "SELECT 1;\n")
        #expect(SchemaSource.upPart(of: "SELECT '-- migrate:down';\n") == "SELECT '-- migrate:down';\n")
    }

    @Test("glob patterns in schema: and queries:, as sqlc accepts them; a pattern that matches nothing is named")
    func globs() async throws {
        let (error, describer) = try await apply(
            [
                "db/02_orders.sql":
                    "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));\n",
                "db/01_users.sql": "CREATE TABLE users (id bigint PRIMARY KEY);\n",
                "db/notes.txt": "not SQL",
            ], paths: ["db/*.sql"])
        #expect(error == nil, "\(String(describing: error))")
        #expect(try await relations(describer) == ["orders", "orders_pkey", "users", "users_pkey"])

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("skein-globs-\(UUID())")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("q"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["b.sql", "a.sql", "c.txt"] {
            try "-- name: X :one\nSELECT 1;\n".write(
                to: directory.appendingPathComponent("q/" + name), atomically: true, encoding: .utf8)
        }
        #expect(
            try CodeGenerator.readQueryFiles(["q/*.sql"], base: directory.path).map(\.path) == ["q/a.sql", "q/b.sql"])
        // `q/**` (e2b's config) also matches sqlc's generated Go beside the queries: only `.sql` files are read.
        try "package q\n".write(to: directory.appendingPathComponent("q/db.go"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("q/sub"), withIntermediateDirectories: true)
        try "-- name: Y :one\nSELECT 2;\n".write(
            to: directory.appendingPathComponent("q/sub/d.sql"), atomically: true, encoding: .utf8)
        #expect(
            try CodeGenerator.readQueryFiles(["q/**"], base: directory.path).map(\.path) == [
                "q/a.sql", "q/b.sql", "q/sub/d.sql",
            ])
        #expect(throws: SchemaSourceError.self) {
            try CodeGenerator.readQueryFiles(["nothing/*.sql"], base: directory.path)
        }
    }

    @Test("files listed before what they use apply once it exists; what never applies is named at file:line")
    func order() async throws {
        let (error, describer) = try await apply(
            [
                "b_orders.sql": "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));\n",
                "a_views.sql": "CREATE VIEW order_count AS SELECT count(*) FROM orders;\n",
                "c_users.sql": "CREATE TABLE users (id bigint PRIMARY KEY);\n",
            ], paths: ["a_views.sql", "b_orders.sql", "c_users.sql"])
        #expect(error == nil, "\(String(describing: error))")
        #expect(try await relations(describer) == ["order_count", "orders", "orders_pkey", "users", "users_pkey"])

        let (broken, _) = try await apply(
            [
                "schema.sql":
                    "CREATE TABLE users (id bigint PRIMARY KEY);\n\nCREATE VIEW v AS SELECT nope FROM users;\n"
            ], paths: ["schema.sql"])
        let failure = try #require(broken)
        #expect(failure.file == "schema.sql" && failure.line == 3, "\(failure)")
        #expect(failure.message.contains("column \"nope\" does not exist"))
    }
}
