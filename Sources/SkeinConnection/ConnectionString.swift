/// A libpq connection string, parsed exactly as libpq 15's `PQconninfoParse` does: the URI form
/// (`postgres://` / `postgresql://`, percent-encoding, `[IPv6]`, multiple hosts, query parameters) and the
/// `key=value` form (quotes, backslash escapes). PostgresNIO reads no connection strings, so Skein does.
///
/// Parsing only stores keywords, as libpq does; values libpq accepts here but cannot use (`port=abc`,
/// `sslmode=bogus`) are rejected by ``validate()`` before any connection is tried.
public struct ConnectionString: Sendable, Hashable, CustomStringConvertible {
    /// The keywords given, in libpq's names (`host`, `port`, `dbname`, `user`, `password`, `sslmode`, …).
    public private(set) var parameters: [String: String]

    public init(parameters: [String: String]) {
        self.parameters = parameters
    }

    /// The keywords libpq 15 knows (`PQconndefaults`).
    public static let keywords: Set<String> = [
        "service", "user", "password", "passfile", "channel_binding", "connect_timeout", "dbname", "host", "hostaddr",
        "port", "client_encoding", "options", "application_name", "fallback_application_name", "keepalives",
        "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout", "sslmode", "sslcompression",
        "sslcert", "sslkey", "sslpassword", "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "requirepeer",
        "ssl_min_protocol_version", "ssl_max_protocol_version", "gssencmode", "krbsrvname", "gsslib",
        "target_session_attrs", "replication",
    ]

    /// Whether libpq would use a unix socket: no host (and no hostaddr), or a host that is a path.
    public var usesUnixSocket: Bool {
        if let address = parameters["hostaddr"], !address.isEmpty { return false }
        guard let host = parameters["host"], !host.isEmpty else { return true }
        let first = host.split(separator: ",", omittingEmptySubsequences: false).first.map(String.init) ?? host
        return first.isEmpty || first.hasPrefix("/") || first.hasPrefix("@")
    }

    /// The string with any password masked, for messages and `skein env`.
    public var description: String {
        parameters.keys.sorted().map { key in
            let value = key == "password" || key == "sslpassword" ? "********" : parameters[key]!
            return "\(key)=\(Self.quoted(value))"
        }.joined(separator: " ")
    }

    /// A value as key=value syntax reads it back: quoted when it is empty or holds white space (any byte libpq's
    /// parser stops at), a quote or a backslash.
    static func quoted(_ value: String) -> String {
        guard
            value.isEmpty
                || value.utf8.contains(where: { isSpace($0) || $0 == UInt8(ascii: "'") || $0 == UInt8(ascii: "\\") })
        else { return value }
        return "'" + value.replacingBackslashesAndQuotes() + "'"
    }

    /// Parses a connection string in either form.
    public static func parse(_ text: String) throws(ConnectionStringError) -> ConnectionString {
        for prefix in ["postgresql://", "postgres://"] where text.hasPrefix(prefix) {
            var parser = URIParser(text: text, prefixLength: prefix.utf8.count)
            return try parser.parse()
        }
        return try parseKeywordValue(text)
    }

