import ArgumentParser
import Foundation
import SkeinInvocation

/// The root command: Skein's grammar. goose's grammar is translated in front of it (``GooseArguments``).
struct Skein: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "skein",
        abstract: "PostgreSQL migrations for Swift teams: goose-compatible, policy-checked.",
        discussion: """
            Skein reads goose v3.17 migration files and runs in two grammars:
              skein COMMAND --dir migrations …                      (Skein's)
              skein [-dir D] [-table T] postgres "$DBSTRING" COMMAND   (goose's, unchanged)
            Exit codes: 0 ok (also "nothing to do"), 1 failure or findings, 2 bad usage.
            """,
        version: "skein \(version) (goose v3.17.0 compatible)",
        subcommands: [
            UpCommand.self, UpByOneCommand.self, UpToCommand.self, DownCommand.self, DownToCommand.self,
            RedoCommand.self,
            ResetCommand.self, StatusCommand.self, RepairCommand.self, VersionCommand.self, EnvCommand.self,
            FixCommand.self,
            CreateCommand.self,
            InspectCommand.self,
            ValidateCommand.self, LintCommand.self, ApproveCommand.self, VerifyCommand.self, GenerateCommand.self,
            HistoryCommand.self,
            MetricsCommand.self, ReportCommand.self,
            SandboxCommand.self,
        ]
    )
}

@main
enum SkeinMain {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments == [SqlcPlugin.method] { SqlcPlugin.answer() }
        let environment = ProcessInfo.processInfo.environment
        let skeinArguments: [String]
        switch GooseArguments.translate(arguments, environment: environment) {
        case .skein(let translated):
            skeinArguments = translated
        case .goose(let translated):
            let known = Set(Skein.configuration.subcommands.map { $0._commandName })
            if let command = translated.first, !known.contains(command) {
                Console.gooseLog(
                    "goose run: \"\(command)\" is not available in this version of Skein (see docs/goose-compatibility.md)"
                )
                exit(1)
            }
            skeinArguments = translated
        case .gooseUsage(let code, let error):
            if let error { Console.err(error) }
            Console.out(GooseUsage.text)
            exit(code)
        case .gooseVersion:
            Console.out("goose version: skein \(Skein.version) (goose v3.17.0 compatible)")
            exit(0)
        case .gooseFailure(let message):
            Console.gooseLog(message)
            exit(1)
        }
        do {
            var command = try Skein.parseAsRoot(skeinArguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = Skein.exitCode(for: error)
            let message = Skein.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { Console.out(message) }
                exit(0)
            }
            if !message.isEmpty { Console.err(message) }
            // ArgumentParser uses 64 (EX_USAGE) for usage errors; goose and Skein use 2.
            exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}

enum GooseUsage {
    static let text = """
        Usage: skein [OPTIONS] DRIVER DBSTRING COMMAND

        or

        Set environment key
        GOOSE_DRIVER=DRIVER
        GOOSE_DBSTRING=DBSTRING

        Usage: skein [OPTIONS] COMMAND

        Drivers:
            postgres
            redshift

        Examples:
            skein postgres "user=postgres dbname=postgres sslmode=disable" status
            skein -dir migrations postgres "$DATABASE_URL" up
            GOOSE_DRIVER=postgres GOOSE_DBSTRING="user=postgres dbname=postgres sslmode=disable" skein status

        Options:
          -allow-missing
            \tapplies missing (out-of-order) migrations
          -certfile string
            \tfile path to root CA's certificates in pem format (only support on mysql)
          -dir string
            \tdirectory with migration files (default ".")
          -h\tprint help
          -no-color
            \tdisable color output (NO_COLOR env variable supported)
          -no-versioning
            \tapply migration commands with no versioning, in file order, from directory pointed to
          -s\tuse sequential numbering for new migrations
          -ssl-cert string
            \tfile path to SSL certificates in pem format (only support on mysql)
          -ssl-key string
            \tfile path to SSL key in pem format (only support on mysql)
          -table string
            \tmigrations table name (default "goose_db_version")
          -timeout duration
            \tmaximum allowed duration for queries to run; e.g., 1h13m
          -v\tenable verbose mode
          -version
            \tprint version

        Commands:
            up                   Migrate the DB to the most recent version available
            up-by-one            Migrate the DB up by 1
            up-to VERSION        Migrate the DB to a specific VERSION
            down                 Roll back the version by 1
            down-to VERSION      Roll back to a specific VERSION
            redo                 Re-run the latest migration
            reset                Roll back all migrations
            status               Dump the migration status for the current DB
            version              Print the current version of the database
            create NAME [sql|go] Creates new migration file with the current timestamp
            fix                  Apply sequential ordering to migrations
            validate             Check migration files without running them

        Skein's own grammar: skein --help
        """
}

/// `sqlc generate` with a sqlc.yaml that names Skein as a codegen plugin (`plugins: [{name: swift, process: {cmd:
/// skein}}]`, the form that lets one file serve sqlc and Skein) runs `skein /plugin.CodegenService/Generate` with
/// its request on standard input. Skein generates from PostgreSQL's answers in `skein generate`, not from sqlc's
/// request, so it reads the request and answers with an empty response (no files): sqlc's own generators run as
/// usual and its run succeeds.
enum SqlcPlugin {
    static let method = "/plugin.CodegenService/Generate"

    static func answer() -> Never {
        _ = FileHandle.standardInput.readDataToEndOfFile()
        // An empty protobuf message: GenerateResponse with no files.
        exit(0)
    }
}
