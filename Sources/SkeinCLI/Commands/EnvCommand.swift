import ArgumentParser
import Foundation
import SkeinConnection
import SkeinGovernance
import SkeinPostgres

/// `skein env`: the resolved connection settings (password masked); in goose mode, goose's `env` lines.
struct EnvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env", abstract: "Print the resolved settings (connection, directory); passwords are masked.")

    @Option(name: .long, help: "libpq connection string (default: GOOSE_DBSTRING, DATABASE_URL, PG* variables).")
    var databaseURL: String?

    @Flag(name: .long, help: .hidden)
    var goose = false

    @Flag(name: [.short, .long], help: .hidden)
    var verbose = false

    func run() throws {
        let environment = CLIContext.current.environment
        if goose {
            // goose's `env`: its variables, quoted with Go's %q; the connection string's password masked.
            let dbstring = environment["GOOSE_DBSTRING"] ?? ""
            let masked =
                (try? ConnectionString.parse(dbstring)).map {
                    $0.parameters["password"] == nil ? dbstring : $0.description
                } ?? dbstring
            let directory: String = environment["GOOSE_MIGRATION_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "."
            let noColor: String = environment["NO_COLOR"].flatMap { $0.isEmpty ? nil : $0 } ?? "false"
            let lines: [(String, String)] = [
                ("GOOSE_DRIVER", environment["GOOSE_DRIVER"] ?? ""), ("GOOSE_DBSTRING", masked),
                ("GOOSE_MIGRATION_DIR", directory), ("NO_COLOR", noColor),
            ]
            for (name, value) in lines {
                Console.out("\(name)=\(value.debugDescription)")
            }
            return
        }
        let text = DatabaseConnection.connectionString(explicit: databaseURL, environment: environment)
        do {
            let settings = try DatabaseConnection.settings(
                try ConnectionString.parse(text), environment: environment, homeDirectory: environment["HOME"])
            Console.out(settings.description)
        } catch {
            throw CLIFailure(.database, "\(error)")
        }
    }
}
