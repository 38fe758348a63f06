import SkeinCore
import SkeinLint

/// Lints in-memory files (name → text) with every rule and returns `path:line:col rule` lines, the form the tests
/// compare.
func findings(_ files: [String: String], only rule: String? = nil) -> [String] {
    let sources = files.map { SourceFile(path: "migrations/" + $0.key, text: $0.value) }
    var configuration = LintConfiguration()
    if let rule { configuration.only = [rule] }
    return Linter(configuration: configuration).lint(sources).map { diagnostic in
        "\(diagnostic.location?.description ?? "-") \(diagnostic.severity.rawValue)[\(diagnostic.code)]"
    }
}

/// A file with an Up and a Down.
func migration(up: String, down: String = "SELECT 1;", header: String = "") -> String {
    header + "-- +goose Up\n" + up + "\n-- +goose Down\n" + down + "\n"
}
