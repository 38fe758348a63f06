import Foundation
import SkeinCore
import SkeinSQL

/// "Migration file syntax validation": every statement goose would send must parse with PostgreSQL's grammar
/// (libpg_query 15). The finding carries PostgreSQL's own message at the exact line and column.
struct SyntaxErrorRule: LintRule {
    static let info = LintRuleInfo(
        id: "syntax-error", defaultSeverity: .error,
        summary: "a statement does not parse with PostgreSQL's grammar",
        policy: "Migration file syntax validation")

    var rules: [LintRuleInfo] { [Self.info] }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        var findings: [LintFinding] = []
        // Pieces of a command goose cuts apart are goose-split-mismatch's, which says why they do not parse.
        let claimed = GooseSplitMismatchRule.claimedStatements(in: file)
        for direction in Direction.allCases {
            for command in file.commands(direction) {
                guard case .failure(let error) = command.parsed, !claimed.contains(command.statement) else { continue }
                findings.append(
                    Self.info.finding(
                        "\(direction == .up ? "Up" : "Down"): \(error.message)",
                        hint:
                            "fix the statement; PostgreSQL would reject it the same way (if it is newer syntax than PostgreSQL 15's grammar, suppress this finding)",
                        at: command.location))
            }
        }
        return findings
    }
}
