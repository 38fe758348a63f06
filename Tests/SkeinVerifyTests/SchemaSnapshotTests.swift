import Foundation
import PostgresNIO
import SkeinPostgres
import SkeinTestSupport
import SkeinVerify
import Testing

@Suite("schema snapshots against a real PostgreSQL", .requiresPostgreSQL)
struct SchemaSnapshotTests {
    @Test("a rich schema snapshots the same after it is dropped and created again, privileges included")
    func identicalAfterRecreate() async throws {
        try await withConnection { connection in
            try await withRole(on: connection) { role in
                let script = richSchema.replacingOccurrences(of: "TO ROLE;", with: "TO \(role);")
                let options = SnapshotOptions(includesPrivileges: true)
                try await connection.run(script)
                let first = try await connection.snapshot(options)
                try await connection.run("DROP SCHEMA app CASCADE")
                let emptied = try await connection.snapshot(options)
                #expect(emptied.objects.allSatisfy { $0.schema == "public" || $0.name == "public" })
                try await connection.run(script)
                let second = try await connection.snapshot(options)

                #expect(SchemaDiff.differences(before: first, after: second) == [])
                #expect(first == second)
                try expectRichSchemaRead(first, role: role)
            }
        }
    }

    /// What the rich schema must show, so an empty or shallow snapshot cannot pass the test above.
    func expectRichSchemaRead(_ snapshot: SchemaSnapshot, role: String) throws {
        func property(_ kind: SchemaObject.Kind, _ identity: String, _ field: String) -> String? {
            snapshot.object(kind, identity)?.properties[field]
        }
        #expect(property(.schema, "app", "comment") == "the application")
        #expect(property(.extension, "citext", "schema") == "app")
        #expect(!snapshot.objects.contains { $0.kind == .function && $0.name.hasPrefix("citext") })
        #expect(!snapshot.objects.contains { $0.kind == .function && $0.name.hasPrefix("floatrange(") })
        #expect(property(.enum, "app.mood", "labels") == "'sad', 'ok', 'happy'")
        #expect(property(.domain, "app.email", "nullability") == "NOT NULL")
        #expect(property(.domain, "app.positive", "constraints") == "positive_check CHECK ((VALUE > 0))")
        #expect(property(.compositeType, "app.pair", "attributes") == "a integer, b text")
        #expect(property(.rangeType, "app.floatrange", "subtype") == "double precision")
        #expect(
            property(.sequence, "app.ticket_numbers", "definition")
                == "AS integer START 100 INCREMENT 5 MINVALUE 1 MAXVALUE 2147483647 CACHE 10 CYCLE")
        #expect(property(.sequence, "owned by app.users.legacy_id", "definition")?.hasPrefix("AS integer") == true)
        #expect(property(.sequence, "owned by app.events.id", "definition")?.contains("START 10 INCREMENT 2") == true)
        #expect(property(.table, "app.cache", "persistence") == "unlogged")
        #expect(property(.table, "app.children", "inherits") == "app.cache")
        #expect(property(.table, "app.events", "partitioning") == "RANGE (at)")
        #expect(property(.table, "app.events_default", "partition of") == "app.events DEFAULT")
        #expect(property(.table, "app.sessions", "options") == "fillfactor=80")
        #expect(property(.table, "app.users", "row security") == "enabled")
        #expect(property(.table, "app.users", "comment") == "people")
        #expect(property(.column, "app.users.id", "identity") == "ALWAYS")
        #expect(property(.column, "app.users.name", "collation") == "pg_catalog.\"C\"")
        #expect(property(.column, "app.users.name_length", "generated") == "ALWAYS AS (length(name)) STORED")
        #expect(property(.column, "app.users.role", "default") == "'member'::text")
        #expect(property(.column, "app.users.role", "comment") == "what they may do")
        #expect(property(.column, "app.users.name", "privileges")?.contains("\(role)=w/") == true)
        #expect(property(.constraint, "app.sessions.sessions_no_overlap", "type") == "exclusion")
        #expect(property(.constraint, "app.sessions.sessions_no_overlap", "comment") == "one at a time")
        #expect(snapshot.object(.constraint, "app.users unique UNIQUE (email)")?.name == "users_email_key")
        #expect(
            snapshot.object(
                .constraint, "app.sessions foreign key FOREIGN KEY (user_id) REFERENCES app.users(id) ON DELETE CASCADE"
            )
                != nil)
        #expect(
            property(.constraint, "app.documents check CHECK ((jsonb_typeof(body) = 'object'::text)) NOT VALID", "type")
                == "check")
        #expect(
            property(.index, "app.sessions.idx_sessions_token", "definition")
                == "CREATE UNIQUE INDEX ON app.sessions USING btree (token) WHERE (token <> ''::text)")
        #expect(snapshot.object(.index, "app.documents CREATE INDEX ON app.documents USING gin (tags)") != nil)
        #expect(snapshot.object(.index, "app.sessions CREATE INDEX ON app.sessions USING btree (lower(token))") != nil)
        #expect(property(.view, "app.admins", "definition")?.contains("WHERE (users.role = 'admin'::text)") == true)
        #expect(property(.materializedView, "app.user_counts", "data") == "not populated")
        #expect(property(.function, "app.touch()", "language") == "plpgsql")
        #expect(property(.function, "app.add(a integer, b integer)", "body") == "SELECT a + b")
        #expect(property(.function, "app.user_ids()", "settings") == "search_path=app")
        #expect(property(.function, "app.double(x integer)", "body") == "RETURN (x * 2)")
        #expect(property(.procedure, "app.purge(IN keep interval)", "language") == "plpgsql")
        #expect(property(.trigger, "app.users.users_touch", "comment") == "stamps")
        #expect(property(.policy, "app.users.users_self", "command") == "SELECT")
        #expect(property(.table, "app.users", "privileges")?.contains("\(role)=ar/") == true)
        #expect(property(.function, "app.add(a integer, b integer)", "privileges")?.contains("\(role)=X/") == true)
        #expect(property(.schema, "app", "owner") != nil)
    }

    @Test("goose's and Skein's tables are left out with their columns, constraints, indexes and sequences")
    func excludesMigrationTables() async throws {
        try await withConnection { connection in
            try await connection.run(
                """
                CREATE TABLE goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL);
                CREATE INDEX ON goose_db_version (version_id);
                CREATE TABLE goose_db_version_skein_audit (id bigserial PRIMARY KEY, note text UNIQUE);
                CREATE TABLE gooseXdb_version (id int);
                CREATE TABLE app_table (id int);
                """)
            let options = SnapshotOptions(excludedTables: SnapshotOptions.migrationTables(.gooseDefault))
            let before = try await connection.snapshot(options)
            let mentioned = before.objects.filter { $0.identity.contains("goose_db_version") }
            #expect(mentioned == [])
            #expect(before.object(.table, "public.goosexdb_version") != nil)
            #expect(before.object(.table, "public.app_table") != nil)
            try await connection.run(
                """
                INSERT INTO goose_db_version (version_id) VALUES (1);
                ALTER TABLE goose_db_version_skein_audit ADD COLUMN extra text;
                CREATE INDEX ON goose_db_version_skein_audit (extra);
                """)
            #expect(SchemaDiff.differences(before: before, after: try await connection.snapshot(options)) == [])
            #expect(try await connection.snapshot().objects.contains { $0.identity.contains("goose_db_version") })
        }
    }

    @Test("only the schemas asked for are read")
    func onlySomeSchemas() async throws {
        try await withConnection { connection in
            try await connection.run(
                "CREATE SCHEMA a; CREATE SCHEMA b; CREATE TABLE a.t (id int); CREATE TABLE b.t (id int)")
            let snapshot = try await connection.snapshot(SnapshotOptions(schemas: .only(["b"])))
            #expect(Set(snapshot.objects.compactMap(\.schema)) == ["b"])
            #expect(snapshot.object(.table, "b.t") != nil)
        }
    }

    @Test("a sequence's current value is not part of the snapshot")
    func sequenceValueIgnored() async throws {
        let found = try await differences(
            setup: "CREATE SEQUENCE counter; CREATE TABLE t (id serial)",
            change: "SELECT nextval('counter'); SELECT setval('counter', 500); INSERT INTO t DEFAULT VALUES")
        #expect(found == [])
    }

    @Test("function bodies are compared after normalizing line ends and trailing blanks")
    func functionBodyNormalized() async throws {
        let found = try await differences(
            setup: "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN 1;\nEND\n$$",
            change:
                "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\r\nBEGIN   \r\n  RETURN 1;\r\nEND  $$"
        )
        #expect(found == [])
    }
}
