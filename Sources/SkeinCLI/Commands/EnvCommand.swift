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
        let environment = ProcessInfo.processInfo.environment
        if goose {
            // goose's `env`: its variables, quoted with Go's %q; the connection string's password masked.
            let dbstring = environment["GOOSE_DBSTRING"] ?? ""
            let masked =
                (try? ConnectionString.parse(dbstring)).map {
                    $0.parameters["password"] == nil ? dbstring : $0.description
                } ?? dbstring
            for (name, value) in [
                ("GOOSE_DRIVER", environment["GOOSE_DRIVER"] ?? ""), ("GOOSE_DBSTRING", masked),
                ("GOOSE_MIGRATION_DIR", environment["GOOSE_MIGRATION_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "."),
                ("NO_COLOR", environment["NO_COLOR"].flatMap { $0.isEmpty ? nil : $0 } ?? "false"),
            ] {
                Console.out("\(name)=\(value.debugDescription)")
            }
            return
        }
        let text = DatabaseRun.connectionString(explicit: databaseURL, environment: environment)
        do {
            let settings = try DatabaseRun.settings(
                try ConnectionString.parse(text), environment: environment, homeDirectory: environment["HOME"])
            Console.out(settings.description)
        } catch {
            Console.err("error: \(error)")
            throw ExitCode(1)
        }
    }
}
