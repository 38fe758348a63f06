public import SkeinCore

/// A backup taken before a run's first step (the CLI's `--backup DIR`: `pg_dump -Fc`, checked with
/// `pg_restore --list`).
public struct BackupHook: Sendable {
    /// Takes the backup before `plan` runs and returns where it is; throwing stops the run before any step.
    public var take: @Sendable (MigrationPlan) async throws -> String

    public init(take: @escaping @Sendable (MigrationPlan) async throws -> String) {
        self.take = take
    }
}
