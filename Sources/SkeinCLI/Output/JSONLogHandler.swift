import Foundation
import Logging

/// `--log-format json`: each swift-log record as one JSON object on one line of stderr, for log shippers:
/// `{"time":"…","level":"info","label":"skein","message":"migration finished","migration.version":"…",…}`.
/// Metadata keys become fields (the message's own keys win over none: `time`, `level`, `label`, `message`
/// are reserved). Nothing here ever holds a password: Skein logs no connection string.
struct JSONLogHandler: LogHandler {
    var label: String
    /// The invocation's stderr, captured when the logger is made (records may come from other threads).
    var sink: OutputSink
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [String: String] = [:]
        let merged = metadata.merging(metadataProvider?.get() ?? [:]) { $1 }.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged { fields[key] = "\(value)" }
        fields["time"] = Self.timestamp()
        fields["level"] = event.level.rawValue
        fields["label"] = label
        fields["message"] = "\(event.message)"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(fields) else { return }
        sink.write(data + Data("\n".utf8))
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