    /// Rejects values libpq parses but cannot use, before any connection is tried: a port that is not a
    /// number in 1…65535, an unknown `sslmode` or `target_session_attrs`, a non-numeric `connect_timeout`, and
    /// a port list that does not match the host list.
    public func validate() throws(ConnectionStringError) {
        let hosts = (parameters["host"] ?? "").split(separator: ",", omittingEmptySubsequences: false)
        if let port = parameters["port"] {
            let ports = port.split(separator: ",", omittingEmptySubsequences: false)
            for item in ports where !item.isEmpty {
                guard let number = Int(item), (1...65535).contains(number) else {
                    throw ConnectionStringError(
                        .invalidValue, "invalid port number: \"\(item)\"",
                        help: "use a number from 1 to 65535, e.g. port=5432")
                }
            }
            if ports.count > 1, ports.count != hosts.count {
                throw ConnectionStringError(
                    .invalidValue, "could not match \(ports.count) port numbers to \(hosts.count) hosts",
                    help: "give one port, or one port per host (h1:5432,h2:5433)")
            }
        }
        let choices: [(String, [String])] = [
            ("sslmode", ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]),
            ("target_session_attrs", ["any", "read-write", "read-only", "primary", "standby", "prefer-standby"]),
            ("gssencmode", ["disable", "prefer", "require"]),
            ("channel_binding", ["disable", "prefer", "require"]),
        ]
        for (keyword, allowed) in choices {
            if let value = parameters[keyword], !allowed.contains(value) {
                throw ConnectionStringError(
                    .invalidValue, "invalid \(keyword) value: \"\(value)\"",
                    help: "use one of \(allowed.joined(separator: ", "))")
            }
        }
        for keyword in ["connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count"] {
            if let value = parameters[keyword], !value.isEmpty, Int(value.trimmingSpaces()) == nil {
                throw ConnectionStringError(
                    .invalidValue, "invalid integer value \"\(value)\" for connection option \"\(keyword)\"",
                    help: "use a whole number of seconds, e.g. \(keyword)=10")
            }
        }
    }

    // MARK: key=value

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    static func parseKeywordValue(_ text: String) throws(ConnectionStringError) -> ConnectionString {
        let bytes = Array(text.utf8)
        var index = 0
        var parameters: [String: String] = [:]
        while index < bytes.count {
            while index < bytes.count, isSpace(bytes[index]) { index += 1 }
            guard index < bytes.count else { break }
            let nameStart = index
            var nameEnd = index
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "=") {
                    nameEnd = index
                    break
                }
                if isSpace(bytes[index]) {
                    nameEnd = index
                    while index < bytes.count, isSpace(bytes[index]) { index += 1 }
                    break
                }
                index += 1
                nameEnd = index
            }
            let name = String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self)
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
                throw ConnectionStringError(
                    .syntax, "missing \"=\" after \"\(name)\" in connection info string",
                    help: "write keyword=value pairs separated by spaces, e.g. host=localhost dbname=app")
            }
            index += 1
            while index < bytes.count, isSpace(bytes[index]) { index += 1 }
            var value: [UInt8] = []
            if index < bytes.count, bytes[index] == UInt8(ascii: "'") {
                index += 1
                while true {
                    guard index < bytes.count else {
                        throw ConnectionStringError(
                            .syntax, "unterminated quoted string in connection info string",
                            help: "close the value with ' (write \\' for a quote inside it)")
                    }
                    if bytes[index] == UInt8(ascii: "\\") {
                        index += 1
                        if index < bytes.count {
                            value.append(bytes[index])
                            index += 1
                        }
                        continue
                    }
                    if bytes[index] == UInt8(ascii: "'") {
                        index += 1
                        break
                    }
                    value.append(bytes[index])
                    index += 1
                }
            } else {
                while index < bytes.count {
                    if isSpace(bytes[index]) {
                        index += 1
                        break
                    }
                    if bytes[index] == UInt8(ascii: "\\") {
                        index += 1
                        if index < bytes.count {
                            value.append(bytes[index])
                            index += 1
                        }
                    } else {
                        value.append(bytes[index])
                        index += 1
                    }
                }
            }
            guard keywords.contains(name) else {
                throw ConnectionStringError(
                    .unknownKeyword, "invalid connection option \"\(name)\"",
                    help: "use a libpq keyword (host, port, dbname, user, password, sslmode, …)")
            }
            parameters[name] = String(decoding: value, as: UTF8.self)
        }
        return ConnectionString(parameters: parameters)
    }
}

/// libpq's `conninfo_uri_parse_options`, step by step.
private struct URIParser {
    let text: String
    let bytes: [UInt8]
    let prefixLength: Int
    var parameters: [String: String] = [:]

    init(text: String, prefixLength: Int) {
        self.text = text
        self.bytes = Array(text.utf8)
        self.prefixLength = prefixLength
    }

    func byte(_ index: Int) -> UInt8 { index < bytes.count ? bytes[index] : 0 }

    func slice(_ from: Int, _ to: Int) -> [UInt8] { Array(bytes[min(from, bytes.count)..<min(to, bytes.count)]) }

    mutating func store(_ keyword: String, _ raw: [UInt8]) throws(ConnectionStringError) {
        parameters[keyword] = try Self.decode(raw)
    }

