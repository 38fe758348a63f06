import Foundation
import SkeinCore
import SkeinLint
import Testing

@Suite("lint: future-timestamp")
struct FutureTimestampRuleTests {
    /// 2024-06-01 00:00:00 UTC.
    let now = Date(timeIntervalSince1970: 1_717_200_000)
    let text = migration(up: "SELECT 1;")

    func lint(_ names: [String], now: Date?) -> [String] {
        var configuration = LintConfiguration()
        configuration.only = ["future-timestamp"]
        configuration.now = now
        return Linter(configuration: configuration).lint(
            names.map { SourceFile(path: "migrations/" + $0, text: text) }
        ).map { "\($0.location?.description ?? "-") \($0.severity.rawValue)[\($0.code)]" }
    }

    @Test("a version after the injected time is reported; none without a time")
    func future() {
        let names = ["20240531235959_add_a.sql", "20240601000000_add_b.sql", "20240601000001_add_c.sql", "1_add_d.sql"]
        #expect(lint(names, now: now) == ["migrations/20240601000001_add_c.sql warning[future-timestamp]"])
        #expect(lint(names, now: nil) == [])
        let message = Linter(
            configuration: {
                var configuration = LintConfiguration()
                configuration.now = now
                return configuration
            }()
        ).lint([SourceFile(path: "20240601000001_add_c.sql", text: text)]).first { $0.code == "future-timestamp" }?
        .message
        #expect(
            message
                == "version 20240601000001 is later than now (20240601000000 UTC), so the file sorts after migrations created after it"
        )
    }
}
