import Foundation
import SkeinCore
import SkeinSQL

/// Where goose's statement split differs from PostgreSQL's grammar. Outside a StatementBegin/End block goose
/// ends a statement at every line whose last word ends in `;` — inside a dollar-quoted function body, a string or
/// a comment too — and sends each piece as a query of its own. The pieces do not parse, while the lines together
/// are one command to PostgreSQL. (`syntax-error` leaves these statements to this rule.)
struct GooseSplitMismatchRule: LintRule {
    static let info = LintRuleInfo(
        id: "goose-split-mismatch", defaultSeverity: .error,
        summary:
            "goose cuts one SQL command into several queries at lines ending in `;` (a function body outside StatementBegin/End)",
        policy:
            "Migration file syntax validation; multi-statement bodies go in -- +goose StatementBegin / StatementEnd"
    )

    var rules: [LintRuleInfo] { [Self.info] }

    /// One command goose cuts into pieces: goose statements `range` of a direction, which fail to parse one by one
    /// but parse as one text.
    struct Cut {
        var direction: Direction
        var statements: [Statement]
        /// PostgreSQL's complaint about the first piece.
        var error: SQLParseError
        /// The number of commands PostgreSQL reads in the joined pieces.
        var commandCount: Int
    }

    /// How far to look for the end of a cut command (goose statements).
    static let maximumPieces = 200

    /// The commands goose cuts, per direction, in file order.
    static func cuts(in file: LintFile) -> [Cut] {
        var cuts: [Cut] = []
        for direction in Direction.allCases {
            guard case .success(let section)? = file.migration.section(direction) else { continue }
            var failures: [Statement: SQLParseError] = [:]
            for command in file.commands(direction) {
                if case .failure(let error) = command.parsed { failures[command.statement] = error }
            }
            guard !failures.isEmpty else { continue }
            let statements = section.statements
            var index = 0
            while index < statements.count {
                defer { index += 1 }
                guard let error = failures[statements[index]] else { continue }
                var joined = statements[index].sql
                for end in (index + 1)..<min(statements.count, index + maximumPieces) {
                    joined += "\n" + statements[end].sql
                    guard case .success(let commands) = SQLGrammar.parse(joined) else { continue }
                    cuts.append(
                        Cut(
                            direction: direction, statements: Array(statements[index...end]), error: error,
                            commandCount: commands.count))
                    index = end
                    break
                }
            }
        }
        return cuts
    }

    /// The goose statements `cuts(in:)` explains (for `syntax-error` to skip).
    static func claimedStatements(in file: LintFile) -> Set<Statement> {
        Set(cuts(in: file).flatMap(\.statements))
    }

    /// The last line of a goose statement (goose keeps the lines of a statement as they are, trimming its ends).
    static func lastLine(of statement: Statement) -> Int {
        statement.line + statement.sql.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        Self.cuts(in: file).map { cut in
            let first = cut.statements[0]
            let firstLine = first.sql.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? first.sql
            let cutLine = Self.lastLine(of: first)
            let lastLine = Self.lastLine(of: cut.statements[cut.statements.count - 1])
            let column =
                first.line <= file.lineRanges.count
                ? file.line(at: first.line - 1).unicodeScalars.prefix { $0.properties.isWhitespace }.count + 1 : 1
            let commands = cut.commandCount == 1 ? "one command" : "\(cut.commandCount) commands"
            // PostgreSQL quotes the rest of the piece ("at or near …"): keep its first line.
            let error = cut.error.message.split(separator: "\n", maxSplits: 1)
            let reason = error.count > 1 ? error[0] + "…\"" : cut.error.message
            let piece = cutLine == first.line ? "line \(cutLine)" : "lines \(first.line)–\(cutLine)"
            return Self.info.finding(
                "\(cut.direction == .up ? "Up" : "Down"): goose cuts lines \(first.line)–\(lastLine) into \(cut.statements.count) queries at the lines ending in `;`; the first, `\(firstLine)` (\(piece)), does not parse on its own (\(reason)), but PostgreSQL reads lines \(first.line)–\(lastLine) as \(commands)",
                hint:
                    "wrap lines \(first.line)–\(lastLine) in -- +goose StatementBegin / -- +goose StatementEnd so goose sends them as one statement",
                at: file.location(line: first.line, column: column))
        }
    }
}