    static func decode(_ raw: [UInt8]) throws(ConnectionStringError) -> String {
        var output: [UInt8] = []
        var index = 0
        let whole = String(decoding: raw, as: UTF8.self)
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 0x30...0x39: byte - 0x30
            case 0x41...0x46: byte - 0x41 + 10
            case 0x61...0x66: byte - 0x61 + 10
            default: nil
            }
        }
        while index < raw.count {
            if raw[index] == UInt8(ascii: "%") {
                guard index + 2 < raw.count, let high = hex(raw[index + 1]), let low = hex(raw[index + 2])
                else {
                    throw ConnectionStringError(
                        .syntax, "invalid percent-encoded token: \"\(whole)\"",
                        help: "write % as %25; a percent sign starts a two-digit hex escape")
                }
                let value = high << 4 | low
                guard value != 0 else {
                    throw ConnectionStringError(
                        .syntax, "forbidden value %00 in percent-encoded value: \"\(whole)\"",
                        help: "remove the %00 escape")
                }
                output.append(value)
                index += 3
            } else {
                output.append(raw[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    mutating func parse() throws(ConnectionStringError) -> ConnectionString {
        let start = prefixLength
        var p = start
        while p < bytes.count, bytes[p] != UInt8(ascii: "@"), bytes[p] != UInt8(ascii: "/") { p += 1 }
        if byte(p) == UInt8(ascii: "@") {
            let userStart = start
            var q = userStart
            while byte(q) != UInt8(ascii: ":"), byte(q) != UInt8(ascii: "@") { q += 1 }
            if q > userStart { try store("user", slice(userStart, q)) }
            if byte(q) == UInt8(ascii: ":") {
                let passwordStart = q + 1
                q = passwordStart
                while byte(q) != UInt8(ascii: "@") { q += 1 }
                if q > passwordStart { try store("password", slice(passwordStart, q)) }
            }
            p = q + 1
        } else {
            p = start
        }

        var hosts: [UInt8] = []
        var ports: [UInt8] = []
        var terminator: UInt8 = 0
        while true {
            var hostBytes: [UInt8]
            if byte(p) == UInt8(ascii: "[") {
                p += 1
                let hostStart = p
                while p < bytes.count, bytes[p] != UInt8(ascii: "]") { p += 1 }
                guard p < bytes.count else {
                    throw ConnectionStringError(
                        .syntax,
                        "end of string reached when looking for matching \"]\" in IPv6 host address in URI: \"\(text)\"",
                        help: "close the IPv6 address with ]")
                }
                guard p > hostStart else {
                    throw ConnectionStringError(
                        .syntax, "IPv6 host address may not be empty in URI: \"\(text)\"",
                        help: "write the address inside [ ]")
                }
                hostBytes = slice(hostStart, p)
                p += 1
                let next = byte(p)
                if next != 0, next != UInt8(ascii: ":"), next != UInt8(ascii: "/"), next != UInt8(ascii: "?"),
                    next != UInt8(ascii: ",")
                {
                    throw ConnectionStringError(
                        .syntax,
                        "unexpected character \"\(Character(Unicode.Scalar(next)))\" at position \(p + 1) in URI (expected \":\" or \"/\"): \"\(text)\"",
                        help: "after ]: a port (:5432), a path (/db) or a query (?…)")
                }
            } else {
                let hostStart = p
                while p < bytes.count,
                    ![UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: ",")]
                        .contains(bytes[p])
                {
                    p += 1
                }
                hostBytes = slice(hostStart, p)
            }
            terminator = byte(p)
            hosts += hostBytes
            if terminator == UInt8(ascii: ":") {
                p += 1
                let portStart = p
                while p < bytes.count, ![UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: ",")].contains(bytes[p]) {
                    p += 1
                }
                terminator = byte(p)
                ports += slice(portStart, p)
            }
            guard terminator == UInt8(ascii: ",") else { break }
            p += 1
            hosts.append(UInt8(ascii: ","))
            ports.append(UInt8(ascii: ","))
        }
        if !hosts.isEmpty { try store("host", hosts) }
        if !ports.isEmpty { try store("port", ports) }

        if terminator != 0, terminator != UInt8(ascii: "?") {
            p += 1
            let dbStart = p
            while p < bytes.count, bytes[p] != UInt8(ascii: "?") { p += 1 }
            terminator = byte(p)
            if p > dbStart { try store("dbname", slice(dbStart, p)) }
        }
        if terminator != 0 {
            p += 1
            try parseQuery(from: p)
        }
        return ConnectionString(parameters: parameters)
    }

    mutating func parseQuery(from start: Int) throws(ConnectionStringError) {
        var p = start
        while p < bytes.count {
            let keywordStart = p
            var keywordEnd = p
            var valueStart: Int?
            while true {
                let current = byte(p)
                if current == UInt8(ascii: "=") {
                    if valueStart != nil {
                        throw ConnectionStringError(
                            .syntax,
                            "extra key/value separator \"=\" in URI query parameter: \"\(String(decoding: slice(keywordStart, keywordEnd), as: UTF8.self))\"",
                            help: "percent-encode = inside values as %3D")
                    }
                    keywordEnd = p
                    p += 1
                    valueStart = p
                } else if current == UInt8(ascii: "&") || current == 0 {
                    guard let valueStart else {
                        throw ConnectionStringError(
                            .syntax,
                            "missing key/value separator \"=\" in URI query parameter: \"\(String(decoding: slice(keywordStart, p), as: UTF8.self))\"",
                            help: "write query parameters as key=value")
                    }
                    var keyword = try Self.decode(slice(keywordStart, keywordEnd))
                    var value = try Self.decode(slice(valueStart, p))
                    if current != 0 { p += 1 }
                    if keyword == "ssl", value == "true" {
                        keyword = "sslmode"
                        value = "require"
                    }
                    guard ConnectionString.keywords.contains(keyword) else {
                        throw ConnectionStringError(
                            .unknownKeyword, "invalid URI query parameter: \"\(keyword)\"",
                            help: "use a libpq keyword (sslmode, application_name, connect_timeout, options, host, …)")
                    }
                    parameters[keyword] = value
                    break
                } else {
                    p += 1
                }
            }
        }
    }
}
