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
            CheckQueriesCommand.self,
            HistoryCommand.self,
            MetricsCommand.self, ReportCommand.self,
            SandboxCommand.self,
            FleetCommand.self,
        ]
    )
}
