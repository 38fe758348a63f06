import Foundation
import SkeinTestSupport
import Testing

@testable import SkeinCodegen

/// The schema of a real project applies the way it can run (the codegen issue: a project with `CREATE INDEX
/// CONCURRENTLY` generated nothing, a goose file with `LOCK TABLE` failed, files in the "wrong" order failed).
@Suite("generate's schema: applied as each part can run", .requiresPostgreSQL)
struct SchemaApplicationTests {
    /// Writes `files` into a new directory and applies `paths` of it on a fresh database; returns the error, if any,
    /// and the describer to look at the result with.
    func apply(_ files: [String: String], paths: [String]) async throws -> (SchemaSourceError?, QueryDescriber) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("skein-schema-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, text) in files {
            let url = directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
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
