import SkeinSQL
import Testing

@Suite("SQL parse trees")
struct SQLParseTreeTests {
    func statements(_ sql: String) throws -> [ParsedStatement] {
        try SQLGrammar.parse(sql).get()
    }

    @Test("fields, node types, flags, arrays and names read from the tree")
    func fields() throws {
        let parsed = try statements("CREATE UNIQUE INDEX IF NOT EXISTS i ON app.t (a, lower(b));")
        #expect(parsed.count == 1)
        let statement = try #require(parsed.first)
        #expect(statement.nodeType == "IndexStmt")
        #expect(
            statement.body.flag("unique") && statement.body.flag("if_not_exists") && !statement.body.flag("concurrent"))
        #expect(statement.body["idxname"]?.string == "i")
        #expect(statement.body["relation"]?["schemaname"]?.string == "app")
        #expect(statement.body["missing"] == nil && statement.body["idxname"]?["x"] == nil)
        #expect(statement.body["indexParams"]?.array.count == 2)
        #expect(
            statement.node.descendants().compactMap(\.nodeType).prefix(3) == ["IndexStmt", "IndexElem", "IndexElem"])
        let call = statement.node.descendants().first { $0.nodeType == "FuncCall" }
        #expect(call?.body?["funcname"]?.names == ["lower"])
        #expect(SQLNode.null.string == nil && SQLNode.null.array.isEmpty && SQLNode.null.nodeType == nil)
    }

    @Test("escaped strings are decoded: quotes, backslashes, control characters, non-ASCII")
    func escapes() throws {
        let statement = try #require(try statements("SELECT E'a\"b\\\\c\\nd\\u00e9\\U0001F600'").first)
        let value = statement.node.descendants().first { $0.nodeType == "A_Const" }?.body?["sval"]?["sval"]?.string
        #expect(value == "a\"b\\c\nd\u{e9}\u{1F600}")
    }

    @Test("statement positions; trees are equal when their JSON is")
    func positions() throws {
        let parsed = try statements("SELECT 1; SELECT 1;\nSELECT 2")
        #expect(parsed.map(\.byteOffset) == [0, 9, 19])
        let again = try statements("SELECT 1; SELECT 1;\nSELECT 2")
        #expect(parsed == again && parsed.map(\.hashValue) == again.map(\.hashValue))
        // The second statement's nodes carry other locations.
        #expect(parsed[0].body != parsed[1].body)
        let targets = parsed.map { $0.body["targetList"]?.array.first?["ResTarget"]?["val"]?["A_Const"]?["ival"] }
        #expect(targets[0] == targets[1] && targets[0] != targets[2])
    }
}
