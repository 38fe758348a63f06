import Foundation
import Logging
import PostgresNIO
import SkeinCore
import SkeinPostgres
import SkeinTestSupport
import SkeinVerify
import Testing

/// The incremental reader against full reads: every read below is checked (`checking: true` throws when the
/// incremental snapshot differs from a full one), and every step must change the snapshot, so a reader that
/// reused a stale object would fail.
@Suite("incremental schema snapshots equal full ones", .requiresPostgreSQL)
struct SchemaSnapshotReaderTests {
    /// Runs `setup`, reads, then runs each step and reads again, on one connection; each step must change the
    /// schema. Returns how many units the reads reused in all.
    @discardableResult
    func replay(
        setup: String, steps: [String], options: SnapshotOptions = .init(), on connection: PostgresConnection
    ) async throws -> Int {
        try await connection.run(
            "SELECT set_config('plan_cache_mode', 'force_generic_plan', false), set_config('jit', 'off', false)")
        let reader = SchemaSnapshotReader(connection: connection, options: options, checking: true)
        try await connection.run(setup)
        var previous = try await reader.read(logger: quietLogger)
        var reused = 0
        for step in steps {
            try await connection.run(step)
            let next = try await reader.read(logger: quietLogger)
            #expect(next != previous, "the step changed nothing: \(step)")
            reused += await reader.lastRead.reused
            previous = next
        }
        return reused
    }

    func replay(setup: String, steps: [String], options: SnapshotOptions = .init()) async throws {
        _ = try await withConnection { connection in
            try await replay(setup: setup, steps: steps, options: options, on: connection)
        }
    }

    @Test("unchanged units are reused, and a read with nothing changed re-reads nothing")
    func reuses() async throws {
        try await withConnection { connection in
            let reader = SchemaSnapshotReader(connection: connection, checking: true)
            try await connection.run(
                "CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int PRIMARY KEY); CREATE TABLE c (id int)")
            let first = try await reader.read(logger: quietLogger)
            #expect(await reader.lastRead.reused == 0)
            let second = try await reader.read(logger: quietLogger)
            #expect(second == first)
            #expect(await reader.lastRead.reread == 0)
            try await connection.run("ALTER TABLE c ADD COLUMN note text")
            _ = try await reader.read(logger: quietLogger)
            #expect(await reader.lastRead.reread == 1)
            #expect(await reader.lastRead.reused > 1)
            // A role this database's objects do not name is renamed (as other tests, running at the same time, do):
            // nothing here is read again.
            try await withRole(on: connection) { role in
                _ = try await reader.read(logger: quietLogger)
                try await connection.run("ALTER ROLE \(role) RENAME TO \(role)_elsewhere")
                _ = try await reader.read(logger: quietLogger)
                #expect(await reader.lastRead.reread == 0)
                try await connection.run("ALTER ROLE \(role)_elsewhere RENAME TO \(role)")
            }
        }
    }

    @Test("renaming a table or a column reaches the foreign keys, views and sequences that name it")
    func renameReferencedTable() async throws {
        try await replay(
            setup: """
                CREATE TABLE a (id int PRIMARY KEY, code text UNIQUE);
                CREATE TABLE b (id serial, a_id int REFERENCES a, a_code text REFERENCES a (code));
                CREATE VIEW v AS SELECT id, code FROM a;
                CREATE VIEW w AS SELECT * FROM v;
                CREATE TABLE c (id int DEFAULT nextval('b_id_seq'));
                """,
            steps: [
                "ALTER TABLE a RENAME TO a2",
                "ALTER TABLE a2 RENAME COLUMN code TO label",
                "ALTER TABLE b RENAME COLUMN id TO ident",
                "ALTER TABLE b RENAME TO b2",
                "ALTER VIEW v RENAME COLUMN code TO c",
                "ALTER TABLE b2 ALTER COLUMN a_code TYPE varchar(20)",
            ])
    }

