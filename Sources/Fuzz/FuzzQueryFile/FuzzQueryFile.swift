import SkeinCodegen
import SkeinCore

/// libFuzzer's entry point: the input is one sqlc query file, decoded as UTF-8 (docs/fuzzing.md).
///
/// Properties, each a trap when it fails: parsing is deterministic; every line a query or an error names is in the
/// file, a query's SQL after its annotation; a query has SQL (not only comments); its parameters have distinct numbers, in order (a
/// named parameter never takes a positional one's number).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    QueryFileProperties.check(String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self))
    return 0
}

enum QueryFileProperties {
    static let file = "queries/fuzz.sql"

    static func check(_ text: String) {
        let (queries, errors) = QueryFileParser.parseAll(text, file: file)
        let again = QueryFileParser.parseAll(text, file: file)
        precondition(queries == again.queries && errors == again.errors, "parsing is not deterministic")
        let lineCount = text.unicodeScalars.count(where: { $0 == "\n" }) + 1
        for error in errors {
            precondition(error.location?.file == file, "an error about \(error.location?.file ?? "no file")")
            let line = error.location?.line ?? 0
            precondition((1...lineCount).contains(line), "error line \(line) of \(lineCount): \(error)")
        }
        for query in queries {
            precondition(
                (1...lineCount).contains(query.line) && query.sqlLine > query.line && query.sqlLine <= lineCount,
                "query \(query.name) on line \(query.line), its SQL on line \(query.sqlLine), of \(lineCount)")
            precondition(!SQLCommandSplitter.split(query.sql).isEmpty, "query \(query.name) has no SQL")
            let numbers = query.parameters.map(\.number)
            precondition(
                zip(numbers, numbers.dropFirst()).allSatisfy { $0 < $1 },
                "query \(query.name)'s parameters are numbered \(numbers)")
        }
    }
}
