import ArgumentParser
import Testing

@testable import SkeinCLI

/// ``SkeinCommandLine/parse(_:)`` parses a command named by the first argument on its own (quicker than the root's
/// whole command tree), and must give exactly what the root parse gives: the same command and values, the same
/// errors, the root's help.
@Suite("skein in process: the quick parse is the root parse")
struct EntryParseTests {
    static let leafNames = Skein.configuration.subcommands.filter { $0.configuration.subcommands.isEmpty }
        .compactMap { $0.configuration.commandName }

    static func dumped(_ command: any ParsableCommand) -> String {
        var text = ""
        dump(command, to: &text)
        return text
    }

    @Test(
        "valid arguments: the same command with the same values",
        arguments: [
            ["status", "--dir", "migrations", "--database-url", "postgres://app@db/app", "--format", "json"],
            ["version", "--database-url", "postgres://app@db/app", "--table", "audit.versions"],
            ["status", "--dir", ".", "--database-url", "dsn", "--table", "goose_db_version", "--verbose", "--goose"],
            ["up", "--dir", "m", "--dry-run", "--timeout", "1m", "--allow-missing"],
            ["down-to", "20240101120000", "--dir", "m"],
            ["validate", "--dir", "m", "--format", "json"],
            ["lint", "a.sql", "--rule", "duplicate-version"],
        ])
    func same(arguments: [String]) throws {
        let quick = try SkeinCommandLine.parse(arguments)
        let root = try Skein.parseAsRoot(arguments)
        #expect(ObjectIdentifier(type(of: quick)) == ObjectIdentifier(type(of: root)))
        #expect(Self.dumped(quick) == Self.dumped(root))
    }

    @Test(
        "invalid arguments: the root's error",
        arguments: [
            ["status", "--no-such-flag"], ["version", "extra"], ["up-to"], ["status", "--format", "yaml"],
            ["status", "--version"],
        ])
    func errors(arguments: [String]) {
        var quick: String?
        var root: String?
        do { _ = try SkeinCommandLine.parse(arguments) } catch { quick = Skein.fullMessage(for: error) }
        do { _ = try Skein.parseAsRoot(arguments) } catch { root = Skein.fullMessage(for: error) }
        #expect(quick != nil && quick == root)
    }

    @Test("every command's --help and -h is the root's help for it", arguments: leafNames)
    func help(name: String) async {
        for flag in ["--help", "-h"] {
            let run = await InProcessCLITests.skein([name, flag])
            #expect(run.status == 0)
            #expect(run.stdout.contains("USAGE: skein \(name)"), "\(name) \(flag): \(run.stdout.prefix(200))")
            #expect(run.stdout.contains("--version"), "\(name) \(flag)")
        }
    }

    @Test("--version alone prints the root's version line")
    func version() async {
        let run = await InProcessCLITests.skein(["--version"])
        #expect(run.status == 0)
        #expect(run.stdout == Skein.configuration.version + "\n")
    }

    @Test("the value lists spelled out for speed are the enums' own cases")
    func valueLists() {
        #expect(OutputFormat.allValueStrings == OutputFormat.allCases.map(\.rawValue))
        #expect(LogFormat.allValueStrings == LogFormat.allCases.map(\.rawValue))
    }
}