    @Test("enum renames, renamed and added labels reach defaults, checks and array columns")
    func enumChanges() async throws {
        try await replay(
            setup: """
                CREATE TYPE mood AS ENUM ('sad', 'ok');
                CREATE TABLE t (m mood DEFAULT 'sad', ms mood[] DEFAULT '{ok}', CHECK (m <> 'ok'));
                CREATE DOMAIN mood_d AS mood;
                CREATE TABLE u (d mood_d DEFAULT 'ok'::mood_d);
                CREATE TABLE p (m mood NOT NULL) PARTITION BY LIST (m);
                CREATE TABLE p_sad PARTITION OF p FOR VALUES IN ('sad');
                """,
            steps: [
                "ALTER TYPE mood RENAME TO feeling",
                "ALTER TYPE feeling RENAME VALUE 'sad' TO 'blue'",
                "ALTER TYPE feeling ADD VALUE 'happy'",
                "ALTER TYPE feeling ADD VALUE 'meh' BEFORE 'ok'",
                "CREATE SCHEMA other; ALTER TYPE feeling SET SCHEMA other",
            ])
    }

    @Test("trigger functions renamed or replaced with the same signature; functions in defaults and indexes")
    func functionChanges() async throws {
        try await replay(
            setup: """
                CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
                CREATE FUNCTION two() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 2';
                CREATE TABLE t (a int DEFAULT two(), b int);
                CREATE INDEX t_b ON t ((b + two()));
                CREATE TRIGGER t_stamp BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION stamp();
                CREATE FUNCTION ids() RETURNS SETOF int LANGUAGE sql STABLE BEGIN ATOMIC SELECT a FROM t; END;
                """,
            steps: [
                "ALTER FUNCTION stamp() RENAME TO touch",
                "CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
                "ALTER FUNCTION two() RENAME TO deux",
                "CREATE OR REPLACE FUNCTION deux() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 3'",
                "ALTER TABLE t RENAME COLUMN a TO alpha",
                "ALTER TRIGGER t_stamp ON t RENAME TO t_touch",
                "ALTER TABLE t DISABLE TRIGGER t_touch",
                "DROP TRIGGER t_touch ON t",
            ])
    }

    @Test("sequences: renamed under a default, owned and disowned, altered")
    func sequenceChanges() async throws {
        try await replay(
            setup: "CREATE SEQUENCE s; CREATE TABLE t (n bigint DEFAULT nextval('s'), m int)",
            steps: [
                "ALTER SEQUENCE s RENAME TO s2",
                "ALTER SEQUENCE s2 OWNED BY t.n",
                "ALTER TABLE t RENAME COLUMN n TO number",
                "ALTER SEQUENCE s2 OWNED BY NONE",
                "ALTER SEQUENCE s2 INCREMENT 5",
                "ALTER TABLE t ALTER COLUMN m SET NOT NULL, ALTER COLUMN m ADD GENERATED BY DEFAULT AS IDENTITY",
                "ALTER TABLE t ALTER COLUMN m SET INCREMENT BY 3",
                "ALTER TABLE t ALTER COLUMN number DROP DEFAULT",
            ])
    }

    @Test("a renamed schema renames everything in it, and what references it")
    func schemaRename() async throws {
        try await replay(
            setup: """
                CREATE SCHEMA app;
                CREATE TABLE app.t (id int PRIMARY KEY);
                CREATE TYPE app.kind AS ENUM ('x');
                CREATE TABLE public.u (t_id int REFERENCES app.t, k app.kind);
                """,
            steps: [
                "ALTER SCHEMA app RENAME TO core",
                "COMMENT ON SCHEMA core IS 'the core'",
                "ALTER TABLE core.t SET SCHEMA public",
                "ALTER TABLE public.t RENAME TO t2",
            ])
    }

