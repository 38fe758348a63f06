import Foundation
import Logging
import SkeinCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one place the CLI writes: results to stdout, notes, warnings and errors to stderr, both the streams of
/// the invocation being served (``CLIContext``). In goose mode messages go to stderr with goose's log prefix
/// (`2006/01/02 15:04:05 `, local time), as goose's `log.Printf` does.
enum Console {
    static func out(_ text: String) {
        let context = CLIContext.current
        context.output.write(context.masking(text) + "\n")
    }

    /// A status line on stderr, redrawn in place (no newline; `\r` and the erase sequence come with `text`).
    static func errInPlace(_ text: String) {
        let context = CLIContext.current
        context.error.write(context.masking(text))
    }

    static func err(_ text: String) {
        let context = CLIContext.current
        context.error.write(context.masking(text) + "\n")
    }

    /// goose's `log.Printf`: every line prefixed with the local date and time.
    static func gooseLog(_ text: String) {
        err(gooseLogPrefix() + text)
    }

    static func gooseLogPrefix(_ date: Date = Date()) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        localtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int = 2) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))/\(pad(parts.tm_mon + 1))/\(pad(parts.tm_mday)) "
            + "\(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec)) "
    }

    /// The logger the library gets: silent unless `SKEIN_LOG_LEVEL` (trace, debug, info, notice, warning, error)
    /// asks for swift-log's lines on stderr (PostgresNIO's included, which never show passwords).
    /// With `json` (`--log-format json`): every record at `info` and above (or `SKEIN_LOG_LEVEL`) as a JSON line
    /// on stderr (``JSONLogHandler``).
    static func logger(json: Bool = false) -> Logger {
        let context = CLIContext.current
        if json {
            var logger = Logger(label: "skein", factory: { JSONLogHandler(label: $0, sink: context.error) })
            logger.logLevel = context.environment["SKEIN_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            return logger
        }
        guard let text = context.environment["SKEIN_LOG_LEVEL"],
            let level = Logger.Level(rawValue: text)
        else { return Logger(label: "skein", factory: { _ in SwiftLogNoOpLogHandler() }) }
        var logger = Logger(label: "skein", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = level
        return logger
    }

    /// Diagnostics, compiler style, to stderr; in goose's grammar each line is a `skein: ` log line, so goose's own
    /// lines stay what scripts see.
    static func report(_ diagnostics: [Diagnostic]) {
        guard !diagnostics.isEmpty else { return }
        switch CLIContext.current.style {
        case .skein:
            for diagnostic in diagnostics { err(diagnostic.description) }
        case .goose:
            let prefix = gooseLogPrefix()
            err(
                diagnostics.flatMap { $0.description.split(separator: "\n", omittingEmptySubsequences: false) }
                    .map { prefix + "skein: " + $0 }.joined(separator: "\n"))
        }
    }

    /// One JSON value on one line of stdout (keys sorted, so output is stable).
    static func json<Value: Encodable>(_ value: Value) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        out(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// How a command prints: Skein's style, or goose v3.17's (stderr with log prefix).
enum OutputStyle {
    case skein
    case goose

    init(goose: Bool) { self = goose ? .goose : .skein }
}

/// `--format text|json`.
enum OutputFormat: String, CaseIterable, Sendable {
    case text
    case json
}
