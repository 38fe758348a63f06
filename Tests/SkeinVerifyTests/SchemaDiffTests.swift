import PostgresNIO
import SkeinPostgres
import SkeinTestSupport
import SkeinVerify
import Testing

@Suite("schema differences against a real PostgreSQL", .requiresPostgreSQL)
struct SchemaDiffDatabaseTests {
    @Test("an index left behind is reported on its own")
    func indexLeftBehind() async throws {
        let found = try await differences(
            setup: "CREATE TABLE sessions (id int, token text)",
            change: "CREATE INDEX idx_sessions_token ON sessions (token)")
        #expect(
            found == [
                SchemaDifference(kind: .index, object: "index idx_sessions_token on sessions", change: .onlyAfter)
            ])
    }

    @Test("a table left behind is reported once, not with its columns, constraints, indexes, triggers, sequences")
    func tableLeftBehindCollapses() async throws {
        let found = try await differences(
            setup: "CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
            change: """
                CREATE TABLE audit (id serial PRIMARY KEY, note text UNIQUE CHECK (note <> ''));
                CREATE INDEX audit_note ON audit (lower(note));
                CREATE TRIGGER audit_stamp BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION stamp();
                COMMENT ON COLUMN audit.note IS 'why';
                """)
        #expect(found == [SchemaDifference(kind: .table, object: "table audit", change: .onlyAfter)])
    }

    @Test("a schema dropped with its contents is reported once")
    func schemaCollapses() async throws {
        let found = try await differences(
            setup: "CREATE SCHEMA extra; CREATE TABLE extra.t (id int PRIMARY KEY); CREATE TYPE extra.e AS ENUM ('x')",
            change: "DROP SCHEMA extra CASCADE")
        #expect(found == [SchemaDifference(kind: .schema, object: "schema extra", change: .onlyBefore)])
    }

    @Test("a changed column default is reported with both values")
    func columnDefaultChanged() async throws {
        let found = try await differences(
            setup: "CREATE TABLE users (id int, role text DEFAULT 'member')",
            change: "ALTER TABLE users ALTER COLUMN role DROP DEFAULT")
        #expect(
            found == [
                SchemaDifference(
                    kind: .column, object: "column users.role",
                    change: .changed(field: "default", before: "'member'::text", after: nil))
            ])
    }

    @Test("enum labels in another order are a difference")
    func enumLabelOrder() async throws {
        let found = try await differences(
            setup: "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
            change: "DROP TYPE mood; CREATE TYPE mood AS ENUM ('ok', 'sad', 'happy')")
        #expect(
            found == [
                SchemaDifference(
                    kind: .enum, object: "enum mood",
                    change: .changed(field: "labels", before: "'sad', 'ok', 'happy'", after: "'ok', 'sad', 'happy'"))
            ])
    }

    @Test("a function whose body changed is reported")
    func functionBodyChanged() async throws {
        let found = try await differences(
            setup: "CREATE FUNCTION answer() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 42; END $$",
            change: "CREATE OR REPLACE FUNCTION answer() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 41; END $$")
        #expect(
            found == [
                SchemaDifference(
                    kind: .function, object: "function answer()",
                    change: .changed(field: "body", before: "BEGIN RETURN 42; END", after: "BEGIN RETURN 41; END"))
            ])
    }

    @Test("a named constraint whose definition changed is reported")
    func namedConstraintChanged() async throws {
        let found = try await differences(
            setup: "CREATE TABLE payments (amount int, CONSTRAINT amount_positive CHECK (amount > 0))",
            change: """
                ALTER TABLE payments DROP CONSTRAINT amount_positive;
                ALTER TABLE payments ADD CONSTRAINT amount_positive CHECK (amount >= 0);
                """)
        #expect(
            found == [
                SchemaDifference(
                    kind: .constraint, object: "constraint amount_positive on payments",
                    change: .changed(
                        field: "definition", before: "CHECK ((amount > 0))", after: "CHECK ((amount >= 0))"))
            ])
    }

    @Test("a constraint with a generated name whose definition changed is one change, not a drop and an add")
    func generatedConstraintChanged() async throws {
        let found = try await differences(
            setup: "CREATE TABLE payments (amount int CHECK (amount > 0))",
            change: """
                ALTER TABLE payments DROP CONSTRAINT payments_amount_check;
                ALTER TABLE payments ADD CHECK (amount >= 0);
                """)
        #expect(
            found == [
                SchemaDifference(
                    kind: .constraint, object: "constraint payments_amount_check on payments",
                    change: .changed(
                        field: "definition", before: "CHECK ((amount > 0))", after: "CHECK ((amount >= 0))"))
            ])
    }

    @Test("generated names are compared by definition: a new suffix is info only")
    func generatedNameByDefinition() async throws {
        // The renamed table keeps its constraints' names, so the new table's get a suffix.
        let found = try await differences(
            setup: "CREATE TABLE t (email text UNIQUE, n int CHECK (n > 0))",
            change: """
                ALTER TABLE t RENAME TO t_old;
                CREATE TABLE t (email text UNIQUE, n int CHECK (n > 0));
                DROP TABLE t_old;
                """)
        #expect(
            found == [
                SchemaDifference(
                    kind: .constraint, object: "constraint t_n_check on t",
                    change: .changed(field: "name", before: "t_n_check", after: "t_n_check1"), severity: .info),
                SchemaDifference(
                    kind: .constraint, object: "constraint t_email_key on t",
                    change: .changed(field: "name", before: "t_email_key", after: "t_email_key1"), severity: .info),
            ])
    }

    @Test("a lost comment is reported")
    func commentLost() async throws {
        let found = try await differences(
            setup: "CREATE TABLE users (role text); COMMENT ON COLUMN users.role IS 'what they may do'",
            change: "COMMENT ON COLUMN users.role IS NULL")
        #expect(
            found == [
                SchemaDifference(
                    kind: .column, object: "column users.role",
                    change: .changed(field: "comment", before: "what they may do", after: nil))
            ])
    }

    @Test("a column added back at the end changes column order, reported once and as info only")
    func columnOrderIsInfo() async throws {
        let found = try await differences(
            setup: "CREATE TABLE t (a int, b text, c int)",
            change: "ALTER TABLE t DROP COLUMN b; ALTER TABLE t ADD COLUMN b text")
        #expect(
            found == [
                SchemaDifference(
                    kind: .table, object: "table t",
                    change: .changed(field: "column order", before: "a, b, c", after: "a, c, b"), severity: .info)
            ])
    }

    @Test("a column left behind is an error, and does not also change the column order")
    func columnLeftBehind() async throws {
        let found = try await differences(
            setup: "CREATE TABLE t (a int, c int)",
            change: "ALTER TABLE t ADD COLUMN b text")
        #expect(found == [SchemaDifference(kind: .column, object: "column t.b", change: .onlyAfter)])
    }

    @Test("a changed sequence definition is reported")
    func sequenceDefinitionChanged() async throws {
        let found = try await differences(
            setup: "CREATE SEQUENCE invoice_numbers",
            change: "ALTER SEQUENCE invoice_numbers INCREMENT 5")
        #expect(
            found == [
                SchemaDifference(
                    kind: .sequence, object: "sequence invoice_numbers",
                    change: .changed(
                        field: "definition",
                        before:
                            "AS bigint START 1 INCREMENT 1 MINVALUE 1 MAXVALUE 9223372036854775807 CACHE 1 NO CYCLE",
                        after: "AS bigint START 1 INCREMENT 5 MINVALUE 1 MAXVALUE 9223372036854775807 CACHE 1 NO CYCLE")
                )
            ])
    }

    @Test("privileges count only when asked for; granting then revoking compares equal")
    func privilegesOnlyWhenEnabled() async throws {
        try await withConnection { connection in
            try await withRole(on: connection) { role in
                try await connection.run("CREATE TABLE t (id int)")
                let plain = SnapshotOptions()
                let withPrivileges = SnapshotOptions(includesPrivileges: true)
                let before = (try await connection.snapshot(plain), try await connection.snapshot(withPrivileges))
                try await connection.run("GRANT SELECT ON t TO \(role)")
                let after = (try await connection.snapshot(plain), try await connection.snapshot(withPrivileges))
                #expect(SchemaDiff.differences(before: before.0, after: after.0) == [])
                let found = SchemaDiff.differences(before: before.1, after: after.1)
                #expect(found.count == 1)
                #expect(found.first?.object == "table t")
                if case .changed(let field, let old, let new)? = found.first?.change {
                    #expect(field == "privileges")
                    #expect(old?.contains(role) == false)
                    #expect(new?.contains("\(role)=r/") == true)
                } else {
                    Issue.record("expected a changed privileges field, got \(found)")
                }
                try await connection.run("REVOKE SELECT ON t FROM \(role)")
                let revoked = try await connection.snapshot(withPrivileges)
                #expect(SchemaDiff.differences(before: before.1, after: revoked) == [])
            }
        }
    }
}
