import Foundation
import PostgresNIO

/// Where a statement's values go: PostgresNIO's bindings, or text for a ``CommandPipeline``. The record statement
/// builds its values once, for either.
protocol StatementParameters {
    mutating func bind(_ value: String?)
    mutating func bind(_ value: Int64?)
    mutating func bind(_ value: Double?)
    mutating func bind(_ value: Date?)
    mutating func bind(_ value: Bool?)
}

extension PostgresBindings: StatementParameters {
    mutating func bind(_ value: String?) { append(value) }
    mutating func bind(_ value: Int64?) { append(value) }
    mutating func bind(_ value: Double?) { append(value) }
    mutating func bind(_ value: Date?) { append(value) }
    mutating func bind(_ value: Bool?) { append(value) }
}

/// Values in PostgreSQL's text format, each typed by the server from where it is used.
struct TextParameters: StatementParameters {
    var values: [String?] = []

    mutating func bind(_ value: String?) { values.append(value) }
    mutating func bind(_ value: Int64?) { values.append(value.map { String($0) }) }
    mutating func bind(_ value: Double?) { values.append(value.map { "\($0)" }) }
    mutating func bind(_ value: Date?) { values.append(value.map(Self.timestamp)) }
    mutating func bind(_ value: Bool?) { values.append(value.map { $0 ? "true" : "false" }) }

    /// `2026-12-07 23:15:03.123456+00`: UTC, to the microsecond (PostgreSQL's own precision, as PostgresNIO sends).
    static func timestamp(_ date: Date) -> String {
        let microseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = time_t(microseconds.quotient(dividingBy: 1_000_000))
        let fraction = microseconds - Int64(seconds) * 1_000_000
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func padded(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return padded(Int(parts.tm_year) + 1900, 4) + "-" + padded(Int(parts.tm_mon) + 1, 2) + "-"
            + padded(Int(parts.tm_mday), 2) + " " + padded(Int(parts.tm_hour), 2) + ":" + padded(Int(parts.tm_min), 2)
            + ":" + padded(Int(parts.tm_sec), 2) + "." + padded(Int(fraction), 6) + "+00"
    }
}

extension Int64 {
    /// Division rounding towards negative infinity (dates before 1970 too).
    fileprivate func quotient(dividingBy divisor: Int64) -> Int64 {
        let (quotient, remainder) = quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? quotient - 1 : quotient
    }
}