    @Test("comments added, changed and removed, on every kind of object")
    func comments() async throws {
        try await replay(
            setup: """
                CREATE TABLE t (id int PRIMARY KEY, a int CONSTRAINT a_positive CHECK (a > 0));
                CREATE INDEX t_a ON t (a);
                CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
                CREATE TRIGGER t_f BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();
                CREATE TYPE e AS ENUM ('x');
                CREATE VIEW v AS SELECT id FROM t;
                """,
            steps: [
                "COMMENT ON TABLE t IS 'x'", "COMMENT ON TABLE t IS 'y'", "COMMENT ON COLUMN t.a IS 'a'",
                "COMMENT ON INDEX t_a IS 'i'", "COMMENT ON CONSTRAINT a_positive ON t IS 'c'",
                "COMMENT ON TRIGGER t_f ON t IS 't'", "COMMENT ON FUNCTION f() IS 'f'", "COMMENT ON TYPE e IS 'e'",
                "COMMENT ON VIEW v IS 'v'", "COMMENT ON SCHEMA public IS 'p'",
                "COMMENT ON COLUMN t.a IS NULL", "COMMENT ON INDEX t_a IS NULL",
                "COMMENT ON CONSTRAINT a_positive ON t IS NULL", "COMMENT ON TRIGGER t_f ON t IS NULL",
                "COMMENT ON FUNCTION f() IS NULL", "COMMENT ON TYPE e IS NULL", "COMMENT ON VIEW v IS NULL",
                "COMMENT ON SCHEMA public IS NULL", "COMMENT ON TABLE t IS NULL",
            ])
    }

    @Test("drops that write no row of their table: indexes, constraints, triggers, policies, rules, defaults")
    func drops() async throws {
        try await replay(
            setup: """
                CREATE TABLE a (id int PRIMARY KEY);
                CREATE TABLE b (id int PRIMARY KEY, a_id int CONSTRAINT b_a REFERENCES a, n int DEFAULT 1,
                                CONSTRAINT b_n UNIQUE (n), CONSTRAINT b_excl EXCLUDE (id WITH =));
                CREATE INDEX b_n_idx ON b (n);
                CREATE POLICY b_all ON b USING (true);
                CREATE VIEW v AS SELECT id FROM b;
                CREATE TABLE c (x int REFERENCES b);
                """,
            steps: [
                "DROP INDEX b_n_idx", "ALTER TABLE b DROP CONSTRAINT b_a", "ALTER TABLE b DROP CONSTRAINT b_n",
                "ALTER TABLE b DROP CONSTRAINT b_excl", "DROP POLICY b_all ON b", "ALTER TABLE b ALTER n DROP DEFAULT",
                "DROP VIEW v", "ALTER TABLE c DROP CONSTRAINT c_x_fkey", "DROP TABLE a",
                "CREATE TABLE d (b_id int REFERENCES b)", "DROP TABLE b CASCADE",
                "ALTER TABLE c DROP COLUMN x",
            ])
    }

    @Test("ALTER COLUMN TYPE reaches indexes, constraints and the foreign keys that reference the column")
    func alterColumnType() async throws {
        try await replay(
            setup: """
                CREATE TABLE a (id int PRIMARY KEY, n numeric(5, 2) CHECK (n > 0));
                CREATE INDEX a_n ON a (n) WHERE n > 1;
                CREATE TABLE b (a_id int REFERENCES a);
                CREATE VIEW v AS SELECT id, n FROM a;
                """,
            steps: [
                "DROP VIEW v; ALTER TABLE a ALTER COLUMN n TYPE numeric(7, 3)",
                "ALTER TABLE b ALTER COLUMN a_id TYPE bigint",
                "ALTER TABLE a ALTER COLUMN id TYPE bigint",
                "ALTER TABLE a ALTER COLUMN n SET NOT NULL",
                "ALTER TABLE b ADD COLUMN note text; ALTER TABLE b ALTER COLUMN note TYPE varchar(9) COLLATE \"C\"",
            ])
    }

