import ArgumentParser
import Foundation
import SkeinCore

/// `skein approve`: records a review of a migration in `.skein-approvals.json`, bound to the file's checksum.
struct ApproveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Record that a migration was reviewed and approved (bound to its current content).",
        discussion: """
            Writes the approval to .skein-approvals.json in the migrations directory, for review in the pull
            request. It names the approver, the reason and the file's checksum: editing the file afterwards
            invalidates it, and `skein lint` fails a destructive migration without a valid approval.
            """
    )

    @Argument(help: "The migration's version.") var version: Int64
    @Option(name: .long, help: "Who approves (a name or handle).") var by: String
    @Option(name: .long, help: "Why (a review link, a ticket).") var reason: String?
    @OptionGroup var options: MigrationsOptions

    func validate() throws {
        guard !by.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--by must name someone") }
    }

    func run() throws {
        let settings = try ProjectSettings.resolve(options)
        try reportingFailures {
            let catalog: MigrationCatalog
            do {
                catalog = try MigrationCatalog(source: DirectorySource(directory: settings.directory))
            } catch {
                throw CLIFailure(.migrations, "\(error)")
            }
            guard let migration = catalog.migrations.first(where: { $0.version == version }) else {
                throw CLIFailure(
                    .migrations,
                    "no migration with version \(version) in \(settings.directory); `skein status` or `ls \(settings.directory)` shows the versions"
                )
            }
            var ledger = try LintCommand.ledger(in: settings.directory)
            let approval = ledger.approve(migration, by: by, reason: reason, at: Date())
            let path = (settings.directory as NSString).appendingPathComponent(ApprovalLedger.fileName)
            do {
                try ledger.encoded().write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw CLIFailure(.fileSystem, "cannot write \(path): \(error)")
            }
            Console.out(
                "approved \(migration.fileName) by \(approval.approvedBy) (sha256 \(approval.checksum.prefix(12))…), recorded in \(path)"
            )
        }
    }
}
