import Foundation
import SkeinCore
import SkeinSQL

/// The policy's file naming: "Migration files MUST follow this exact pattern: YYYYMMDDHHMMSS_description.sql",
/// a real date and time, "Lowercase description with underscores", "under 50 characters", "Action-oriented".
/// The checks themselves are SkeinCore's (`MigrationNamePolicy`), shared with `create` and `validate`, and so are
/// their ids (`MigrationNamePolicy.Rule`), which SkeinCore's findings carry.
struct MigrationNamingRule: LintRule {
    static let format = LintRuleInfo(
        id: MigrationNamePolicy.Rule.format.rawValue, defaultSeverity: .error,
        summary: "the file name is not YYYYMMDDHHMMSS_description.sql",
        policy: "Migration files MUST follow this exact pattern: YYYYMMDDHHMMSS_description.sql")
    static let timestamp = LintRuleInfo(
        id: MigrationNamePolicy.Rule.timestamp.rawValue, defaultSeverity: .error,
        summary: "the timestamp is not a real date and time",
        policy: "MM: 2-digit month (01-12) … SS: 2-digit second (00-59)")
    static let snakeCase = LintRuleInfo(
        id: MigrationNamePolicy.Rule.snakeCase.rawValue, defaultSeverity: .error,
        summary: "the description is not lowercase snake_case",
        policy: "description: Lowercase description with underscores, no spaces")
    static let length = LintRuleInfo(
        id: MigrationNamePolicy.Rule.length.rawValue, defaultSeverity: .warning,
        summary: "the description is 50 characters or longer",
        policy: "Concise: Keep under 50 characters when possible")
    static let verb = LintRuleInfo(
        id: MigrationNamePolicy.Rule.verb.rawValue, defaultSeverity: .warning,
        summary: "the description does not start with an action verb",
        policy: "Action-oriented: Use verbs like add, create, modify, drop, rename")

    var rules: [LintRuleInfo] { [Self.format, Self.timestamp, Self.snakeCase, Self.length, Self.verb] }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        MigrationNamePolicy.check(fileName: file.migration.fileName, location: file.location()).map {
            LintFinding(rule: $0.code, message: $0.message, hint: $0.help, location: $0.location ?? file.location())
        }
    }
}