    @Test("domains, composite and range types")
    func types() async throws {
        try await replay(
            setup: """
                CREATE DOMAIN positive AS int CHECK (VALUE > 0);
                CREATE TYPE pair AS (a int, b text);
                CREATE TYPE floatrange AS RANGE (subtype = float8);
                CREATE TABLE t (p positive, q pair, r floatrange);
                """,
            steps: [
                "ALTER DOMAIN positive ADD CONSTRAINT small CHECK (VALUE < 100)",
                "ALTER DOMAIN positive DROP CONSTRAINT small", "ALTER DOMAIN positive SET DEFAULT 1",
                "ALTER DOMAIN positive RENAME TO pos", "ALTER TYPE pair ADD ATTRIBUTE c date",
                "ALTER TYPE pair RENAME ATTRIBUTE a TO alpha", "ALTER TYPE pair RENAME TO couple",
                "ALTER TYPE floatrange RENAME TO frange", "ALTER TABLE t DROP COLUMN q",
                "DROP DOMAIN pos CASCADE",
            ])
    }

    @Test("partitioned tables: partitions attached, detached, indexed, renamed")
    func partitions() async throws {
        try await replay(
            setup: """
                CREATE TABLE events (id bigint, at timestamptz NOT NULL, kind text) PARTITION BY RANGE (at);
                CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
                CREATE TABLE events_2025 (id bigint, at timestamptz NOT NULL, kind text);
                CREATE TABLE base (id int); CREATE TABLE child (extra int) INHERITS (base);
                """,
            steps: [
                "ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
                "CREATE INDEX events_kind ON events (kind)", "ALTER TABLE events ADD PRIMARY KEY (id, at)",
                "ALTER TABLE events RENAME TO happenings", "ALTER TABLE happenings DETACH PARTITION events_2025",
                "CREATE TABLE events_default PARTITION OF happenings DEFAULT", "DROP INDEX events_kind",
                "ALTER TABLE base RENAME TO root", "ALTER TABLE child NO INHERIT root",
                "ALTER TABLE child INHERIT root",
            ])
    }

    @Test("privileges and owners, with a role renamed")
    func privileges() async throws {
        _ = try await withConnection { connection in
            try await withRole(on: connection) { role in
                try await replay(
                    setup: """
                        CREATE SCHEMA app; CREATE TABLE app.t (id int, n int); CREATE SEQUENCE app.s;
                        CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS 'SELECT 1'; CREATE TYPE app.e AS ENUM ('x');
                        CREATE VIEW app.v AS SELECT id FROM app.t;
                        """,
                    steps: [
                        "GRANT USAGE ON SCHEMA app TO \(role)", "GRANT SELECT ON app.t TO \(role)",
                        "GRANT UPDATE (n) ON app.t TO \(role)", "GRANT USAGE ON SEQUENCE app.s TO \(role)",
                        "REVOKE EXECUTE ON FUNCTION app.f() FROM PUBLIC", "GRANT USAGE ON TYPE app.e TO \(role)",
                        "GRANT SELECT ON app.v TO \(role)", "ALTER SEQUENCE app.s OWNER TO \(role)",
                        "ALTER ROLE \(role) RENAME TO \(role)_renamed", "ALTER ROLE \(role)_renamed RENAME TO \(role)",
                        "REVOKE UPDATE (n) ON app.t FROM \(role)", "REVOKE ALL ON app.t FROM \(role)",
                    ],
                    options: SnapshotOptions(includesPrivileges: true), on: connection)
            }
        }
    }

