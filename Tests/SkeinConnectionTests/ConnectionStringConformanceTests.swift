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
}
