import Foundation
import SkeinCore

/// `skein -dir D validate` as goose v3.17 runs it: silent on success (goose checks parsing only: names, versions and
/// the policy are `skein validate`'s); the first file that does not parse ends it with goose's `goose validate:
/// failed to parse file "…": …`; `-v` prints goose's table (Go's tabwriter, padding 3, a `─` rule under the header)
/// when every file parses.
enum GooseValidation {
    static func run(directory: String, verbose: Bool) throws {
        let catalog: MigrationCatalog
        do {
            catalog = try MigrationCatalog(source: DirectorySource(directory: directory))
        } catch {
            throw CLIFailure(
                .migrations, "\(error)", gooseLine: "stat \(directory): no such file or directory",
                gooseCommand: "validate")
        }
        for migration in catalog.migrations where migration.kind == .sql {
            for result in [migration.up, migration.down] {
                if case .failure(let error)? = result {
                    throw CLIFailure(
                        .migrations, "\(migration.path): \(error.message)",
                        gooseLine: "failed to parse file \"\(migration.path)\": \(error.gooseMessage)",
                        gooseCommand: "validate")
                }
            }
        }
        // Beyond goose: every statement read with PostgreSQL's grammar, so a typo fails here, not half-way through a
        // run.
        let syntax = GrammarStatementChecker.checker.diagnostics(for: catalog.migrations, serverMajorVersion: nil)
            .filter { $0.severity == .error }
        if let first = syntax.first {
            Console.report(syntax)
            throw CLIFailure(
                .migrations, first.description,
                gooseLine: "failed to parse file \"\(first.location?.file ?? directory)\": \(first.message)",
                gooseCommand: "validate")
        }
        guard verbose else { return }
        var rows = [["Type", "Txn", "Up", "Down", "Name"], ["────", "───", "──", "────", "────"]]
        for migration in catalog.migrations {
            func count(_ result: Result<GooseSection, GooseParseError>?) -> String {
                guard case .success(let section)? = result else { return "1" }
                return String(section.statements.count)
            }
            let transactional = migration.transactionMode?.isTransactional ?? true
            rows.append([
                migration.kind.rawValue, transactional ? "✔" : "✘", count(migration.up), count(migration.down),
                migration.fileName,
            ])
        }
        Console.out(table(rows))
    }

    /// Go's `tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)` over tab-terminated cells: each column as wide as its widest
    /// cell (in Unicode scalars) plus 3.
    static func table(_ rows: [[String]]) -> String {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in
            rows.map { column < $0.count ? $0[column].unicodeScalars.count : 0 }.max() ?? 0
        }
        return rows.map { row in
            row.enumerated().map { index, cell in
                cell + String(repeating: " ", count: widths[index] - cell.unicodeScalars.count + 3)
            }.joined()
        }.joined(separator: "\n")
    }
}
