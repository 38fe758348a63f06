import Foundation
import SkeinCore
import SkeinSQL

/// "Every migration file MUST contain both up and down migrations"; "Up comes before Down"; StatementBegin/End
/// balanced. The goose parser decides what goose v3.17 would read; a Down without statements is reported unless
/// it is the policy's manual-recovery stub (which has one).
struct GooseStructureRule: LintRule {
    static let requireUp = LintRuleInfo(
        id: "require-up", defaultSeverity: .error,
        summary: "goose cannot read an Up section (missing, repeated, or statements before it)",
        policy: "Every migration file MUST contain both up and down migrations")
    static let requireDown = LintRuleInfo(
        id: "require-down", defaultSeverity: .error, summary: "the Down section is missing or empty",
        policy:
            "Every migration MUST be reversible: All migrations must include a functional -- +goose Down section"
    )
    static let upBeforeDown = LintRuleInfo(
        id: "up-before-down", defaultSeverity: .error, summary: "Down comes before Up",
        policy: "Order matters: Structure migrations so Up comes before Down")
    static let unbalancedStatementBlock = LintRuleInfo(
        id: "unbalanced-statement-block", defaultSeverity: .error,
        summary: "StatementBegin and StatementEnd do not pair up",
        policy: "goose reads -- +goose StatementBegin / StatementEnd blocks as one statement")
    static let gooseParseError = LintRuleInfo(
        id: "goose-parse-error", defaultSeverity: .error,
        summary: "goose v3.17 cannot read the file (a missing semicolon, encoding, a line too long, ENVSUB)",
        policy: "Migration file syntax validation")

    var rules: [LintRuleInfo] {
        [Self.requireUp, Self.requireDown, Self.upBeforeDown, Self.unbalancedStatementBlock, Self.gooseParseError]
    }

    /// The rule a goose parse error falls under.
    static func rule(for error: GooseParseError) -> LintRuleInfo {
        switch error.kind {
        case .missingUpAnnotation, .duplicateUpAnnotation, .statementBeforeUp: requireUp
        case .misplacedDownAnnotation:
            // The parser uses one kind for three places a Down can be misplaced; its message says which.
            error.message.contains("StatementBegin")
                ? unbalancedStatementBlock
                : error.message.contains("before") ? upBeforeDown : gooseParseError
        case .misplacedStatementBegin, .statementEndWithoutBegin, .missingStatementEnd: unbalancedStatementBlock
        case .missingSemicolon, .environmentSubstitution, .lineTooLong, .invalidEncoding, .byteOrderMark, .unreadable:
            gooseParseError
        }
    }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        var findings: [LintFinding] = []
        for direction in Direction.allCases {
            guard case .failure(let error)? = file.migration.section(direction) else { continue }
            let finding = Self.rule(for: error).finding(
                "\(direction == .up ? "Up" : "Down"): \(error.message)", hint: error.help,
                at: file.location(line: error.line))
            // A file-level problem fails both directions alike: report it once.
            if !findings.contains(where: { $0.rule == finding.rule && $0.location == finding.location }) {
                findings.append(finding)
            }
        }
        if case .success(let section)? = file.migration.down, section.statements.isEmpty {
            findings.append(
                Self.requireDown.finding(
                    "\(file.migration.fileName) has no Down statements, so it cannot be rolled back",
                    hint:
                        "add `-- +goose Down` with statements that undo the Up (DROP … IF EXISTS); a DESTRUCTIVE migration uses the policy's manual-recovery Down",
                    at: file.location(line: 1)))
        }
        return findings
    }
}
