import Foundation
public import SkeinCore

/// Which migration breaks which query: the schema is applied one step (one file) at a time on a database nobody
/// else uses, and after each step every annotated query is described again. A query that PostgreSQL described
/// before a step and rejects after it was broken by that step; one whose parameter or column types changed was
/// changed by it (its generated code no longer matches). `skein check-queries` runs it.
public struct QueryImpact: Sendable {
    /// The rules the findings carry, for SARIF and `--format json`.
    public static let rules: [(id: String, summary: String)] = [
        ("query-broken", "a migration makes an annotated query fail: PostgreSQL rejects it after the migration"),
        ("query-changed", "a migration changes an annotated query's parameter or column types"),
        ("query-invalid", "an annotated query fails against the whole schema (generate fails on it too)"),
        ("schema-does-not-apply", "a migration does not apply on top of the ones before it"),
    ]

    /// How many steps (schema files) were applied one by one, and how many queries were described after each.
    public var steps: Int
    public var queries: Int
    /// What was found, in step order: errors (`query-broken`, `query-invalid`, `schema-does-not-apply`) and
    /// warnings (`query-changed`), each at the query's `file:line`.
    public var findings: [Diagnostic]

    /// What PostgreSQL said of a query at one point: its types, or why it rejected it.
    enum State: Equatable {
        case described(Signature)
        case rejected(String)
    }

    /// The types a query's generated code depends on.
    struct Signature: Equatable {
        var parameters: [String]
        var columns: [(name: String, type: String, notNull: Bool)]

        init(_ described: DescribedQuery) {
            parameters = described.parameters.map(\.sqlType)
            columns = described.columns.map { ($0.name, $0.sqlType, $0.source?.notNull ?? false) }
        }

        static func == (left: Signature, right: Signature) -> Bool {
            left.parameters == right.parameters
                && left.columns.map { "\($0.name)\u{0}\($0.type)\u{0}\($0.notNull)" }
                    == right.columns.map { "\($0.name)\u{0}\($0.type)\u{0}\($0.notNull)" }
        }

        /// What changed from `self` to `after`, in words.
        func changes(to after: Signature) -> [String] {
            var changes: [String] = []
            for (index, (before, now)) in zip(parameters, after.parameters).enumerated() where before != now {
                changes.append("parameter $\(index + 1): \(before) → \(now)")
            }
            if parameters.count != after.parameters.count {
                changes.append("\(parameters.count) parameters → \(after.parameters.count)")
            }
            let beforeNames = columns.map(\.name)
            let afterNames = after.columns.map(\.name)
            for column in columns where !afterNames.contains(column.name) {
                changes.append("column \(column.name) is gone")
            }
            for column in after.columns where !beforeNames.contains(column.name) {
                changes.append("column \(column.name) is new")
            }
            for column in columns {
                guard let now = after.columns.first(where: { $0.name == column.name }) else { continue }
                if column.type != now.type { changes.append("column \(column.name): \(column.type) → \(now.type)") }
                if column.notNull && !now.notNull { changes.append("column \(column.name) can be NULL now") }
                if !column.notNull && now.notNull { changes.append("column \(column.name) is NOT NULL now") }
            }
            if changes.isEmpty, beforeNames != afterNames {
                changes.append(
                    "columns reordered: \(beforeNames.joined(separator: ", ")) → \(afterNames.joined(separator: ", "))")
            }
            return changes
        }
    }

    /// Applies `schema` step by step on `describer`'s (empty) database and describes `queries` after each step.
    ///
    /// - Parameters:
    ///   - baseline: how many leading steps are applied together first (what is already deployed: `--since`);
    ///     findings start after them.
    public static func analyze(
        schema: SchemaSource, queries: [AnnotatedQuery], describer: QueryDescriber, baseline: Int = 0
    ) async throws -> QueryImpact {
        let steps = schema.units
        let baseline = min(max(baseline, 0), steps.count)
        var findings: [Diagnostic] = []
        func finding(_ code: String, _ severity: Severity, _ query: AnnotatedQuery, _ message: String) -> Diagnostic {
            Diagnostic(
                severity: severity, code: code, message: message,
                location: SourceLocation(file: query.file, line: query.line))
        }
        func describeAll() async throws -> [State] {
            try await describer.describe(queries.map(\.sql)).map { result in
                switch result {
                case .success(let described): .described(Signature(described))
                case .failure(let error):
                    .rejected(error.message + (error.sqlState.map { " (SQLSTATE \($0))" } ?? ""))
                }
            }
        }
        try await CodeGenerator.apply(SchemaSource(units: Array(steps[..<baseline])), on: describer)
        var states = try await describeAll()
        for step in steps[baseline...] {
            let name = step.scripts.first.map { ($0.file as NSString).lastPathComponent } ?? "?"
            do {
                try await CodeGenerator.apply(SchemaSource(units: [step]), on: describer)
            } catch let error as SchemaSourceError {
                findings.append(
                    Diagnostic(
                        severity: .error, code: "schema-does-not-apply",
                        message: "\(name) does not apply on top of the migrations before it: \(error.message)",
                        location: SourceLocation(file: error.file, line: error.line)))
                return QueryImpact(steps: steps.count - baseline, queries: queries.count, findings: findings)
            }
            let after = try await describeAll()
            for (index, query) in queries.enumerated() {
                switch (states[index], after[index]) {
                case (.described, .rejected(let message)):
                    findings.append(
                        finding("query-broken", .error, query, "\(name) breaks \(query.name): \(message)"))
                case (.described(let before), .described(let now)) where before != now:
                    findings.append(
                        finding(
                            "query-changed", .warning, query,
                            "\(name) changes \(query.name): \(before.changes(to: now).joined(separator: "; "))"
                                + " (regenerate: skein generate)"))
                default:
                    break
                }
            }
            states = after
        }
        for (index, query) in queries.enumerated() {
            guard case .rejected(let message) = states[index] else { continue }
            // Broken by a step: already said. Never described: invalid against the whole schema.
            if findings.contains(where: {
                $0.code == "query-broken" && $0.location?.line == query.line
                    && $0.location?.file == query.file
            }) {
                continue
            }
            findings.append(
                finding("query-invalid", .error, query, "\(query.name) fails on the whole schema: \(message)"))
        }
        return QueryImpact(steps: steps.count - baseline, queries: queries.count, findings: findings)
    }
}
