/// How the policy's rules weigh: errors that block, or warnings (goose mode, unless `policy: enforce`).
public enum PolicyEnforcement: String, Sendable, Hashable, Codable {
    /// Policy violations are errors.
    case enforce
    /// Policy violations are warnings; only what goose itself rejects is an error.
    case warn
}

/// `skein validate`: every file parsed in both directions, names checked against the policy, duplicate
/// versions, and, with a grammar, every statement of both directions — every finding at once.
public enum MigrationValidation {
    /// All findings for a catalog, ordered by file and line.
    /// - Parameters:
    ///   - catalog: the migrations, and the catalog's own diagnostics (files goose refuses), which are findings too.
    ///   - policy: `.warn` turns the naming policy's errors into warnings; goose's parse errors stay errors.
    ///   - statementChecker: a grammar for every statement of both directions of every file (its findings are
    ///     ``StatementChecker/syntaxErrorCode`` errors in either policy: PostgreSQL would reject the statement);
    ///     `nil` checks none.
    ///   - serverMajorVersion: the PostgreSQL major version the statements are for, passed to the checker.
    public static func validate(
        _ catalog: MigrationCatalog, policy: PolicyEnforcement, statementChecker: StatementChecker? = nil,
        serverMajorVersion: Int? = nil
    ) -> [Diagnostic] {
        var findings = catalog.diagnostics
        for migration in catalog.migrations {
            var naming = MigrationNamePolicy.check(
                fileName: migration.fileName, location: SourceLocation(file: migration.path))
            if policy == .warn {
                naming = naming.map { finding in
                    var finding = finding
                    if finding.severity == .error { finding.severity = .warning }
                    return finding
                }
            }
            findings += naming
            guard migration.kind == .sql else {
                findings.append(
                    Diagnostic(
                        severity: .warning, code: "go-migration",
                        message: "\(migration.fileName) is a goose Go migration; Skein lists it but cannot run it",
                        help: "rewrite it as SQL, or run it with a goose binary built with it",
                        location: SourceLocation(file: migration.path)))
                continue
            }
            var parseErrors: [GooseParseError] = []
            for direction in Direction.allCases {
                if case .failure(let error) = migration.section(direction) {
                    // A file-level problem (encoding, a BOM, no Up) fails both directions alike: report once.
                    if parseErrors.contains(where: { $0.kind == error.kind && $0.line == error.line }) { continue }
                    parseErrors.append(error)
                }
            }
            findings += parseErrors.map { Diagnostic(parseError: $0, path: migration.path) }
        }
        if let statementChecker {
            findings += statementChecker.diagnostics(for: catalog.migrations, serverMajorVersion: serverMajorVersion)
        }
        return findings.sorted { lhs, rhs in
            let left = (lhs.location?.file ?? "", lhs.location?.line ?? 0)
            let right = (rhs.location?.file ?? "", rhs.location?.line ?? 0)
            return left < right
        }
    }
}
