import Foundation
import SkeinCore
import SkeinSQL

/// The policy's file naming: "Migration files MUST follow this exact pattern: YYYYMMDDHHMMSS_description.sql",
/// a real date and time, "Lowercase description with underscores", "under 50 characters", "Action-oriented".
/// The checks themselves are SkeinCore's (`MigrationNamePolicy`), shared with `create` and `validate`.
struct MigrationNamingRule: LintRule {
    var rules: [LintRuleInfo] {
        [
            LintRuleInfo(
                id: "migration-name-format", defaultSeverity: .error,
                summary: "the file name is not YYYYMMDDHHMMSS_description.sql",
                policy: "Migration files MUST follow this exact pattern: YYYYMMDDHHMMSS_description.sql"),
            LintRuleInfo(
                id: "migration-name-timestamp", defaultSeverity: .error,
                summary: "the timestamp is not a real date and time",
                policy: "MM: 2-digit month (01-12) … SS: 2-digit second (00-59)"),
            LintRuleInfo(
                id: "migration-name-snake-case", defaultSeverity: .error,
                summary: "the description is not lowercase snake_case",
                policy: "description: Lowercase description with underscores, no spaces"),
            LintRuleInfo(
                id: "migration-name-length", defaultSeverity: .warning,
                summary: "the description is 50 characters or longer",
                policy: "Concise: Keep under 50 characters when possible"),
            LintRuleInfo(
                id: "migration-name-verb", defaultSeverity: .warning,
                summary: "the description does not start with an action verb",
                policy: "Action-oriented: Use verbs like add, create, modify, drop, rename"),
        ]
    }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        MigrationNamePolicy.check(fileName: file.migration.fileName, location: file.location()).map {
            LintFinding(rule: $0.code, message: $0.message, hint: $0.help, location: $0.location ?? file.location())
        }
    }
}
