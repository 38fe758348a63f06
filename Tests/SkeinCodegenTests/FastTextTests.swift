import Foundation
import Testing

@testable import SkeinCodegen

/// The generator's byte-level text paths (`FastText`) against the `Character` and Foundation forms they replaced:
/// same output for every input, so the speed-up changes no generated file.
@Suite("Fast text paths agree with the general ones")
struct FastTextTests {
    /// Names as PostgreSQL and sqlc annotations spell them, and the edge cases of word splitting.
    static let names = [
        "", "?column?", "created_at", "GetUserByID", "ID", "URLPath", "2fa", "my-type", "__x__", "a", "A", "AB", "ABc",
        "x1Y", "_1", "user status", "t0025_coupons", "HTTPServer2Go", "a__b", "9", "_", "count", "jsonb_build_object",
        "X_Y_Z", "aB", "Ab", "ABCDef", "URL_path", "e000_status", "p1",
    ]

    /// Deterministic pseudo-random ASCII names (letters, digits, `_`, `-`, space, `?`).
    static func randomNames(count: Int) -> [String] {
        let alphabet = Array("abcXYZ019_- ?Q".utf8)
        var state: UInt64 = 0x5EED
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let length = Int(state >> 60)
            return String(
                decoding: (0..<length).map { offset in
                    alphabet[Int((state >> UInt64(offset * 4)) & 0xF) % alphabet.count]
                }, as: UTF8.self)
        }
    }

    @Test("typeName and memberName: the ASCII path gives what the Character path gives")
    func names() {
        for name in Self.names + Self.randomNames(count: 2000) {
            #expect(QueryAnalyzer.typeName(name) == QueryAnalyzer.characterTypeName(name), "typeName(\(name))")
            #expect(QueryAnalyzer.memberName(name) == QueryAnalyzer.characterMemberName(name), "memberName(\(name))")
        }
        // Non-ASCII names keep the Character path.
        #expect(FastText.asciiTypeName("été_name") == nil)
        #expect(QueryAnalyzer.typeName("été_name") == "ÉtéName")
        #expect(QueryAnalyzer.memberName("Über_ID") == "überID")
    }

    /// The literal as the generator wrote it before: `#`s added until neither `"#…` nor `\#…` occurs, lines split
    /// on `Character`.
    static func referenceLiteral(_ text: String, indent: String) -> String {
        var hashes = 1
        while text.contains("\"" + String(repeating: "#", count: hashes))
            || text.contains("\\" + String(repeating: "#", count: hashes))
        {
            hashes += 1
        }
        let delimiter = String(repeating: "#", count: hashes)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.isEmpty ? "" : indent + line
        }
        return delimiter + "\"\"\"\n" + lines.joined(separator: "\n") + "\n" + indent + "\"\"\"" + delimiter
    }

    @Test(
        "multilineLiteral: as many # as the text needs, lines indented",
        arguments: [
            "SELECT 1", "SELECT '\"#' AS a", "SELECT E'\\##' AS b", "\"###", "#\"", "line1\n\nline3\n", "",
            "SELECT 'é' -- ü\n  FROM t", "a\r\nb",
        ])
    func literal(text: String) {
        #expect(SwiftEmitter.multilineLiteral(text, indent: "    ") == Self.referenceLiteral(text, indent: "    "))
    }

    @Test("rewrite: the statement without surrounding space and closing `;`s, each scalar traced to its source")
    func rewriteTrims() throws {
        let source = "\n  SELECT 'é;' AS \"ü\" FROM t WHERE id = @id ;  ;\n -- trailing comment\n"
        let rewritten = try QueryFileParser.rewriteTracing(source).get()
        #expect(rewritten.sql == "SELECT 'é;' AS \"ü\" FROM t WHERE id = $1")
        #expect(rewritten.origin.count == rewritten.sql.unicodeScalars.count)
        let scalars = Array(source.unicodeScalars)
        // "SELECT" starts at scalar 3 of the source; the `$1` stands where `@id` was.
        #expect(rewritten.origin.first == 3)
        #expect(String(String.UnicodeScalarView(scalars[rewritten.origin[7]...].prefix(4))) == "'é;'")
        #expect(rewritten.origin.suffix(2).allSatisfy { scalars[$0] == "@" })
        #expect(try QueryFileParser.rewriteTracing("  ;; \n").get().sql.isEmpty)
    }

    @Test("rewrite: sqlc's macros in any case, only where a word starts; arguments trimmed of spaces, not of lines")
    func macros() throws {
        let rewritten = try QueryFileParser.rewriteTracing(
            "SELECT 1 FROM t WHERE a = SQLC.ARG(x) AND b = Sqlc.Narg( y ) AND c = ANY(sqlc.slice('z')) AND d = xsqlc.arg(w)"
        ).get()
        #expect(
            rewritten.sql == "SELECT 1 FROM t WHERE a = $1 AND b = $2 AND c = ANY($3) AND d = xsqlc.arg(w)")
        #expect(rewritten.parameters.map(\.name) == ["x", "y", "z"])
        #expect(rewritten.parameters.map(\.kind) == [.argument, .nullable, .slice])
        // A line break inside the parentheses is not a name character, as before.
        #expect(throws: QueryFileParser.RewriteProblem.self) {
            try QueryFileParser.rewriteTracing("SELECT sqlc.arg(\nx)").get()
        }
    }
}
