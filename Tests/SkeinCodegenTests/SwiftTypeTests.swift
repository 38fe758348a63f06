import Foundation
import SkeinCodegen
import Testing

@Suite("Swift types as values")
struct SwiftTypeTests {
    @Test("an override's type is read into its parts and written back as it was spelled")
    func parsing() {
        let cases: [(String, SwiftType)] = [
            ("Int32", .named("Int32")),
            ("[UUID]", .array(.named("UUID"))),
            ("[[Int32]]?", .optional(.array(.array(.named("Int32"))))),
            ("PostgresCustomRange<UUID>", .generic("PostgresCustomRange", [.named("UUID")])),
            ("MyModule.Pair<Int, [String]>", .generic("MyModule.Pair", [.named("Int"), .array(.named("String"))])),
            // Kept whole: a dictionary, a tuple, unbalanced brackets.
            ("[String: Int]", .named("[String: Int]")),
            ("(Int, Int)", .named("(Int, Int)")),
            ("Broken<", .named("Broken<")),
            ("[String: [Int]]?", .optional(.named("[String: [Int]]"))),
        ]
        for (text, expected) in cases {
            #expect(SwiftType(parsing: text) == expected, "\(text)")
            #expect(expected.description == text, "\(text)")
        }
    }

    @Test("the structure answers what the generator asks: base, element, optionality, the names it mentions")
    func structure() throws {
        let type: SwiftType = "[PostgresCustomRange<Date>]?"
        #expect(type.base == .generic("PostgresCustomRange", [.named("Date")]))
        #expect(type.element == .generic("PostgresCustomRange", [.named("Date")]))
        #expect(type.unwrapped.description == "[PostgresCustomRange<Date>]")
        #expect(type.optional == type && SwiftType.named("Int16").optional.description == "Int16?")
        #expect(type.names == ["PostgresCustomRange", "Date"])
        // A multi-dimensional array is an array: its base is its element's (whether a model is Codable, read as a
        // record).
        #expect(SwiftType(parsing: "PostgresMultiArray<ByteBuffer>?").base == .named("ByteBuffer"))
        // JSON keeps the Swift spelling.
        let json = try JSONEncoder().encode(["t": type])
        #expect(String(decoding: json, as: UTF8.self) == #"{"t":"[PostgresCustomRange<Date>]?"}"#)
        #expect(try JSONDecoder().decode([String: SwiftType].self, from: json)["t"] == type)
    }
}