    @Test("search path and settings changes, and reads inside a transaction that writes")
    func sessionState() async throws {
        try await withConnection { connection in
            let reader = SchemaSnapshotReader(connection: connection, checking: true)
            try await connection.run(
                """
                CREATE SCHEMA app; CREATE TABLE app.t (id int PRIMARY KEY);
                CREATE TABLE u (t_id int REFERENCES app.t, at timestamptz) PARTITION BY RANGE (at);
                CREATE TABLE u_1 PARTITION OF u FOR VALUES FROM ('2024-01-01 00:00+00') TO ('2025-01-01 00:00+00');
                """)
            let first = try await reader.read(logger: quietLogger)
            try await connection.run("SET search_path = app, public")
            #expect(try await reader.read(logger: quietLogger) != first)
            try await connection.run("SET search_path = public; SET TimeZone = 'America/New_York'")
            #expect(try await reader.read(logger: quietLogger) != first)
            try await connection.run("RESET TimeZone; RESET search_path")
            #expect(try await reader.read(logger: quietLogger) == first)
            try await connection.run("BEGIN; ALTER TABLE app.t ADD COLUMN a int")
            _ = try await reader.read(logger: quietLogger)
            try await connection.run("ALTER TABLE app.t ALTER COLUMN a TYPE bigint")
            _ = try await reader.read(logger: quietLogger)
            try await connection.run("ALTER TABLE app.t RENAME COLUMN a TO b")
            _ = try await reader.read(logger: quietLogger)
            try await connection.run("COMMIT")
            _ = try await reader.read(logger: quietLogger)
            try await connection.run("CREATE TEMPORARY TABLE t (x int)")
            _ = try await reader.read(logger: quietLogger)
            try await connection.run("ALTER TABLE app.t RENAME TO t2")
            _ = try await reader.read(logger: quietLogger)
        }
    }

    @Test("the rich schema built statement by statement, changed, and dropped")
    func richSchemaStepByStep() async throws {
        try await withConnection { connection in
            try await withRole(on: connection) { role in
                let script = richSchema.replacingOccurrences(of: "TO ROLE;", with: "TO \(role);")
                let steps = SQLCommandSplitter.split(script).map(\.sql).filter {
                    $0.contains { !$0.isWhitespace && $0 != ";" }
                }
                let reused = try await replay(
                    setup: "",
                    steps: steps
                        + [
                            "ALTER TABLE app.users RENAME TO people",
                            "ALTER SEQUENCE app.ticket_numbers RENAME TO tickets",
                            "ALTER TYPE app.mood RENAME VALUE 'ok' TO 'fine'",
                            "ALTER FUNCTION app.touch() RENAME TO stamp",
                            "ALTER TABLE app.people RENAME COLUMN role TO kind", "ALTER EXTENSION citext UPDATE",
                            "DROP SCHEMA app CASCADE",
                        ].filter { $0 != "ALTER EXTENSION citext UPDATE" },
                    options: SnapshotOptions(includesPrivileges: true), on: connection)
                #expect(reused > 0)
            }
        }
    }

    /// The generated migrations: committed (40), and 100 more when ../shared/bench/gen_migrations.py is there.
    @Test("generated migrations through the Verifier, every snapshot checked")
    func generatedMigrations() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        var directories = [
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "Fixtures/generated")
        ]
        let generator = root.deletingLastPathComponent().appendingPathComponent("shared/bench/gen_migrations.py")
        if FileManager.default.fileExists(atPath: generator.path) {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("skein-gen-\(UUID().uuidString)")
            let generated = try await ChildProcess.run(
                "python3", [generator.path, "-n", "100", "--seed", "42", "--out", out.path, "--format", "goose"])
            #expect(generated.status == 0, "\(generated.stderr)")
            directories.append(out.appendingPathComponent("goose"))
        }
        for directory in directories + [root.appendingPathComponent("examples/agentflow/migrations")] {
            let migrations = try MigrationCatalog(source: DirectorySource(directory: directory.path)).migrations
            #expect(migrations.count >= 9)
            var options = Verifier.Options()
            options.checksSnapshots = true
            for data in [false, true] {
                options.data = data
                let report = try await TestDatabase.withFreshDatabase { database in
                    try await database.client.withConnection { connection in
                        try await Verifier(options: options).verify(migrations, on: connection, logger: quietLogger)
                    }
                }
                #expect(report.stop == nil, "\(directory.lastPathComponent): \(report)")
                #expect(report.migrations.count == migrations.count)
            }
        }
    }
}
