import Foundation
import SkeinCore
import SkeinLint

/// `--format sarif`: SARIF 2.1.0, one run, every rule described, for code scanning.
struct SARIFLog: Encodable {
    var version = "2.1.0"
    var schema = "https://json.schemastore.org/sarif-2.1.0.json"
    var runs: [Run]

    enum CodingKeys: String, CodingKey {
        case version
        case schema = "$schema"
        case runs
    }

    init(findings: [Diagnostic], rules: [LintRuleInfo], version: String) {
        self.init(
            findings: findings,
            rules: rules.map {
                Rule(
                    id: $0.id, shortDescription: .init(text: $0.summary), fullDescription: .init(text: $0.policy),
                    defaultConfiguration: .init(level: Self.level($0.defaultSeverity)))
            }, version: version)
    }

    static func level(_ severity: Severity) -> String {
        switch severity {
        case .error: "error"
        case .warning: "warning"
        case .info: "note"
        }
    }

    /// A log of `findings` (each with its `code` as the rule id) for any of Skein's checks.
    init(findings: [Diagnostic], rules: [Rule], version: String) {
        let level = Self.level
        let driver = Driver(
            name: "skein", version: version, informationUri: "https://github.com/skein/skein", rules: rules)
        let results = findings.map { finding in
            Result(
                ruleId: finding.code, level: level(finding.severity),
                message: .init(text: finding.message + (finding.help.map { " Help: \($0)" } ?? "")),
                locations: finding.location.map { location in
                    [
                        Location(
                            physicalLocation: .init(
                                artifactLocation: .init(uri: Self.uri(location.file)),
                                region: location.line.map { .init(startLine: $0, startColumn: location.column) }))
                    ]
                } ?? [])
        }
        runs = [Run(tool: .init(driver: driver), results: results)]
    }

    /// A path as a URI reference: percent-encoded where a URI cannot hold the character (a space, `%`, `#`, `?`,
    /// non-ASCII) or could misread it (`:`), so that code-scanning tools find the file.
    static func uri(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        // `;` and `:` too: a colon in a relative path's first segment would read as a URI scheme (`db:prod/…`).
        allowed.remove(charactersIn: ";:")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }

    struct Run: Encodable {
        var tool: Tool
        var results: [Result]
    }
    struct Tool: Encodable { var driver: Driver }
    struct Driver: Encodable {
        var name: String
        var version: String
        var informationUri: String
        var rules: [Rule]
    }
    struct Text: Encodable { var text: String }
    struct Rule: Encodable {
        var id: String
        var shortDescription: Text
        var fullDescription: Text
        var defaultConfiguration: Level
    }
    struct Level: Encodable { var level: String }
    struct Result: Encodable {
        var ruleId: String
        var level: String
        var message: Text
        var locations: [Location]
    }
    struct Location: Encodable { var physicalLocation: PhysicalLocation }
    struct PhysicalLocation: Encodable {
        var artifactLocation: ArtifactLocation
        var region: Region?
    }
    struct ArtifactLocation: Encodable { var uri: String }
    struct Region: Encodable {
        var startLine: Int
        var startColumn: Int?
    }
}
