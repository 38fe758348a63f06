import Foundation
import SkeinCore
import Testing

/// goose v3.17.0's own parser cases, with what goose itself returned for each file
/// (`../shared/conformance/goose-v3.17.0`).
@Suite("goose v3.17.0 parser conformance")
struct GooseConformanceTests {
    struct Observed: Decodable, Sendable, CustomTestStringConvertible {
        var file: String
        var up: [String]?
        var down: [String]?
        var useTx: Bool?
        var upError: String?
        var downError: String?
        var testDescription: String { file }
    }

    static let folderName = "conformance/goose-v3.17.0"

    static func observedCases() throws -> [Observed] {
        let folder = try SharedFixtures.folder(folderName)
        let text = try String(contentsOf: folder.appendingPathComponent("observed-v3.17.0.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map {
            try JSONDecoder().decode(Observed.self, from: Data($0.utf8))
        }
    }

    @Test("the observed file lists every case")
    func readsAllCases() throws {
        let cases = try Self.observedCases()
        #expect(cases.count >= 55)
    }

    @Test("reproduces goose's statements byte for byte and rejects what goose rejects, per direction")
    func reproducesEveryFile() throws {
        let folder = try SharedFixtures.folder(Self.folderName)
        let parser = GooseParser(environmentSubstitution: .ignored)
        var checked = 0
        for observed in try Self.observedCases() {
            let data = try Data(contentsOf: folder.appendingPathComponent(observed.file))
            let text = try #require(String(data: data, encoding: .utf8), "\(observed.file) is not UTF-8")
            for direction in Direction.allCases {
                let expectedError = direction == .up ? observed.upError : observed.downError
                let expectedStatements = (direction == .up ? observed.up : observed.down) ?? []
                switch parser.parse(text, direction: direction) {
                case .success(let section):
                    #expect(
                        expectedError == nil, "\(observed.file) \(direction): goose rejects it: \(expectedError ?? "")")
                    #expect(
                        section.statements.map(\.sql) == expectedStatements,
                        "\(observed.file) \(direction): statements differ")
                    if let useTx = observed.useTx {
                        #expect(section.transactionMode.isTransactional == useTx, "\(observed.file): useTx")
                    }
                    for statement in section.statements {
                        #expect(statement.line >= 1, "\(observed.file): statement without a line")
                    }
                case .failure(let error):
                    #expect(
                        expectedError != nil, "\(observed.file) \(direction): goose accepts it, Skein says \(error)")
                    if let expectedError {
                        #expect(error.gooseMessage == expectedError, "\(observed.file) \(direction): goose's message")
                    }
                }
                checked += 1
            }
        }
        #expect(checked >= 110)
    }

    @Test("goose's own golden statements (valid-up/testNN)")
    func goldenFiles() throws {
        let folder = try SharedFixtures.folder(Self.folderName + "/internal/sqlparser/testdata/valid-up")
        let tests = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(tests.count >= 9)
        for test in tests {
            let directory = folder.appendingPathComponent(test)
            let input = try String(contentsOf: directory.appendingPathComponent("input.sql"), encoding: .utf8)
            let goldens = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0.hasSuffix(".golden.sql") }.sorted()
            let section = try GooseParser().parse(input, direction: .up).get()
            #expect(section.statements.count == goldens.count, "\(test)")
            for (index, golden) in goldens.enumerated() where index < section.statements.count {
                let expected = try String(contentsOf: directory.appendingPathComponent(golden), encoding: .utf8)
                #expect(section.statements[index].sql == expected, "\(test)/\(golden)")
            }
        }
    }

    @Test("goose's statement-end rule (semicolons.json)")
    func semicolons() throws {
        struct Cases: Decodable {
            struct Case: Decodable {
                var line: String
                var endsWithSemicolon: Bool
            }
            var cases: [Case]
        }
        let folder = try SharedFixtures.folder(Self.folderName)
        let cases = try JSONDecoder().decode(
            Cases.self, from: Data(contentsOf: folder.appendingPathComponent("semicolons.json")))
        #expect(!cases.cases.isEmpty)
        for item in cases.cases {
            #expect(GooseParser.endsWithSemicolon(item.line) == item.endsWithSemicolon, "\(item.line)")
        }
    }

    @Test("statement counts asserted by goose's tests (expectations.json)")
    func expectations() throws {
        struct Expectation: Decodable {
            var file: String
            var up: Int?
            var down: Int?
            var error: Bool?
        }
        let folder = try SharedFixtures.folder(Self.folderName)
        let expectations = try JSONDecoder().decode(
            [Expectation].self, from: Data(contentsOf: folder.appendingPathComponent("expectations.json")))
        #expect(!expectations.isEmpty)
        for expectation in expectations {
            let text = try String(contentsOf: folder.appendingPathComponent(expectation.file), encoding: .utf8)
            let up = GooseParser().parse(text, direction: .up)
            let down = GooseParser().parse(text, direction: .down)
            if expectation.error == true {
                #expect((try? up.get()) == nil || (try? down.get()) == nil, "\(expectation.file) must fail")
                continue
            }
            if let count = expectation.up {
                #expect((try? up.get())?.statements.count == count, "\(expectation.file) up")
            }
            if let count = expectation.down {
                #expect((try? down.get())?.statements.count == count, "\(expectation.file) down")
            }
        }
    }
}
