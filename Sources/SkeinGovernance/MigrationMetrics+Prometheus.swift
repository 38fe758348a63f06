import Foundation
import SkeinCore

// MARK: - Prometheus text

extension MigrationMetrics {
    /// The metric families in Prometheus's text exposition format 0.0.4 (`text/plain; version=0.0.4`): `# HELP` and
    /// `# TYPE` lines, label values escaped, no sample timestamps (the node_exporter textfile collector rejects
    /// them), a final newline. The same metrics always render the same text.
    public func prometheusText() -> String {
        var text = ""
        func family(
            _ name: String, _ type: String, _ help: String, _ samples: [(labels: [(String, String)], value: String)]
        ) {
            text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(type)\n"
            for sample in samples {
                let labels =
                    sample.labels.isEmpty
                    ? ""
                    : "{" + sample.labels.map { "\($0.0)=\"\(Self.escapeLabelValue($0.1))\"" }.joined(separator: ",")
                        + "}"
                text += "\(name)\(labels) \(sample.value)\n"
            }
        }
        family(
            "skein_migration_duration_seconds", "gauge",
            "Duration of the latest attempt of each migration, per version and direction (until the failure for a failed attempt).",
            latestAttempts.compactMap { attempt in
                attempt.durationSeconds.map {
                    (
                        [
                            ("version", String(attempt.version)), ("file", attempt.file ?? ""),
                            ("direction", attempt.direction.rawValue),
                        ],
                        Self.number($0)
                    )
                }
            })
        family(
            "skein_migrations_total", "counter",
            "Migration attempts recorded in the audit log, by direction and outcome (applied, rolled-back, failed).",
            migrationCounts.map {
                ([("direction", $0.direction?.rawValue ?? ""), ("outcome", $0.outcome.rawValue)], String($0.count))
            })
        family(
            "skein_migration_failure_ratio", "gauge",
            "Failed migration attempts divided by all attempts in the audit log (0 when there was none).",
            [([], Self.number(failureRatio))])
        family(
            "skein_runs_total", "counter",
            "Runs (skein up, down, ...) recorded in the audit log, by outcome (applied, rolled-back, failed).",
            runCounts.map { ([("outcome", $0.outcome.rawValue)], String($0.count)) })
        family(
            "skein_current_version", "gauge",
            "goose's current version as the audit log last recorded it (0 when none).",
            [([], String(currentVersion))])
        if let run = lastRun {
            family(
                "skein_last_run_timestamp_seconds", "gauge",
                "When the last run finished, in seconds since the Unix epoch.",
                [([], Self.number((run.finishedAt ?? run.startedAt).timeIntervalSince1970))])
            family(
                "skein_last_run_success", "gauge", "1 if the last run succeeded, 0 if it failed.",
                [([], run.outcome == .failed ? "0" : "1")])
            if let duration = run.durationSeconds {
                family(
                    "skein_last_run_duration_seconds", "gauge", "How long the last run took.",
                    [([], Self.number(duration))])
            }
            if let after = run.databaseSizeAfter {
                family(
                    "skein_database_size_bytes", "gauge", "The database's size (pg_database_size) after the last run.",
                    [([], String(after))])
            }
            if let change = run.databaseSizeChange {
                family(
                    "skein_last_run_database_size_change_bytes", "gauge",
                    "How much the last run changed the database's size (after minus before; negative when it shrank).",
                    [([], String(change))])
            }
        }
        return text
    }

    /// A label value as the format requires: `\` → `\\`, `"` → `\"`, line feed → `\n`.
    public static func escapeLabelValue(_ value: String) -> String {
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// HELP text as the format requires: `\` → `\\`, line feed → `\n`.
    static func escapeHelp(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// A sample value Go's `ParseFloat` reads: integers without a fraction, others in Swift's shortest form.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
