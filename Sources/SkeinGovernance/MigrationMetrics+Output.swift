import Foundation
import SkeinCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

// MARK: - Files

/// A metrics file could not be written.
public struct MetricsFileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public var description: String {
        "cannot write the metrics file \(path): \(reason). Check that its directory exists and is writable."
    }
}

extension MigrationMetrics {
    /// Writes ``prometheusText()`` to `path` atomically: a hidden temporary file in the same directory (not ending
    /// in `.prom`, so the node_exporter textfile collector never reads it half-written), then `rename(2)` over `path`.
    /// A reader sees the old file or the new one, never a mix.
    /// - Parameter path: the file to replace, e.g. `/var/lib/node_exporter/textfile/skein.prom`.
    /// - Throws: ``MetricsFileError`` when the temporary file cannot be written or renamed (it is removed).
    public func writeAtomically(to path: String) throws {
        let target = URL(fileURLWithPath: path)
        let temporary = target.deletingLastPathComponent().appendingPathComponent(
            ".\(target.lastPathComponent).\(UUID().uuidString.lowercased()).tmp")
        do {
            try Data(prometheusText().utf8).write(to: temporary, options: .withoutOverwriting)
        } catch {
            throw MetricsFileError(path: path, reason: (error as NSError).localizedDescription)
        }
        guard rename(temporary.path, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw MetricsFileError(path: path, reason: reason)
        }
    }
}

// MARK: - JSON

extension MigrationMetrics {
    enum CodingKeys: String, CodingKey {
        case schemaVersion, generatedAt, latestAttempts, migrationCounts, runCounts, failureRatio, lastRun
        case currentVersion
    }

    /// `{"schemaVersion": 1, …}` with every key present (`null` when unknown) and RFC 3339 times.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(1, forKey: .schemaVersion)
        try container.encode(RFC3339.string(generatedAt), forKey: .generatedAt)
        try container.encode(latestAttempts, forKey: .latestAttempts)
        try container.encode(migrationCounts, forKey: .migrationCounts)
        try container.encode(runCounts, forKey: .runCounts)
        try container.encode(failureRatio, forKey: .failureRatio)
        try container.encode(lastRun, forKey: .lastRun)
        try container.encode(currentVersion, forKey: .currentVersion)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let schemaVersion = try container.decode(Int.self, forKey: .schemaVersion)
        guard schemaVersion == 1 else {
            throw DecodingError.dataCorruptedError(
                forKey: .schemaVersion, in: container, debugDescription: "unsupported schemaVersion \(schemaVersion)")
        }
        generatedAt = try RFC3339.date(container, .generatedAt)
        latestAttempts = try container.decode([Attempt].self, forKey: .latestAttempts)
        migrationCounts = try container.decode([Count].self, forKey: .migrationCounts)
        runCounts = try container.decode([Count].self, forKey: .runCounts)
        failureRatio = try container.decode(Double.self, forKey: .failureRatio)
        lastRun = try container.decodeIfPresent(Run.self, forKey: .lastRun)
        currentVersion = try container.decode(Int64.self, forKey: .currentVersion)
    }
}

extension MigrationMetrics.Attempt {
    enum CodingKeys: String, CodingKey { case version, file, fileName, direction, outcome, startedAt, durationSeconds }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(file, forKey: .file)
        try container.encode(file, forKey: .fileName)
        try container.encode(direction, forKey: .direction)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(RFC3339.string(startedAt), forKey: .startedAt)
        try container.encode(durationSeconds, forKey: .durationSeconds)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(Int64.self, forKey: .version)
        file =
            try container.decodeIfPresent(String.self, forKey: .fileName)
            ?? container.decodeIfPresent(String.self, forKey: .file)
        direction = try container.decode(Direction.self, forKey: .direction)
        outcome = try container.decode(AuditOutcome.self, forKey: .outcome)
        startedAt = try RFC3339.date(container, .startedAt)
        durationSeconds = try container.decodeIfPresent(Double.self, forKey: .durationSeconds)
    }
}

extension MigrationMetrics.Count {
    enum CodingKeys: String, CodingKey { case direction, outcome, count }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(direction, forKey: .direction)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(count, forKey: .count)
    }
}

extension MigrationMetrics.Run {
    enum CodingKeys: String, CodingKey {
        case runID, command, outcome, startedAt, finishedAt, durationSeconds, databaseSizeBefore, databaseSizeAfter
        case databaseSizeChange
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(runID, forKey: .runID)
        try container.encode(command, forKey: .command)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(RFC3339.string(startedAt), forKey: .startedAt)
        try container.encode(finishedAt.map(RFC3339.string), forKey: .finishedAt)
        try container.encode(durationSeconds, forKey: .durationSeconds)
        try container.encode(databaseSizeBefore, forKey: .databaseSizeBefore)
        try container.encode(databaseSizeAfter, forKey: .databaseSizeAfter)
        try container.encode(databaseSizeChange, forKey: .databaseSizeChange)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        runID = try container.decodeIfPresent(String.self, forKey: .runID)
        command = try container.decodeIfPresent(String.self, forKey: .command)
        outcome = try container.decode(AuditOutcome.self, forKey: .outcome)
        startedAt = try RFC3339.date(container, .startedAt)
        finishedAt = try RFC3339.optionalDate(container, .finishedAt)
        durationSeconds = try container.decodeIfPresent(Double.self, forKey: .durationSeconds)
        databaseSizeBefore = try container.decodeIfPresent(Int64.self, forKey: .databaseSizeBefore)
        databaseSizeAfter = try container.decodeIfPresent(Int64.self, forKey: .databaseSizeAfter)
    }
}

/// RFC 3339 in UTC with whole seconds (`2024-01-15T14:30:22Z`), the JSON output's time format.
enum RFC3339 {
    static func string(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    static func optionalDate<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> Date? {
        guard (try container.decodeIfPresent(String.self, forKey: key)) != nil else { return nil }
        return try date(container, key)
    }

    static func date<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> Date {
        let text = try container.decode(String.self, forKey: key)
        guard let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: container, debugDescription: "not an RFC 3339 time: \(text)")
        }
        return date
    }
}
