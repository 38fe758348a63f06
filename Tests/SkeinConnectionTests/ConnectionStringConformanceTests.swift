import Foundation
import SkeinConnection
import Testing

/// libpq's own answers for connection strings (`../shared/conformance/libpq-uri/cases.json`): PostgreSQL's
/// libpq regression URIs plus key=value strings checked against libpq 15.18's `PQconninfoParse`.
@Suite("libpq connection-string conformance")
struct ConnectionStringConformanceTests {
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        var uri: String
        var params: [String: String]?
        var transport: String?
        var error: String?
        var warnings: [String]?
        var testDescription: String { uri.isEmpty ? "(empty)" : uri }
    }

    static func cases() throws -> [Case] {
        var base: URL
        if let override = ProcessInfo.processInfo.environment["SKEIN_SHARED_DIR"], !override.isEmpty {
            base = URL(fileURLWithPath: override)
        } else {
            base = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared")
        }
        let file = base.appendingPathComponent("conformance/libpq-uri/cases.json")
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: file.path])
        }
        return try JSONDecoder().decode([Case].self, from: data)
    }

    @Test("parses every string as libpq does, and rejects every string libpq rejects")
    func conformance() throws {
        let cases = try Self.cases()
        #expect(cases.count >= 78)
        for item in cases {
            // One regression URI keeps the old expected output ("ignoring unrecognized URI query parameter"),
            // which libpq 15 no longer produces: libpq 15.18's PQconninfoParse on this machine rejects
            // `?u%7aer=…` with `invalid URI query parameter: "uzer"`, as it rejects `?uzer=`. Skein follows
            // libpq 15.
            let expectsError = item.error != nil || item.warnings != nil
            do {
                let parsed = try ConnectionString.parse(item.uri)
                #expect(!expectsError, "\(item.uri): libpq rejects it (\(item.error ?? ""))")
                guard !expectsError else { continue }
                #expect(parsed.parameters == (item.params ?? [:]), "\(item.uri)")
                if let transport = item.transport {
                    #expect(parsed.usesUnixSocket == (transport == "local"), "\(item.uri): transport")
                }
            } catch {
                #expect(expectsError, "\(item.uri): libpq accepts it; Skein says \(error)")
            }
        }
    }

    @Test(
        "values libpq parses but cannot use are rejected before connecting",
        arguments: [
            "host=localhost port=abc", "postgresql://host/db?sslmode=bogus", "port=70000", "connect_timeout=soon",
            "postgresql://h1,h2/db?port=1,2,3", "target_session_attrs=writable",
        ])
    func unusableValues(text: String) throws {
        let parsed = try ConnectionString.parse(text)
        #expect(throws: ConnectionStringError.self) { try parsed.validate() }
    }

    @Test(
        "usable strings validate",
        arguments: [
            "postgresql://h1:5432,h2:5433/db?target_session_attrs=read-write",
            "host=/tmp port=5432 sslmode=verify-full",
            "postgresql://h1,h2,h3/db?connect_timeout=5",
        ])
    func usable(text: String) throws {
        try ConnectionString.parse(text).validate()
    }

    @Test("the description never shows the password")
    func masksPassword() throws {
        let parsed = try ConnectionString.parse("postgresql://app:s3cr3t@db/app")
        #expect(!parsed.description.contains("s3cr3t"))
        #expect(parsed.description.contains("password=********"))
        do {
            try ConnectionString.parse("postgresql://app:s3cr3t@db/app?port=x").validate()
        } catch {
            #expect(!error.description.contains("s3cr3t"))
        }
    }

    /// Found by FuzzConnectionString (docs/fuzzing.md): a value holding a tab, a form feed or a line break was
    /// written unquoted, and a quote followed by a combining mark (one `Character`) was not escaped, so the
    /// description read back as other parameters, or not at all.
    @Test(
        "the description reads back as the same parameters, the password masked",
        arguments: [
            "postgresql://h1%0Ch2,h3/db?connect_timeout=5", "postgresql://u:pw@h/db?application_name=a%09b",
            "host=h options='-c\nx' user=''", "host=h dbname='a b' password='it\\'s'",
            "host='a\\\\b\\'\u{301}'",
        ])
    func descriptionReadsBack(text: String) throws {
        let parsed = try ConnectionString.parse(text)
        var masked = parsed.parameters
        if masked["password"] != nil { masked["password"] = "********" }
        #expect(try ConnectionString.parse(parsed.description).parameters == masked, "\(parsed.description)")
    }

    /// Found by FuzzConnectionString (docs/fuzzing.md): `masked(_:)` lost its place after a password with a
    /// multi-byte character (it reused a `String` index across a replacement) and showed the next one; it missed
    /// `password<TAB>=`; and it showed what follows an escaped space.
    @Test(
        "masked(_:) hides every password libpq would read",
        arguments: [
            ("host=h password=\u{FFFD} password='n3cr et'", "n3cr"), ("host=h password\t=s3cr3t", "s3cr3t"),
            ("password=s3\\ cr3t", "cr3t"), ("postgresql://u:s3cr3t@h/db?sslpassword=k3yp4ss", "k3yp4ss"),
            ("postgres://h/db?password=s3cr3t&application_name=a@b", "s3cr3t"),
            ("postgres://u:s3?cr3t@h/db", "s3?cr3t"),
            ("password=s3cr3t://u@h", "s3cr3t"),
            ("password=a://u:b@h\tpassword=s3cr3t", "s3cr3t"),
            ("dbname=x://u password=s3cr3t@h", "s3cr3t"),
        ])
    func masksEveryPassword(text: String, secret: String) throws {
        #expect(try ConnectionString.parse(text).parameters.values.contains { $0.contains(secret) })
        #expect(!ConnectionString.masked(text).contains(secret), "\(ConnectionString.masked(text))")
    }

    /// Found by FuzzConnectionString (docs/fuzzing.md): a `password=` inside a URI's user name was masked past the
    /// `@`, so a later `…:password@` (here in the database name) became the user info, with the password.
    @Test("masked(_:) leaves no password that libpq would read")
    func maskedReadsNoPassword() throws {
        let text = "postgres://upassword=x:s3cr3t@h:5432/db&a:s3cr3t@h"
        #expect(try ConnectionString.parse(text).parameters["password"] == "s3cr3t")
        let masked = ConnectionString.masked(text)
        #expect(try ConnectionString.parse(masked).parameters["password"] == "xxxxxx", "\(masked)")
        // Strings that do not parse (what masked(_:) is for) are masked too: any scheme, in any case.
        #expect(ConnectionString.masked("MySQL://u:s3cr3t@h") == "MySQL://u:xxxxxx@h")
    }
}
