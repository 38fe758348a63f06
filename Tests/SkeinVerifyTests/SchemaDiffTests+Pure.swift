import SkeinPostgres
import SkeinVerify
import Testing

@Suite("schema differences, without a database")
struct SchemaDiffPureTests {
    func table(_ name: String, schema: String = "public") -> SchemaObject {
        SchemaObject(kind: .table, schema: schema, name: name, properties: ["persistence": "permanent"])
    }

    func column(_ name: String, of table: String, position: Int, type: String = "integer") -> SchemaObject {
        SchemaObject(
            kind: .column, schema: "public", name: name, table: table,
            properties: ["position": "\(position)", "type": type])
    }

    @Test("kinds sort in declaration order, and hash as their case")
    func kindOrder() {
        let kinds = SchemaObject.Kind.allCases
        #expect(kinds.shuffled().sorted() == kinds)
        #expect(Set(kinds).count == kinds.count)
        #expect(
            Dictionary(uniqueKeysWithValues: kinds.map { ($0, $0.rawValue) })[.materializedView] == "materialized view")
    }

    @Test("equal snapshots have no differences")
    func equal() {
        let snapshot = SchemaSnapshot(objects: [table("t"), column("a", of: "t", position: 1)])
        #expect(SchemaDiff.differences(before: snapshot, after: snapshot) == [])
    }

    @Test("differences come in kind, identity and field order whatever the input order")
    func deterministicOrder() {
        let before = SchemaSnapshot(objects: [
            column("b", of: "t", position: 2), table("t"), column("a", of: "t", position: 1),
        ])
        var changedA = column("a", of: "t", position: 1, type: "bigint")
        changedA.properties["default"] = "0"
        let after = SchemaSnapshot(objects: [
            changedA, table("u"), table("t"), column("b", of: "t", position: 2, type: "text"),
        ])
        let found = SchemaDiff.differences(before: before, after: after)
        #expect(
            found == [
                SchemaDifference(kind: .table, object: "table u", change: .onlyAfter),
                SchemaDifference(
                    kind: .column, object: "column t.a", change: .changed(field: "default", before: nil, after: "0")),
                SchemaDifference(
                    kind: .column, object: "column t.a",
                    change: .changed(field: "type", before: "integer", after: "bigint")),
                SchemaDifference(
                    kind: .column, object: "column t.b",
                    change: .changed(field: "type", before: "integer", after: "text")),
            ])
    }

    @Test("children of a table only on one side are collapsed into the table; other tables' are not")
    func collapse() {
        let index = SchemaObject(
            kind: .index, schema: "public", name: "t_a_idx", table: "t",
            properties: ["definition": "CREATE INDEX ON public.t USING btree (a)"])
        let otherIndex = SchemaObject(
            kind: .index, schema: "public", name: "u_idx", table: "u", properties: ["definition": "x"])
        let before = SchemaSnapshot(objects: [table("u")])
        let after = SchemaSnapshot(objects: [
            table("t"), column("a", of: "t", position: 1), index, table("u"), otherIndex,
        ])
        #expect(
            SchemaDiff.differences(before: before, after: after) == [
                SchemaDifference(kind: .table, object: "table t", change: .onlyAfter),
                SchemaDifference(kind: .index, object: "index u_idx on u", change: .onlyAfter),
            ])
    }

    @Test("objects outside public are named with their schema")
    func displayNames() {
        #expect(table("t", schema: "app").displayName == "table app.t")
        #expect(
            SchemaObject(kind: .constraint, schema: "app", name: "c", table: "t").displayName
                == "constraint c on app.t")
        #expect(SchemaObject(kind: .column, schema: "public", name: "c", table: "t").displayName == "column t.c")
    }

    @Test(
        "names PostgreSQL would generate are recognised",
        arguments: [
            ("users_pkey", "users", SchemaObject.Kind.constraint, true),
            ("users_email_key", "users", .constraint, true),
            ("users_email_key1", "users", .constraint, true),
            ("sessions_user_id_fkey", "sessions", .constraint, true),
            ("payments_amount_check", "payments", .constraint, true),
            ("sessions_lower_idx", "sessions", .index, true),
            ("sessions_lower_idx", "sessions", .constraint, false),
            ("idx_sessions_token", "sessions", .index, false),
            ("amount_positive", "payments", .constraint, false),
            ("users_email_key", "accounts", .constraint, false),
            (
                "a_table_with_a_very_long_name_a_column_with_a_long_name_and_key",  // what PostgreSQL 15 chose
                "a_table_with_a_very_long_name_for_the_test", .constraint, true
            ),
        ])
    func generatedNames(name: String, table: String, kind: SchemaObject.Kind, expected: Bool) {
        #expect(SchemaObject.isGeneratedName(name, table: table, kind: kind) == expected)
    }

    @Test("identities that occur twice are numbered, so both objects are compared")
    func duplicateIdentities() {
        let check = { (name: String) in
            SchemaObject(
                kind: .constraint, schema: "public", name: name, table: "t",
                properties: ["type": "check", "definition": "CHECK ((a > 0))"])
        }
        let snapshot = SchemaSnapshot(objects: [check("t_a_check1"), check("t_a_check")])
        #expect(
            snapshot.objects.map(\.identity) == ["public.t check CHECK ((a > 0))", "public.t check CHECK ((a > 0)) #2"])
        #expect(snapshot.objects.map(\.name) == ["t_a_check", "t_a_check1"])
    }
}
