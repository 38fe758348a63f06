import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import SkeinCore
import SkeinPostgres
import SkeinVerify

/// `skein verify --locks`: the lock trace of every Up, on the same throwaway database `verify` uses.
extension VerifyCommand {
    func trace(_ migrations: [Migration], logger: Logger) async throws {
        let selected = migrations.filter { migration in
            to.map { migration.version <= $0 } ?? true
        }
        let trace = try await onThrowawayDatabase(purpose: "lock trace", logger: logger) { connection, connector in
            try await LockTracer { try await connector.connect(logger: logger) }.trace(
                selected, on: connection, logger: logger)
        }
        switch format {
        case .json: try Console.json(trace)
        case .text: Console.out(Self.text(trace, from: from))
        case .sarif: try Console.json(Self.sarif(trace, from: from))
        }
        if trace.migrations.contains(where: { $0.error != nil }) { throw ExitCode(1) }
    }

    /// The trace for code scanning: a result per lock ordinary traffic queues behind, and per rewrite.
    static func sarif(_ trace: LockTrace, from: Int64?) -> SARIFLog {
        var findings: [Diagnostic] = []
        for migration in trace.migrations where from.map({ migration.version >= $0 }) ?? true {
            for statement in migration.statements {
                let location = SourceLocation(file: migration.file, line: statement.line, column: 1)
                let held = migration.transactional ? "until its COMMIT" : "while it runs"
                for lock in statement.locks where lock.mode.blocksTraffic {
                    findings.append(
                        Diagnostic(
                            severity: lock.mode == .accessExclusive ? .warning : .info, code: "lock-trace-lock",
                            message:
                                "takes \(lock.mode) on \(lock.kind) \(lock.relation) \(held)"
                                + (statement.method == .observed ? " (observed)" : "") + ": \(lock.mode.queuedBehind)",
                            location: location))
                }
                for table in statement.rewrote {
                    findings.append(
                        Diagnostic(
                            severity: .warning, code: "lock-trace-rewrite",
                            message: "rewrites \(table): every row is copied while the lock is held", location: location
                        ))
                }
            }
        }
        let rules = [
            SARIFLog.Rule(
                id: "lock-trace-lock",
                shortDescription: .init(text: "a lock that ordinary reads or writes queue behind"),
                fullDescription: .init(
                    text: "skein verify --locks: read from the session's pg_locks on a throwaway database"),
                defaultConfiguration: .init(level: "warning")),
            SARIFLog.Rule(
                id: "lock-trace-rewrite", shortDescription: .init(text: "a table rewritten under its lock"),
                fullDescription: .init(text: "skein verify --locks: pg_class.relfilenode changed"),
                defaultConfiguration: .init(level: "warning")),
        ]
        return SARIFLog(findings: findings, rules: rules, version: Skein.version)
    }

    /// One block per migration (from `from` on), one line per statement and its locks.
    static func text(_ trace: LockTrace, from: Int64?) -> String {
        var lines: [String] = []
        for migration in trace.migrations where from.map({ migration.version >= $0 }) ?? true {
            lines.append(
                "\(migration.file) (\(migration.transactional ? "one transaction: locks held to its COMMIT" : "no transaction"))"
            )
            if let note = migration.rowsNote { lines.append("  (\(note))") }
            for statement in migration.statements {
                let sql = statement.sql.split(separator: "\n").first.map(String.init) ?? ""
                lines.append("  line \(statement.line): \(sql)")
                var what =
                    statement.locks.isEmpty
                    ? ["no lock on an existing relation beyond those already held"]
                    : statement.locks.map { lock in
                        "\(lock.mode) on \(lock.kind) \(lock.relation)"
                            + (lock.mode.blocksTraffic && lock.kind == "table" ? " (\(lock.mode.queuedBehind))" : "")
                    }
                if statement.method == .observed { what[0] = "observed: " + what[0] }
                what += statement.rewrote.map { "rewrote \($0) (every row copied under the lock)" }
                what += statement.created.map { "creates \($0)" }
                lines += what.map { "    " + $0 }
            }
            if let error = migration.error { lines.append("  stopped: \(error)") }
        }
        lines.append(
            "traced \(trace.migrations.count) migrations on PostgreSQL \(trace.serverVersion); "
                + "locks are read from the session's own pg_locks before COMMIT (observed: sampled from a second connection)"
        )
        return lines.joined(separator: "\n")
    }
}
