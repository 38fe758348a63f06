import Foundation
import Logging
import PostgresNIO
import SkeinTestSupport
import SkeinTypes
import Testing

/// The contrib extensions' types, whose OIDs differ per database: a value bound as text and cast in the SQL
/// comes back equal from the extension's binary format, NULL decodes as nil, and arrays work.
@Suite("SkeinTypes: ltree and hstore from their extensions", .requiresPostgreSQL)
struct ExtensionTypeTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Binds `value` (`$1::type`), reads it back with its text, NULL and a two-element array.
    func roundTrip<T: PostgresEncodable & PostgresDecodable & Equatable & Sendable>(
        _ value: T, as type: String, text: String, on client: PostgresClient
    ) async throws where T._DecodableType == T, T: PostgresArrayEncodable & PostgresArrayDecodable {
        var bindings = PostgresBindings()
        try bindings.append(value)
        try bindings.append([value, value])
        let rows = try await client.query(
            PostgresQuery(
                unsafeSQL: "SELECT $1::\(type), $1::\(type)::text, NULL::\(type), $2::\(type)[], '\(text)'::\(type)",
                binds: bindings),
            logger: Self.logger)
        var count = 0
        for try await row in rows {
            count += 1
            let cells = row.makeRandomAccess()
            #expect(try cells[0].decode(T.self) == value)
            #expect(try cells[1].decode(String.self) == text)
            #expect(try cells[2].decode(T?.self) == nil)
            #expect(try cells[3].decode([T].self) == [value, value])
            #expect(try cells[4].decode(T.self) == value, "PostgreSQL's own literal reads as the bound value")
        }
        #expect(count == 1)
    }

    @Test("ltree, lquery: paths and patterns; labels")
    func ltree() async throws {
        try await TestDatabase.withFreshDatabase { database in
            try await database.client.query("CREATE EXTENSION ltree", logger: Self.logger)
            let path: PostgresLTree = "top.science.astronomy"
            try await roundTrip(path, as: "ltree", text: "top.science.astronomy", on: database.client)
            #expect(path.labels == ["top", "science", "astronomy"])
            try await roundTrip(PostgresLTree(""), as: "ltree", text: "", on: database.client)
            #expect(PostgresLTree("").labels.isEmpty)
            try await roundTrip(PostgresLTree("*.science.*"), as: "lquery", text: "*.science.*", on: database.client)
            // A path compared with a bound pattern: the cast makes the server read it as lquery, not text.
            var bindings = PostgresBindings()
            bindings.append(PostgresLTree("*.science.*"))
            let rows = try await database.client.query(
                PostgresQuery(unsafeSQL: "SELECT 'top.science.astronomy'::ltree ~ ($1::lquery)", binds: bindings),
                logger: Self.logger)
            for try await matches in rows.decode(Bool.self) { #expect(matches) }
        }
    }

    @Test("hstore: keys, values, NULL values, quotes and backslashes; the empty hstore")
    func hstore() async throws {
        try await TestDatabase.withFreshDatabase { database in
            try await database.client.query("CREATE EXTENSION hstore", logger: Self.logger)
            let value: PostgresHStore = ["a": "1", "b": nil, "quote\"d": "back\\slash", "spaced key": "ü"]
            #expect(value.description == #""a"=>"1", "b"=>NULL, "quote\"d"=>"back\\slash", "spaced key"=>"ü""#)
            try await roundTrip(value, as: "hstore", text: value.description, on: database.client)
            try await roundTrip(PostgresHStore(), as: "hstore", text: "", on: database.client)
            // A quote or a backslash followed by a combining mark is one Swift Character: still escaped.
            let combining: PostgresHStore = ["\"\u{301}": "\\\u{301}x"]
            #expect(combining.description == "\"\\\"\u{301}\"=>\"\\\\\u{301}x\"")
            try await roundTrip(combining, as: "hstore", text: combining.description, on: database.client)
            #expect(value["b"] == .some(nil) && value["missing"] == nil && value["a"] == "1")
        }
    }

    @Test("citext binds and decodes as String, compared without case through the generated cast")
    func citext() async throws {
        try await TestDatabase.withFreshDatabase { database in
            try await database.client.query("CREATE EXTENSION citext", logger: Self.logger)
            var bindings = PostgresBindings()
            bindings.append("Ada@Example.COM")
            let rows = try await database.client.query(
                PostgresQuery(
                    unsafeSQL: "SELECT 'ada@example.com'::citext = ($1::citext), $1::citext, NULL::citext",
                    binds: bindings),
                logger: Self.logger)
            for try await (equal, echoed, null) in rows.decode((Bool, String, String?).self) {
                #expect(equal && echoed == "Ada@Example.COM" && null == nil)
            }
        }
    }
}
