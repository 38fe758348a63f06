import Foundation
import Logging
import PostgresNIO
import SkeinTestSupport
import SkeinTypes
import Testing

/// Each SkeinTypes codec against a real PostgreSQL: a value PostgreSQL writes decodes to what its text says, a
/// value bound comes back equal, NULL decodes as nil, and arrays work.
@Suite("SkeinTypes: the codecs generated code uses for types PostgresNIO lacks", .requiresPostgreSQL)
struct RoundTripTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Decodes `literal::type`, binds the result back (`$1::type`), and reads NULL and a one-element array.
    func roundTrip<T: PostgresBinaryValue & Equatable & Sendable>(
        _ literal: String, as type: String, expected: T, text: String? = nil
    ) async throws where T._DecodableType == T {
        do {
            try await roundTripBody(literal, as: type, expected: expected, text: text)
        } catch {
            Issue.record("\(literal)::\(type): \(String(reflecting: error))")
        }
    }

    func roundTripBody<T: PostgresBinaryValue & Equatable & Sendable>(
        _ literal: String, as type: String, expected: T, text: String?
    ) async throws where T._DecodableType == T {
        try await TestDatabase.withFreshDatabase { database in
            let client = database.client
            let read = try await client.query(
                PostgresQuery(unsafeSQL: "SELECT '\(literal)'::\(type)"), logger: Self.logger)
            var decoded: T?
            for try await value in read.decode(T.self) { decoded = value }
            #expect(decoded == expected, "\(literal)::\(type)")

            var bindings = PostgresBindings()
            bindings.append(expected)
            let echoed = try await client.query(
                PostgresQuery(
                    unsafeSQL: "SELECT $1::\(type), $1::\(type)::text, NULL::\(type), ARRAY[$1::\(type)]",
                    binds: bindings),
                logger: Self.logger)
            for try await row in echoed {
                let cells = row.makeRandomAccess()
                #expect(try cells[0].decode(T.self) == expected)
                if let text { #expect(try cells[1].decode(String.self) == text) }
                #expect(try cells[2].decode(T?.self) == nil)
                #expect(try cells[3].decode([T].self) == [expected])
            }
        }
    }

    @Test("interval: months, days and microseconds kept apart") func interval() async throws {
        try await roundTrip(
            "1 year 2 mons 3 days 04:05:06.000007", as: "interval",
            expected: PostgresInterval(months: 14, days: 3, microseconds: 14_706_000_007),
            text: "1 year 2 mons 3 days 04:05:06.000007")
        try await roundTrip(
            "-1 days -00:00:01", as: "interval", expected: PostgresInterval(days: -1, microseconds: -1_000_000))
        #expect(
            PostgresInterval(months: 14, days: 3, microseconds: 14_706_000_007).description == "P1Y2M3DT4H5M6.000007S")
        #expect(PostgresInterval(.seconds(90)) == PostgresInterval(microseconds: 90_000_000))
    }

    @Test("inet and cidr, IPv4 and IPv6") func inet() async throws {
        try await roundTrip(
            "192.168.0.10/24", as: "inet", expected: PostgresINET(address: [192, 168, 0, 10], prefixLength: 24),
            text: "192.168.0.10/24")
        try await roundTrip(
            "2001:db8::1", as: "inet",
            expected: PostgresINET(address: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]),
            text: "2001:db8::1/128")  // text(inet) always shows the length
        try await roundTrip(
            "10.0.0.0/8", as: "cidr", expected: PostgresINET(address: [10, 0, 0, 0], prefixLength: 8, isCIDR: true),
            text: "10.0.0.0/8")
        #expect(
            PostgresINET(address: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]).description
                == "2001:db8::1")
        #expect(PostgresINET(address: [10, 0, 0, 0], prefixLength: 8, isCIDR: true).description == "10.0.0.0/8")
    }

    @Test("macaddr and macaddr8") func mac() async throws {
        try await roundTrip(
            "08:00:2b:01:02:03", as: "macaddr", expected: PostgresMACAddress(bytes: [8, 0, 0x2b, 1, 2, 3]),
            text: "08:00:2b:01:02:03")
        try await roundTrip(
            "08:00:2b:01:02:03:04:05", as: "macaddr8",
            expected: PostgresMACAddress8(bytes: [8, 0, 0x2b, 1, 2, 3, 4, 5]), text: "08:00:2b:01:02:03:04:05")
    }

    @Test("money, bit and varbit, oid and regclass, pg_lsn, xml") func scalars() async throws {
        try await roundTrip("12.34", as: "money", expected: PostgresMoney(minorUnits: 1234))
        try await roundTrip("10110", as: "varbit", expected: PostgresBitString("10110")!, text: "10110")
        try await roundTrip("101101011", as: "bit(9)", expected: PostgresBitString("101101011")!, text: "101101011")
        try await roundTrip("1259", as: "oid", expected: PostgresOID(1259), text: "1259")
        try await roundTrip("pg_class", as: "regclass", expected: PostgresOID(1259), text: "pg_class")
        try await roundTrip("16/B374D848", as: "pg_lsn", expected: PostgresLSN(0x16_B374_D848), text: "16/B374D848")
        try await roundTrip("<a>b</a>", as: "xml", expected: PostgresXML("<a>b</a>"), text: "<a>b</a>")
    }

    @Test("time, timetz, jsonpath") func times() async throws {
        try await roundTrip(
            "04:05:06.000007", as: "time", expected: PostgresTime(hour: 4, minute: 5, second: 6, microsecond: 7),
            text: "04:05:06.000007")
        try await roundTrip(
            "04:05:06+02", as: "timetz", expected: PostgresTimeTZ(microseconds: 14_706_000_000, utcOffset: 7200),
            text: "04:05:06+02")
        try await roundTrip(
            "13:00-03:30", as: "timetz", expected: PostgresTimeTZ(microseconds: 46_800_000_000, utcOffset: -12_600),
            text: "13:00:00-03:30")
        try await roundTrip("$.a[*] ? (@ > 1)", as: "jsonpath", expected: PostgresJSONPath("$.\"a\"[*]?(@ > 1)"))
    }

    @Test("point, lseg, box, path, polygon, line, circle") func geometry() async throws {
        let a = PostgresPoint(x: 1, y: 2.5)
        let b = PostgresPoint(x: -3, y: 4)
        try await roundTrip("(1,2.5)", as: "point", expected: a, text: "(1,2.5)")
        try await roundTrip("[(1,2.5),(-3,4)]", as: "lseg", expected: PostgresLineSegment(start: a, end: b))
        try await roundTrip(
            "(1,4),(-3,2.5)", as: "box",
            expected: PostgresBox(upperRight: PostgresPoint(x: 1, y: 4), lowerLeft: PostgresPoint(x: -3, y: 2.5)))
        try await roundTrip("[(1,2.5),(-3,4)]", as: "path", expected: PostgresPath(points: [a, b], isClosed: false))
        try await roundTrip(
            "((1,2.5),(-3,4),(0,0))", as: "polygon", expected: PostgresPolygon(points: [a, b, .init(x: 0, y: 0)]))
        try await roundTrip("{1,-1,0}", as: "line", expected: PostgresLine(a: 1, b: -1, c: 0), text: "{1,-1,0}")
        try await roundTrip("<(1,2.5),3>", as: "circle", expected: PostgresCircle(center: a, radius: 3))
    }

    @Test("ranges: int4, int8, num, ts, tstz, date; unbounded and empty") func ranges() async throws {
        try await roundTrip("[1,5]", as: "int4range", expected: PostgresInt4Range(lower: 1, upper: 6), text: "[1,6)")
        try await roundTrip("(,10)", as: "int8range", expected: PostgresInt8Range(lower: nil, upper: 10), text: "(,10)")
        try await roundTrip("empty", as: "int4range", expected: PostgresInt4Range.empty, text: "empty")
        try await roundTrip(
            "(1.5,2.25]", as: "numrange",
            expected: PostgresNumRange(
                lower: Decimal(string: "1.5")!, upper: Decimal(string: "2.25")!,
                lowerInclusive: false, upperInclusive: true),
            text: "(1.5,2.25]")
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let end = Date(timeIntervalSince1970: 1_700_003_600.25)
        try await roundTrip(
            "[2023-11-14 22:13:20+00,2023-11-14 23:13:20.25+00)", as: "tstzrange",
            expected: PostgresTimestampTZRange(lower: start, upper: end))
        try await roundTrip(
            "[2023-11-14 22:13:20,)", as: "tsrange", expected: PostgresTimestampRange(lower: start, upper: nil))
        let day = Date(timeIntervalSince1970: 1_699_920_000)  // 2023-11-14
        try await roundTrip(
            "[2023-11-14,2023-11-16)", as: "daterange",
            expected: PostgresDateRange(lower: day, upper: day.addingTimeInterval(2 * 86_400)),
            text: "[2023-11-14,2023-11-16)")
    }

    @Test("multiranges: normalised, empty") func multiranges() async throws {
        try await roundTrip(
            "{[1,3),[5,7]}", as: "int4multirange",
            expected: PostgresInt4Multirange([.init(lower: 1, upper: 3), .init(lower: 5, upper: 8)]),
            text: "{[1,3),[5,8)}")
        try await roundTrip(
            "{[3,4), [1,2)}", as: "int8multirange",
            expected: PostgresInt8Multirange([.init(lower: 1, upper: 2), .init(lower: 3, upper: 4)]),
            text: "{[1,2),[3,4)}")
        try await roundTrip("{}", as: "nummultirange", expected: PostgresNumMultirange([]), text: "{}")
        let day = Date(timeIntervalSince1970: 1_699_920_000)  // 2023-11-14
        try await roundTrip(
            "{[2023-11-14,2023-11-15)}", as: "datemultirange",
            expected: PostgresDateMultirange([.init(lower: day, upper: day.addingTimeInterval(86_400))]))
    }

    @Test("tsvector: lexemes sorted, positions and weights") func tsvector() async throws {
        let vector = PostgresTSVector([
            .init("cat", positions: [.init(3, weight: .a)]), .init("fat", positions: [.init(2), .init(4, weight: .b)]),
            .init("it's"),
        ])
        try await roundTrip(
            "fat:2,4B cat:3A it''s", as: "tsvector", expected: vector, text: "'cat':3A 'fat':2,4B 'it''s'")
        #expect(vector.description == "'cat':3A 'fat':2,4B 'it''s'")
    }

    @Test("tsquery: operators, precedence, phrase distance, prefix and weights, the empty query")
    func tsquery() async throws {
        typealias Q = PostgresTSQuery
        let fat = Q.Node.lexeme("fat")
        let query = Q(.and(fat, .or(.lexeme("rat"), .not(.lexeme("cat", weights: [.a, .b], prefix: true)))))
        try await roundTrip(
            "fat & (rat | !cat:*AB)", as: "tsquery", expected: query, text: "'fat' & ( 'rat' | !'cat':*AB )")
        #expect(query.description == "'fat' & ( 'rat' | !'cat':*AB )")
        // The literal as SQL text: each quote doubled for SQL, inside the tsquery's own doubled quote.
        let phrase = Q(.phrase(.phrase(fat, .lexeme("it's"), distance: 1), .lexeme("b"), distance: 3))
        try await roundTrip(
            "fat <-> ''it''''s'' <3> b", as: "tsquery", expected: phrase, text: "'fat' <-> 'it''s' <3> 'b'")
        #expect(Q(.lexeme("a\\b")).description == "'a\\\\b'", "a backslash is doubled, as PostgreSQL prints it")
        #expect(Q(.not(.and(.lexeme("x"), .lexeme("y")))).description == "!( 'x' & 'y' )")
        let right = Q(.phrase(fat, .phrase(.lexeme("a"), .lexeme("b"), distance: 1), distance: 1))
        try await roundTrip("fat <-> (a <-> b)", as: "tsquery", expected: right, text: "'fat' <-> ( 'a' <-> 'b' )")
        // The empty query (stop words only) reads as nil; PostgreSQL's binary input refuses to take it back.
        try await TestDatabase.withFreshDatabase { database in
            let rows = try await database.client.query("SELECT to_tsquery('english', 'the')", logger: Self.logger)
            for try await value in rows.decode(Q.self) { #expect(value == Q(nil) && value.description.isEmpty) }
        }
    }

    @Test("void: a function that returns nothing decodes as PostgresVoid") func void() async throws {
        try await TestDatabase.withFreshDatabase { database in
            let rows = try await database.client.query("SELECT pg_advisory_xact_lock(1)", logger: Self.logger)
            var count = 0
            for try await _ in rows.decode(PostgresVoid.self) { count += 1 }
            #expect(count == 1)
        }
    }
}
