import CPgQuery
import Foundation

/// One statement of a parse: its tree and where it is in the parsed text.
public struct ParsedStatement: Sendable, Hashable {
    /// The wrapped statement node (`{"CreateStmt": {…}}`).
    public var node: SQLNode {
        didSet { nodeType = node.nodeType ?? "" }
    }
    /// The statement's start, as a UTF-8 byte offset into the parsed text (leading comments included).
    public var byteOffset: Int
    public var byteLength: Int
    /// The statement's node type (`CreateStmt`), read once: rules ask for it again and again.
    public private(set) var nodeType: String

    public var body: SQLNode { node.body ?? .null }

    init(node: SQLNode, byteOffset: Int, byteLength: Int) {
        self.node = node
        self.byteOffset = byteOffset
        self.byteLength = byteLength
        nodeType = node.nodeType ?? ""
    }
}

/// Why PostgreSQL's grammar rejects the text; `byteOffset` is where (0-based, UTF-8), when known.
public struct SQLParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var byteOffset: Int?
    public var description: String { message }
}

extension SQLGrammar {
    /// Parses `sql` with PostgreSQL's parser (libpg_query's `pg_query_parse`).
    public static func parse(_ sql: String) -> Result<[ParsedStatement], SQLParseError> {
        let bytes = Array(sql.utf8)
        let result = pg_query_parse(sql)
        defer { pg_query_free_parse_result(result) }
        if let error = result.error {
            let message = error.pointee.message.map { String(cString: $0) } ?? "syntax error"
            return .failure(
                SQLParseError(
                    message: message, byteOffset: byteOffset(ofCursorPosition: Int(error.pointee.cursorpos), in: bytes))
            )
        }
        guard let json = result.parse_tree,
            let tree = try? SQLTree(json: Array(UnsafeRawBufferPointer(start: json, count: strlen(json)))),
            tree.tokens[0].kind == .object
        else {
            return .failure(SQLParseError(message: "libpg_query returned no parse tree", byteOffset: nil))
        }
        let root = SQLNode(tree: tree, index: 0)
        let statements = (root["stmts"]?.array ?? []).map { entry -> ParsedStatement in
            let start = entry["stmt_location"]?.int ?? 0
            let length = entry["stmt_len"]?.int ?? (bytes.count - start)
            return ParsedStatement(
                node: entry["stmt"] ?? .null, byteOffset: start, byteLength: max(0, min(length, bytes.count - start)))
        }
        return .success(statements)
    }

    /// Whether PostgreSQL's parser accepts `sql` (one or several commands), without building parse trees
    /// (`pg_query_split_with_parser`: the grammar runs, only the commands' places come back), so it is cheap
    /// enough for every statement of a run. `nil` when it parses.
    public static func syntaxError(in sql: String) -> SQLParseError? {
        let result = pg_query_split_with_parser(sql)
        defer { pg_query_free_split_result(result) }
        guard let error = result.error else { return nil }
        return SQLParseError(
            message: error.pointee.message.map { String(cString: $0) } ?? "syntax error",
            byteOffset: byteOffset(ofCursorPosition: Int(error.pointee.cursorpos), in: Array(sql.utf8)))
    }

    /// libpg_query's `cursorpos` (a 1-based character, not byte, position; 0 when unknown) as a 0-based UTF-8
    /// offset.
    static func byteOffset(ofCursorPosition position: Int, in bytes: [UInt8]) -> Int? {
        guard position > 0 else { return nil }
        var characters = 0
        var index = 0
        while index < bytes.count, characters < position - 1 {
            index += 1
            while index < bytes.count, bytes[index] & 0xC0 == 0x80 { index += 1 }
            characters += 1
        }
        return index
    }
}
