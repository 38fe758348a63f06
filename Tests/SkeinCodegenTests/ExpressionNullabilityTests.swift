import Testing

@testable import SkeinCodegen

/// Expressions proved never NULL from the parse tree and the catalog's NOT NULL columns (the codegen issue's
/// "nullability as tight as can be proven"), and the ones that must stay optional.
@Suite("ExpressionNullability: what can be proved never NULL")
struct ExpressionNullabilityTests {
    /// users(id NOT NULL, email NOT NULL, nick NULL, age NOT NULL, score NULL); posts(id NOT NULL, body NULL).
    static let tables: [String: [String: Bool]] = [
        "users": ["id": true, "email": true, "nick": false, "age": true, "score": false],
        "public.users": ["id": true, "email": true, "nick": false, "age": true, "score": false],
        "posts": ["id": true, "author": true, "body": false],
    ]

    func never(_ sql: String) -> Set<Int> {
        QueryAnalyzer.nonNullAggregateColumns(sql, tables: Self.tables)
    }

    @Test("operators and listed functions of NOT NULL columns; a nullable operand keeps them optional")
    func operators() {
        #expect(
            never(
                "SELECT age + 1, age > 3, score + 1, lower(email), lower(nick), email || 'x', length(email) FROM users")
                == [0, 1, 3, 5, 6])
        #expect(
            never("SELECT email LIKE 'a%', nick LIKE 'a%', age BETWEEN 1 AND 3, age IN (1, 2) FROM users") == [0, 2, 3])
        #expect(never("SELECT nick IS NULL, score IS DISTINCT FROM 1, concat(nick, score) FROM users") == [0, 1, 2])
        #expect(never("SELECT concat_ws(',', nick), concat_ws(nick, email) FROM users") == [0])
    }

    @Test("COALESCE and GREATEST with a never-NULL argument")
    func coalesce() {
        #expect(
            never("SELECT COALESCE(nick, email), COALESCE(nick, score::text), GREATEST(score, age) FROM users") == [
                0, 2,
            ])
    }

    @Test("CTE and subquery columns keep what their own expressions are")
    func derived() {
        #expect(never("WITH c AS (SELECT count(*) AS n FROM users) SELECT n FROM c") == [0])
        #expect(never("WITH c AS (SELECT max(age) AS m FROM users) SELECT m FROM c").isEmpty)
        #expect(never("SELECT s.e, s.n FROM (SELECT lower(email) AS e, nick AS n FROM users) s") == [0])
        #expect(never("SELECT x FROM (SELECT age + 1 FROM users) s(x)") == [0], "a column renamed by the alias")
        #expect(never("WITH c AS (SELECT count(*) FROM users) SELECT count FROM c") == [0])
    }

    @Test("a table's whole row (SELECT u FROM users u) is never NULL, unless on an outer join's nullable side")
    func wholeRow() {
        #expect(never("SELECT u, p FROM users u JOIN posts p ON p.author = u.id") == [0, 1])
        #expect(never("SELECT users FROM users") == [0])
        #expect(never("SELECT p, u FROM posts p LEFT JOIN users u ON u.id = p.author") == [0])
        #expect(never("SELECT u FROM users u GROUP BY ROLLUP (u)").isEmpty)
        // A name that is a column is the column: `nick` here is users.nick (nullable), not a table.
        #expect(never("SELECT nick FROM users nick").isEmpty)
        #expect(never("SELECT s FROM (SELECT 1) s").isEmpty, "only a table's row is proved")
    }

    @Test("outer joins, ambiguity, recursion, grouping sets and unknown sources stay optional")
    func stayOptional() {
        #expect(never("SELECT lower(u.email), u.age + p.id FROM posts p LEFT JOIN users u ON u.id = p.author").isEmpty)
        #expect(never("SELECT p.id + 1 FROM posts p LEFT JOIN users u ON u.id = p.author") == [0])
        #expect(never("SELECT id + 1 FROM users, posts").isEmpty, "id is ambiguous")
        #expect(
            never("WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5) SELECT n FROM t").isEmpty
        )
        #expect(never("SELECT lower(email), count(*) FROM users GROUP BY ROLLUP (email)") == [1])
        #expect(never("SELECT x + 1 FROM generate_series(1, 3) AS g(x)").isEmpty)
        #expect(never("SELECT sum(age), avg(age), regexp_match(email, 'a'), email ->> 'k' FROM users").isEmpty)
        #expect(never("SELECT n FROM (SELECT * FROM users) s(n)").isEmpty, "a * hides the columns")
    }

    @Test("RETURNING resolves the target table's columns")
    func returning() {
        #expect(
            never("INSERT INTO users (id, email, age) VALUES (1, 'a', 2) RETURNING lower(email), nick || 'x'") == [0])
    }
}
