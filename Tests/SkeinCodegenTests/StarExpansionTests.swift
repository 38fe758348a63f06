import SkeinSQL
import Testing

@testable import SkeinCodegen

/// `*` is written out as the columns it stands for (the generated code decodes by position), or left alone when
/// that cannot be done exactly.
@Suite("codegen: SELECT * and RETURNING * are written out")
struct StarExpansionTests {
    static let columns: [String: [String]] = [
        "public.users": ["id", "email", "order"], "public.teams": ["id", "name"], "billing.invoices": ["id", "total"],
    ]

    static func expand(_ sql: String, described names: [String]) throws -> String {
        let described = DescribedQuery(
            sql: sql, parameters: [],
            columns: names.map {
                DescribedQuery.Column(name: $0, type: 25, typeModifier: -1, sqlType: "text", source: nil)
            },
            types: [:])
        return StarExpansion.expand(
            sql, statements: try SQLGrammar.parse(sql).get(), described: described, columns: columns)
    }

    @Test(
        "tables, aliases, qualified stars, joins, RETURNING; keywords quoted",
        arguments: [
            (
                "SELECT * FROM users WHERE id = $1", ["id", "email", "order"],
                "SELECT users.id, users.email, users.\"order\" FROM users WHERE id = $1"
            ),
            (
                "SELECT u.*, t.name FROM users u JOIN teams t ON t.id = u.id", ["id", "email", "order", "name"],
                "SELECT u.id, u.email, u.\"order\", t.name FROM users u JOIN teams t ON t.id = u.id"
            ),
            (
                "SELECT * FROM users u LEFT JOIN teams t ON t.id = u.id", ["id", "email", "order", "id", "name"],
                "SELECT u.id, u.email, u.\"order\", t.id, t.name FROM users u LEFT JOIN teams t ON t.id = u.id"
            ),
            (
                "SELECT * FROM billing.invoices", ["id", "total"],
                "SELECT invoices.id, invoices.total FROM billing.invoices"
            ),
            (
                "INSERT INTO users (email) VALUES ($1) RETURNING *", ["id", "email", "order"],
                "INSERT INTO users (email) VALUES ($1) RETURNING users.id, users.email, users.\"order\""
            ),
            (
                "DELETE FROM teams AS t WHERE id = $1 RETURNING t.*", ["id", "name"],
                "DELETE FROM teams AS t WHERE id = $1 RETURNING t.id, t.name"
            ),
        ])
    func expanded(sql: String, described: [String], expected: String) throws {
        #expect(try Self.expand(sql, described: described) == expected)
    }

    @Test(
        "left as written: USING, NATURAL, subqueries, functions, set operations, unknown tables, a mismatch",
        arguments: [
            ("SELECT * FROM users JOIN teams USING (id)", ["id", "email", "order", "name"]),
            ("SELECT * FROM users NATURAL JOIN teams", ["id", "email", "order", "name"]),
            ("SELECT * FROM (SELECT id FROM users) s", ["id"]),
            ("SELECT * FROM generate_series(1, 3)", ["generate_series"]),
            ("SELECT * FROM users UNION ALL SELECT * FROM users", ["id", "email", "order"]),
            ("SELECT * FROM nowhere", ["id"]),
            ("SELECT * FROM users", ["id", "email"]),  // not what PostgreSQL described: do not guess
        ])
    func unchanged(sql: String, described: [String]) throws {
        #expect(try Self.expand(sql, described: described) == sql)
    }
}
