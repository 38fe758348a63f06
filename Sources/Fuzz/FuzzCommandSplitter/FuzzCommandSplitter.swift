import Foundation
import SkeinCore
import SkeinSQL

/// libFuzzer's entry point: the input is one goose statement (the text `SQLCommandSplitter` splits into the
/// commands the runner sends one by one), decoded as UTF-8 (docs/fuzzing.md).
///
/// Properties, each a trap when it fails: splitting is deterministic; each command is non-empty, trimmed, and
/// starts on the line its `lineOffset` names; wherever PostgreSQL's parser (libpg_query) accepts the text, the
/// splitter cuts it into the same commands (compared as `SplitterAgreementTests` does: same count, each command
/// the end of libpg_query's statement, which also holds the comments before it).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    SplitterProperties.check(String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self))
    return 0
}

enum SplitterProperties {
    static func check(_ text: String) {
        let commands = SQLCommandSplitter.split(text)
        precondition(commands == SQLCommandSplitter.split(text), "splitting is not deterministic")
        let lines = Array(text.utf8).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for command in commands {
            precondition(!command.sql.isEmpty, "an empty command")
            precondition(command.sql == trimmed(command.sql), "an untrimmed command: \(command.sql.debugDescription)")
            let firstLine = Array(command.sql.utf8.prefix { $0 != UInt8(ascii: "\n") })
            precondition(
                command.lineOffset < lines.count && lines[command.lineOffset].firstRange(of: firstLine) != nil,
                "command \(command.sql.debugDescription) is not on line offset \(command.lineOffset)")
        }
        // libpg_query reads a C string: a NUL would end its input early (PostgreSQL accepts none in a query).
        guard !text.utf8.contains(0), let statements = try? SQLGrammar.split(text) else { return }
        let reference = statements.map(\.text).filter { !SQLCommandSplitter.split($0).isEmpty }
        precondition(
            commands.count == reference.count,
            "\(commands.count) commands, libpg_query: \(reference.count): \(commands.map(\.sql)) vs \(reference)")
        for (mine, theirs) in zip(commands.map(\.sql), reference) {
            precondition(
                trimmed(theirs).utf8.reversed().starts(with: mine.utf8.reversed()),
                "command \(mine.debugDescription), libpg_query's statement \(theirs.debugDescription)")
        }
    }

    static func trimmed(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
