import Foundation
import SkeinConnection
import SkeinCore

/// The argv translator in front of ArgumentParser: decides between goose's grammar
/// (`skein [OPTIONS] DRIVER DBSTRING COMMAND`, single-dash flags, Go's `flag` package rules) and Skein's
/// (`skein COMMAND --dir …`), and turns a goose invocation into the equivalent Skein arguments (plus the
/// hidden `--goose` flag, which makes the command behave and print as goose v3.17 does). Pure: takes the
/// arguments and the environment, returns a decision.
package enum GooseArguments {
    /// What to do with the command line.
    package enum Translation: Equatable {
        /// Skein's own grammar: hand the arguments to ArgumentParser unchanged.
        case skein([String])
        /// A goose invocation, translated into Skein arguments (which include `--goose`).
        case goose([String])
        /// goose prints its usage (to stdout) and exits with this code.
        case gooseUsage(exitCode: Int32, error: String?)
        /// goose's `-version`.
        case gooseVersion
        /// goose fails as `log.Fatalf` does: the message on stderr with goose's log prefix, exit 1.
        case gooseFailure(String)
    }

    /// goose v3.17.0's flags: name → takes a value (`false` for booleans).
    static let flags: [String: Bool] = [
        "dir": true, "table": true, "v": false, "h": false, "version": false, "certfile": true, "s": false,
        "allow-missing": false, "ssl-cert": true, "ssl-key": true, "no-versioning": false, "no-color": false,
        "timeout": true,
    ]

    /// goose's drivers; Skein runs the PostgreSQL ones.
    static let drivers: Set<String> = [
        "postgres", "pgx", "redshift", "mysql", "sqlite3", "sqlite", "mssql", "tidb", "clickhouse", "vertica", "ydb",
        "turso",
    ]
    static let postgresDrivers: Set<String> = ["postgres", "pgx", "redshift"]

    /// goose's commands that need no database.
    static let fileCommands: Set<String> = ["init", "create", "fix", "env", "validate"]
    /// goose's commands that run against a database.
    static let databaseCommands: Set<String> = [
        "up", "up-by-one", "up-to", "down", "down-to", "redo", "reset", "status", "version", "create", "fix",
    ]

    /// goose's database commands that only read: Skein's `status` and `version` take no run options.
    static let readOnlyCommands: Set<String> = ["status", "version"]

    package struct Options: Equatable {
        var directory = "."
        var table = "goose_db_version"
        var verbose = false
        var help = false
        var version = false
        var sequential = false
        var allowMissing = false
        var noVersioning = false
        var noColor = false
        var timeout: String?
        var certificateFile: String?
        var sslCertificate: String?
        var sslKey: String?
    }

    /// Whether the command line is written in goose's grammar: it starts with one of goose's flags
    /// (`-dir`, `-table`, …; `--help`/`--version` stay Skein's) or with a goose driver name.
    package static func isGooseGrammar(_ arguments: [String], environment: [String: String] = [:]) -> Bool {
        guard let first = arguments.first else { return false }
        // goose's `[OPTIONS] COMMAND` form relies on GOOSE_DRIVER; with it set, a goose command is goose's, and so is
        // `DBSTRING COMMAND` (goose puts the driver in front of the arguments).
        if let driver = environment["GOOSE_DRIVER"], !driver.isEmpty {
            if fileCommands.contains(first) || databaseCommands.contains(first) { return true }
            if arguments.count >= 2, databaseCommands.contains(arguments[1]), !first.hasPrefix("-") { return true }
        }
        if first.utf8.first == UInt8(ascii: "-") {
            if first == "--help" || first == "--version" { return false }
            let name = first.drop { $0 == "-" }.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            return flags[name] != nil || name == "help"
        }
        return drivers.contains(first)
    }

    package static func translate(_ arguments: [String], environment: [String: String]) -> Translation {
        guard isGooseGrammar(arguments, environment: environment) else { return .skein(arguments) }
        var options = Options()
        var positionals: [String] = []
        switch parseFlags(arguments, into: &options) {
        case .failure(let error):
            if error == .help { return .gooseUsage(exitCode: 0, error: nil) }
            return .gooseUsage(exitCode: 2, error: error.message)
        case .success(let rest):
            positionals = rest
        }
        if options.version { return .gooseVersion }
        if options.help { return .gooseUsage(exitCode: 0, error: nil) }
        guard let first = positionals.first else { return .gooseUsage(exitCode: 1, error: nil) }
        if options.directory == ".", let fromEnvironment = environment["GOOSE_MIGRATION_DIR"], !fromEnvironment.isEmpty
        {
            options.directory = fromEnvironment
        }
        if fileCommands.contains(first) {
            return commandArguments(first, Array(positionals.dropFirst()), options: options, databaseURL: nil)
        }
        // goose's mergeArgs: GOOSE_DRIVER goes first, GOOSE_DBSTRING after the driver.
        var merged = positionals
        if let driver = environment["GOOSE_DRIVER"], !driver.isEmpty { merged.insert(driver, at: 0) }
        if let dbstring = environment["GOOSE_DBSTRING"], !dbstring.isEmpty { merged.insert(dbstring, at: 1) }
        guard merged.count >= 3 else { return .gooseUsage(exitCode: 1, error: nil) }
        let (driver, dbstring, command) = (merged[0], merged[1], merged[2])
        guard postgresDrivers.contains(driver) else {
            // goose's line (it echoes the DBSTRING; Skein masks a password in it), then what Skein supports.
            guard drivers.contains(driver) else {
                return .gooseFailure(
                    "-dbstring=\(GoQuote.quote(ConnectionString.masked(dbstring))): \(GoQuote.quote(driver)): unknown dialect"
                )
            }
            return .gooseFailure(
                "skein runs PostgreSQL migrations only: driver \"\(driver)\" is not supported (use postgres; see docs/goose-compatibility.md)"
            )
        }
        return commandArguments(command, Array(merged.dropFirst(3)), options: options, databaseURL: dbstring)
    }

    private static func commandArguments(
        _ command: String, _ rest: [String], options: Options, databaseURL: String?
    ) -> Translation {
        guard databaseURL == nil ? fileCommands.contains(command) : databaseCommands.contains(command) else {
            return .gooseFailure("goose run: \"\(command)\": no such command")
        }
        var arguments = [command]
        var versionArgument: String?
        switch command {
        case "create":
            guard let name = rest.first else {
                return .gooseFailure(
                    "goose run: create must be of form: goose [OPTIONS] DRIVER DBSTRING create NAME [go|sql]")
            }
            // goose's default type is go; Skein writes SQL only (the create command says so). goose reads the type
            // only from exactly two arguments.
            arguments += [name, rest.count == 2 ? rest[1] : "go"]
            if options.sequential { arguments.append("--sequential") }
        case "up-to", "down-to":
            guard let version = rest.first else {
                return .gooseFailure(
                    "goose run: \(command) must be of form: goose [OPTIONS] DRIVER DBSTRING \(command) VERSION")
            }
            guard var number = Int64(version) else {
                return .gooseFailure("goose run: version must be a number (got '\(version)')")
            }
            // goose's down-to of a negative version rolls everything back, as down-to 0 does.
            if command == "down-to", number < 0 { number = 0 }
            // After `--`, so that a negative version (`up-to -5`) is not read as a flag.
            versionArgument = String(number)
        default:
            break  // goose ignores extra arguments
        }
        if command != "env" { arguments += ["--dir", options.directory] }
        if let databaseURL, !fileCommands.contains(command) {
            arguments += ["--database-url", databaseURL, "--table", options.table]
            // Only the commands that migrate take it (goose accepts and ignores it elsewhere).
            if options.allowMissing, !readOnlyCommands.contains(command) { arguments.append("--allow-missing") }
            if options.noVersioning { arguments.append("--no-versioning") }
            if let timeout = options.timeout { arguments += ["--timeout", timeout] }
        }
        if options.verbose { arguments.append("--verbose") }
        arguments.append("--goose")
        if let versionArgument { arguments += ["--", versionArgument] }
        return .goose(arguments)
    }

    struct FlagError: Error, Equatable {
        var message: String
        static let help = FlagError(message: "")
    }

    /// Go's `flag.FlagSet.Parse`: flags until the first non-flag argument or `--`; `-name`, `--name`,
    /// `-name=value`, `-name value`; booleans take only the `=value` form.
    static func parseFlags(_ arguments: [String], into options: inout Options) -> Result<[String], FlagError> {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.utf8.count >= 2, argument.utf8.first == UInt8(ascii: "-") else { break }
            var body = argument.dropFirst()
            if body.hasPrefix("-") {
                body = body.dropFirst()
                if body.isEmpty {
                    index += 1
                    break
                }
            }
            guard let first = body.first, first != "-", first != "=" else {
                return .failure(FlagError(message: "bad flag syntax: \(argument)"))
            }
            let parts = body.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            var value = parts.count == 2 ? String(parts[1]) : nil
            guard let takesValue = flags[name] else {
                if name == "help" { return .failure(.help) }
                return .failure(FlagError(message: "flag provided but not defined: -\(name)"))
            }
            if takesValue {
                if value == nil {
                    guard index + 1 < arguments.count else {
                        return .failure(FlagError(message: "flag needs an argument: -\(name)"))
                    }
                    index += 1
                    value = arguments[index]
                }
            } else if let text = value {
                guard let parsed = goBool(text) else {
                    return .failure(FlagError(message: "invalid boolean value \"\(text)\" for -\(name): parse error"))
                }
                value = parsed ? "true" : "false"
            } else {
                value = "true"
            }
            let text = value!
            switch name {
            case "dir": options.directory = text
            case "table": options.table = text
            case "v": options.verbose = text == "true"
            case "h": options.help = text == "true"
            case "version": options.version = text == "true"
            case "s": options.sequential = text == "true"
            case "allow-missing": options.allowMissing = text == "true"
            case "no-versioning": options.noVersioning = text == "true"
            case "no-color": options.noColor = text == "true"
            case "certfile": options.certificateFile = text
            case "ssl-cert": options.sslCertificate = text
            case "ssl-key": options.sslKey = text
            case "timeout":
                guard GoDuration.parse(text) != nil else {
                    return .failure(FlagError(message: "invalid value \"\(text)\" for flag -timeout: parse error"))
                }
                options.timeout = text
            default: break
            }
            index += 1
        }
        return .success(Array(arguments[index...]))
    }

    /// Go's `strconv.ParseBool`.
    static func goBool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "true", "TRUE", "True": true
        case "0", "f", "F", "false", "FALSE", "False": false
        default: nil
        }
    }
}
