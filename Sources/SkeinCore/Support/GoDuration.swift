package import Foundation

/// Go's `time.ParseDuration` (`300ms`, `-1.5h`, `2h45m`): the value in seconds.
package enum GoDuration {
    /// The value of Go duration syntax in seconds; `nil` when it is not one.
    package static func parse(_ text: String) -> Double? {
        var scalars = Substring(text)
        var sign = 1.0
        if let first = scalars.first, first == "-" || first == "+" {
            sign = first == "-" ? -1 : 1
            scalars = scalars.dropFirst()
        }
        if scalars == "0" { return 0 }
        guard !scalars.isEmpty else { return nil }
        let units: [(String, Double)] = [
            ("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("μs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600),
        ]
        var total = 0.0
        while !scalars.isEmpty {
            let number = scalars.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number != ".", let value = Double(number.hasPrefix(".") ? "0" + number : number)
            else {
                return nil
            }
            scalars = scalars.dropFirst(number.count)
            guard let unit = units.sorted(by: { $0.0.count > $1.0.count }).first(where: { scalars.hasPrefix($0.0) })
            else { return nil }
            scalars = scalars.dropFirst(unit.0.count)
            total += value * unit.1
        }
        // Go durations are int64 nanoseconds: about 2,562,047 hours at most.
        guard total * 1e9 < Double(Int64.max) else { return nil }
        return sign * total
    }
}

/// Go's formatting of durations and timestamps, for goose's output lines.
package enum GoDurationFormat {
    /// goose's `truncateDuration` then Go's `Duration.String()`: `843.21µs`, `12.34ms`, `1.5s`, `1m2.35s`.
    package static func string(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = Double(seconds) * 1e9 + Double(attoseconds) / 1e9
        // `%.2f` with the trailing zeros (and a bare point) trimmed, by integer arithmetic (Foundation's
        // `String(format:)` was half of `up`'s per-file output cost).
        func trimmed(_ value: Double, _ unit: String) -> String {
            let hundredths = Int64((value * 100).rounded())
            var text = String(hundredths / 100)
            let fraction = hundredths % 100
            if fraction != 0 {
                text += fraction % 10 == 0 ? ".\(fraction / 10)" : (fraction < 10 ? ".0\(fraction)" : ".\(fraction)")
            }
            return text + unit
        }
        if nanoseconds >= 1e9 {
            let rounded = (nanoseconds / 1e7).rounded() / 100
            if rounded < 60 { return trimmed(rounded, "s") }
            let minutes = Int(rounded / 60)
            let rest = rounded - Double(minutes * 60)
            if minutes < 60 { return "\(minutes)m" + trimmed(rest, "s") }
            return "\(minutes / 60)h\(minutes % 60)m" + trimmed(rest, "s")
        }
        if nanoseconds >= 1e6 { return trimmed((nanoseconds / 1e4).rounded() / 100, "ms") }
        if nanoseconds >= 1e3 { return trimmed((nanoseconds / 10).rounded() / 100, "µs") }
        return "\(Int(nanoseconds))ns"
    }

    /// Go's `time.ANSIC`: `Mon Jan _2 15:04:05 2006` (UTC); one formatter for a whole status table.
    package struct ANSIC {
        private let formatter: DateFormatter

        package init() {
            formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "EEE MMM d HH:mm:ss yyyy"
        }

        package func string(_ date: Date) -> String {
            Self.format(date) ?? GoDurationFormat.padDay(formatter.string(from: date))
        }

        private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        private static let months = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ]

        /// The same text by arithmetic on the UTC calendar (days to civil date), for years 1000–9999; `nil`
        /// outside them (the formatter handles those).
        package static func format(_ date: Date) -> String? {
            let interval = date.timeIntervalSince1970.rounded(.down)
            guard interval.isFinite, abs(interval) < 1e12 else { return nil }
            let seconds = Int64(interval)
            let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
            let secondOfDay = seconds - days * 86_400
            let weekday = Int(((days % 7) + 11) % 7)  // 1970-01-01 was a Thursday (4)
            // Howard Hinnant's civil_from_days.
            let shifted = days + 719_468
            let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
            let dayOfEra = shifted - era * 146_097
            let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
            let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
            let monthIndex = (5 * dayOfYear + 2) / 153
            let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
            let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
            let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
            guard (1000...9999).contains(year) else { return nil }
            func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
            let time = "\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))"
            return "\(weekdays[weekday]) \(months[Int(month) - 1]) \(day < 10 ? " " : "")\(day) \(time) \(year)"
        }
    }

    package static func padDay(_ text: String) -> String {
        // Go pads the day with a space.
        var parts = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 5, parts[2].count == 1 { parts[2] = " " + parts[2] }
        return parts.joined(separator: " ")
    }
}
