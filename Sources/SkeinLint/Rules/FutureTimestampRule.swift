import Foundation
import SkeinCore
import SkeinSQL

/// A version timestamp later than now: the file sorts after migrations written later (goose applies in version
/// order, and `create` stamps new files with the current UTC time), so it jumps the queue — or, with goose's
/// out-of-order checks, blocks the files that should follow it. The time comes from ``LintContext/now``
/// (``LintConfiguration/now``, set by the CLI); without it the rule is off, so linting stays pure.
struct FutureTimestampRule: LintRule {
    static let info = LintRuleInfo(
        id: "future-timestamp", defaultSeverity: .warning,
        summary: "the version timestamp (YYYYMMDDHHMMSS, UTC) is later than now",
        policy: "Migration files MUST follow this exact pattern: YYYYMMDDHHMMSS_description.sql")

    var rules: [LintRuleInfo] { [Self.info] }

    /// `now` as a `YYYYMMDDHHMMSS` number in UTC, as goose and `skein create` write versions.
    static func version(at now: Date) -> Int64 {
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let parts = utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: now)
        let fields = [parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second]
        return fields.reduce(Int64(0)) { version, field in version * 100 + Int64(field ?? 0) }
    }

    func check(_ file: LintFile, context: LintContext) -> [LintFinding] {
        let digits = String(file.migration.version)
        guard let now = context.now, MigrationNamePolicy.timestamp(fromDigits: digits[...]) != nil else { return [] }
        let current = context.currentVersion.flatMap { $0.now == now ? $0.version : nil } ?? Self.version(at: now)
        guard file.migration.version > current else { return [] }
        return [
            Self.info.finding(
                "version \(digits) is later than now (\(current) UTC), so the file sorts after migrations created after it",
                hint:
                    "rename the file with the current UTC time (skein create stamps it); a local-time stamp ahead of UTC also ends up in the future",
                at: file.location())
        ]
    }
}
