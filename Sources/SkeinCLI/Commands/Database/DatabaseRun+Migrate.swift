import Foundation
import PostgresNIO
import SkeinCore
import SkeinPostgres

extension DatabaseRun {
    /// Runs a changing command and prints goose's lines.
    func migrate(_ command: MigrationCommand) async throws {
        try await withDatabase(reading: command.onlyRollsBack ? .migrationsToRollBack : .migrationsToPlan) { context in
            let (connection, migrations, migrator, logger) = (
                context.connection, context.migrations, context.migrator, context.logger
            )
            if options.dryRun {
                let plan = try await migrator.preview(command, migrations: migrations, on: connection, logger: logger)
                Console.report(plan.problems)
                if plan.hasErrors { throw fail("the plan has errors (above); nothing would run") }
                say(
                    "dry run of \(command): \(plan.steps.count) step\(plan.steps.count == 1 ? "" : "s"), current version \(plan.currentVersion ?? 0); nothing was changed"
                )
                for step in plan.steps {
                    say("-- \(step.direction == .up ? "apply" : "roll back") \(step.migration.path)")
                    if case .success(let section)? = step.migration.section(step.direction) {
                        if !section.transactionMode.isTransactional { say("-- (NO TRANSACTION)") }
                        for statement in section.statements { say("-- line \(statement.line)\n\(statement.sql)") }
                    }
                }
                return
            }
            let outcome: Migrator.Outcome
            do {
                outcome = try await migrator.run(
                    command, migrations: migrations, on: connection, sideChannel: context.sideChannel,
                    probe: context.probe, observer: { observe($0) }, logger: logger)
                await afterRun(command, failure: nil, context: context)
            } catch let rejected as Migrator.PlanRejected {
                let onlyNoNext = rejected.problems.filter { $0.severity == .error }.allSatisfy {
                    $0.code == "no-next-version"
                }
                if onlyNoNext {
                    say("goose: no migrations to run. current version: \(rejected.plan.currentVersion ?? 0)")
                    throw fail("no next version found")
                }
                Console.report(rejected.problems)
                throw FailureText.cliFailure(rejected)
            } catch let failure as MigrationFailure {
                await afterRun(command, failure: failure, context: context)
                throw FailureText.cliFailure(failure, command: command)
            } catch {
                await afterRun(command, failure: error, context: context)
                throw error
            }
            let plan = outcome.plan
            if migrator.configuration.versioning == .unversioned {
                switch command {
                case .up, .upByOne, .upTo: say("goose: up to current file version: \(plan.versionAfter ?? 0)")
                case .down, .downTo, .reset: say("goose: down to current file version: \(plan.versionAfter ?? 0)")
                case .redo: break
                }
                return
            }
            switch command {
            case .up, .upTo:
                say(
                    plan.steps.isEmpty
                        ? "goose: no migrations to run. current version: \(plan.currentVersion ?? 0)"
                        : "goose: successfully migrated database to version: \(plan.versionAfter ?? 0)")
            case .downTo:
                say("goose: no migrations to run. current version: \(plan.versionAfter ?? 0)")
            default:
                break
            }
        }
    }
}
