import SkeinSQL

/// The policy's "Lock Timeout" row: statements that hold heavy locks on tables with traffic (compare squawk).
/// Each rule lives in its own file; this list registers them with the ``Linter``.
enum LockSafetyRules {
    static let all: [any LintRule] = [
        RequireConcurrentIndexCreationRule(), ConstraintMissingNotValidRule(), AddingNotNullableFieldRule(),
        AddingFieldWithDefaultRule(), ChangingColumnTypeRule(), DisallowedUniqueConstraintRule(),
        RequireConcurrentReindexRule(), RequireLockTimeoutRule(), AddingRequiredFieldRule(), SessionSettingRule(),
        TracedLocksRule(),
    ]

    /// The policy sentence every lock-safety rule enforces.
    static let policy =
        "Lock Timeout: Long-running migration blocks other operations — Optimize migration or schedule maintenance window"

    /// One subcommand of an `ALTER TABLE` in the Up, on a table that existed before this migration.
    struct Alteration {
        /// The `ALTER TABLE` command it belongs to (findings are placed at its start).
        var command: LintCommand
        /// The altered table, as ``CreatedObjects/relation(_:)`` names it.
        var table: String
        /// The `AlterTableCmd` fields.
        var subcommand: SQLNode
        /// `AT_AddConstraint`, `AT_SetNotNull`, …
        var subtype: String
    }

    /// The `ALTER TABLE` subcommands of the file's Up on tables it does not create itself (tables created by
    /// earlier migrations have rows and traffic by the time this one runs).
    static func alterationsOfExistingTables(in file: LintFile) -> [Alteration] {
        let createdHere = file.createdTables
        var alterations: [Alteration] = []
        for command in file.up {
            guard command.nodeType == "AlterTableStmt", let body = command.body,
                body["objtype"]?.string == "OBJECT_TABLE",
                let table = SchemaObject.relation(body["relation"]), !createdHere.contains(table)
            else { continue }
            for cmd in body["cmds"]?.array ?? [] {
                guard let alter = cmd["AlterTableCmd"], let subtype = alter["subtype"]?.string else { continue }
                alterations.append(Alteration(command: command, table: table, subcommand: alter, subtype: subtype))
            }
        }
        return alterations
    }
}
