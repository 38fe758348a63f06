import SkeinCore
import SkeinInvocation
import Testing

@Suite("goose argv translator")
struct GooseArgumentsTests {
    typealias Translation = GooseArguments.Translation

    struct Case: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var environment: [String: String] = [:]
        var expected: Translation
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let cases: [Case] = [
        // Skein's grammar passes through.
        Case(arguments: ["up", "--dir", "m"], expected: .skein(["up", "--dir", "m"])),
        Case(arguments: ["create", "add_x"], expected: .skein(["create", "add_x"])),
        Case(arguments: ["--help"], expected: .skein(["--help"])),
        Case(arguments: ["--version"], expected: .skein(["--version"])),
        Case(arguments: [], expected: .skein([])),
        // The policy's Makefile lines, goose replaced by skein.
        Case(
            arguments: ["-dir", "migrations", "postgres", "postgres://u@h/db", "up"],
            expected: .goose([
                "up", "--dir", "migrations", "--database-url", "postgres://u@h/db", "--table", "goose_db_version",
                "--goose",
            ])),
        Case(
            arguments: ["-dir", "migrations", "create", "add_user_roles", "sql"],
            expected: .goose(["create", "add_user_roles", "sql", "--dir", "migrations", "--goose"])),
        Case(
            arguments: ["postgres", "dsn", "up-to", "20240101120000"],
            expected: .goose([
                "up-to", "--dir", ".", "--database-url", "dsn", "--table", "goose_db_version", "--goose", "--",
                "20240101120000",
            ])),
        // goose's down-to of a negative version is down-to 0; a negative up-to target stays (after --).
        Case(
            arguments: ["postgres", "dsn", "down-to", "-1"],
            expected: .goose([
                "down-to", "--dir", ".", "--database-url", "dsn", "--table", "goose_db_version", "--goose", "--", "0",
            ])),
        Case(
            arguments: ["postgres", "dsn", "up-to", "-5"],
            expected: .goose([
                "up-to", "--dir", ".", "--database-url", "dsn", "--table", "goose_db_version", "--goose", "--", "-5",
            ])),
        // GOOSE_DRIVER from the environment with the DBSTRING typed: goose puts the driver in front.
        Case(
            arguments: ["dsn", "up-to", "1"], environment: ["GOOSE_DRIVER": "postgres"],
            expected: .goose([
                "up-to", "--dir", ".", "--database-url", "dsn", "--table", "goose_db_version", "--goose", "--", "1",
            ])),
        // Go flag syntax: -flag=value, --flag, booleans, -- terminator.
        Case(
            arguments: [
                "--dir=m", "-table", "app.versions", "-allow-missing", "-no-versioning=true", "-timeout", "1h13m", "-v",
                "postgres", "dsn", "down",
            ],
            expected: .goose([
                "down", "--dir", "m", "--database-url", "dsn", "--table", "app.versions", "--allow-missing",
                "--no-versioning", "--timeout", "1h13m", "--verbose", "--goose",
            ])),
        Case(arguments: ["-dir", "m", "--", "validate"], expected: .goose(["validate", "--dir", "m", "--goose"])),
        // goose's defaults: create's type is go (Skein refuses it later with a message), -dir is ".".
        Case(
            arguments: ["-s", "create", "x"],
            expected: .goose(["create", "x", "go", "--sequential", "--dir", ".", "--goose"])),
        // Environment: GOOSE_MIGRATION_DIR only when -dir is ".", GOOSE_DRIVER / GOOSE_DBSTRING merged.
        Case(
            arguments: ["-v", "validate"], environment: ["GOOSE_MIGRATION_DIR": "db/m"],
            expected: .goose(["validate", "--dir", "db/m", "--verbose", "--goose"])),
        Case(
            arguments: ["-v", "status"], environment: ["GOOSE_DRIVER": "postgres", "GOOSE_DBSTRING": "dsn"],
            expected: .goose([
                "status", "--dir", ".", "--database-url", "dsn", "--table", "goose_db_version", "--verbose", "--goose",
            ])),
        // goose's usage, version and failures with goose's exit codes.
        Case(arguments: ["-h"], expected: .gooseUsage(exitCode: 0, error: nil)),
        Case(arguments: ["-help"], expected: .gooseUsage(exitCode: 0, error: nil)),
        Case(arguments: ["-version"], expected: .gooseVersion),
        Case(arguments: ["-dir", "m"], expected: .gooseUsage(exitCode: 1, error: nil)),
        Case(arguments: ["postgres", "dsn"], expected: .gooseUsage(exitCode: 1, error: nil)),
        Case(arguments: ["-dir"], expected: .gooseUsage(exitCode: 2, error: "flag needs an argument: -dir")),
        Case(
            arguments: ["-v=maybe", "up"],
            expected: .gooseUsage(exitCode: 2, error: "invalid boolean value \"maybe\" for -v: parse error")),
        Case(
            arguments: ["-timeout", "soon", "up"],
            expected: .gooseUsage(exitCode: 2, error: "invalid value \"soon\" for flag -timeout: parse error")),
        Case(
            arguments: ["-dir", "m", "-bogus", "up"],
            expected: .gooseUsage(exitCode: 2, error: "flag provided but not defined: -bogus")),
        Case(
            arguments: ["postgres", "dsn", "sideways"],
            expected: .gooseFailure("goose run: \"sideways\": no such command")),
        Case(
            arguments: ["postgres", "dsn", "up-to"],
            expected: .gooseFailure("goose run: up-to must be of form: goose [OPTIONS] DRIVER DBSTRING up-to VERSION")),
        Case(
            arguments: ["postgres", "dsn", "down-to", "x"],
            expected: .gooseFailure("goose run: version must be a number (got 'x')")),
        Case(
            arguments: ["-dir", "m", "create"],
            expected: .gooseFailure(
                "goose run: create must be of form: goose [OPTIONS] DRIVER DBSTRING create NAME [go|sql]")),
    ]

    @Test("translates", arguments: cases)
    func translates(_ item: Case) {
        #expect(GooseArguments.translate(item.arguments, environment: item.environment) == item.expected)
    }

    @Test("drivers other than PostgreSQL are refused with a reason")
    func otherDrivers() {
        guard case .gooseFailure(let message) = GooseArguments.translate(["mysql", "dsn", "up"], environment: [:])
        else {
            Issue.record("must fail")
            return
        }
        #expect(message.contains("mysql"))
    }

    @Test("Go durations", arguments: [("1h13m", 4380.0), ("300ms", 0.3), ("0", 0), ("1.5s", 1.5), ("-2m", -120)])
    func durations(text: String, seconds: Double) {
        #expect(GoDuration.parse(text) == seconds)
    }

    @Test("invalid Go durations", arguments: ["", "5", "1x", "h", "1h-2m"])
    func badDurations(text: String) {
        #expect(GoDuration.parse(text) == nil)
    }
}
