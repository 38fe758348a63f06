public import NIOCore
public import PostgresNIO

/// PostgreSQL's `interval`: months, days and microseconds, kept apart as PostgreSQL keeps them (a month is not a
/// fixed number of days, nor a day of seconds across a daylight-saving change).
public struct PostgresInterval: Sendable, Hashable, Codable, CustomStringConvertible, PostgresBinaryValue {
    public var months: Int32
    public var days: Int32
    public var microseconds: Int64

    public init(months: Int32 = 0, days: Int32 = 0, microseconds: Int64 = 0) {
        self.months = months
        self.days = days
        self.microseconds = microseconds
    }

    /// A time span of `duration` (no months or days).
    public init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.init(microseconds: seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
    }

    public static var psqlType: PostgresDataType { .interval }
    public static var psqlArrayType: PostgresDataType { PostgresDataType(1187) }
    public static var decodedTypes: [PostgresDataType] { [.interval] }

    public init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws {
        microseconds = try buffer.read(Int64.self)
        days = try buffer.read(Int32.self)
        months = try buffer.read(Int32.self)
    }

    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(microseconds)
        buffer.writeInteger(days)
        buffer.writeInteger(months)
    }

    /// PostgreSQL's ISO 8601 form (`intervalstyle = iso_8601`): `P1Y2M3DT4H5M6.000007S`.
    public var description: String {
        var text = "P"
        if months / 12 != 0 { text += "\(months / 12)Y" }
        if months % 12 != 0 { text += "\(months % 12)M" }
        if days != 0 { text += "\(days)D" }
        if microseconds != 0 {
            let sign = microseconds < 0 ? "-" : ""
            let magnitude = microseconds.magnitude
            let hours = magnitude / 3_600_000_000
            let minutes = magnitude / 60_000_000 % 60
            let seconds = magnitude / 1_000_000 % 60
            let fraction = magnitude % 1_000_000
            text += "T"
            if hours != 0 { text += "\(sign)\(hours)H" }
            if minutes != 0 { text += "\(sign)\(minutes)M" }
            if seconds != 0 || fraction != 0 {
                var digits = String(fraction)
                digits = String(repeating: "0", count: 6 - digits.count) + digits
                while digits.hasSuffix("0") { digits.removeLast() }
                text += "\(sign)\(seconds)" + (digits.isEmpty ? "" : ".\(digits)") + "S"
            }
        }
        return text == "P" ? "PT0S" : text
    }
}
