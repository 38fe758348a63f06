import SkeinCore

/// libFuzzer's entry point: the input is one migration file's bytes (docs/fuzzing.md).
///
/// Properties, each a trap when it fails: reading a file is deterministic; the file's bytes and its decoded text
/// parse the same; every line a statement or an error names is in the file; an error is about the direction asked.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    GooseParserProperties.check(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

enum GooseParserProperties {
    static let path = "migrations/20240101120000_fuzz.sql"
    static let name = try! MigrationName.parse("20240101120000_fuzz.sql").get()
    static let parsers = [
        GooseParser(), GooseParser(environmentSubstitution: .ignored),
        GooseParser(environmentSubstitution: .enabled(["NAME": "value", "EMPTY": "", "SEMI": "x;"])),
    ]

    static func check(_ bytes: [UInt8]) {
        let file = SourceFile(path: path, contents: bytes)
        let migration = Migration(file: file, name: name)
        precondition(migration == Migration(file: file, name: name), "reading a migration is not deterministic")
        let lineCount = bytes.count(where: { $0 == UInt8(ascii: "\n") }) + 1
        guard case .success(let text) = file.decodedText() else {
            for direction in Direction.allCases {
                guard case .failure(let error) = migration.section(direction) else {
                    preconditionFailure("a file that is not usable text parses in the \(direction) direction")
                }
                precondition(
                    error.kind == .invalidEncoding || error.kind == .byteOrderMark, "unexpected error \(error.kind)")
            }
            return
        }
        for direction in Direction.allCases {
            precondition(
                GooseParser().parse(text, direction: direction) == migration.section(direction),
                "the file's bytes and its text parse differently (\(direction))")
            for parser in parsers {
                let result = parser.parse(text, direction: direction)
                precondition(
                    result == parser.parse(text, direction: direction), "parsing is not deterministic (\(direction))")
                checkLines(result, direction: direction, lineCount: lineCount)
            }
        }
    }

    static func checkLines(
        _ result: Result<GooseSection, GooseParseError>, direction: Direction, lineCount: Int
    ) {
        switch result {
        case .success(let section):
            for statement in section.statements {
                precondition(
                    (1...lineCount).contains(statement.line), "statement line \(statement.line) of \(lineCount)")
                precondition(statement.column >= 1, "statement column \(statement.column)")
            }
        case .failure(let error):
            precondition(error.direction == direction, "an error about \(error.direction) when parsing \(direction)")
            if let line = error.line {
                precondition((1...lineCount).contains(line), "error line \(line) of \(lineCount)")
            }
        }
    }
}
