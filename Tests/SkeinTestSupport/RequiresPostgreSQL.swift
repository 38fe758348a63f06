public import Testing

extension Trait where Self == ConditionTrait {
    /// Skips the test, with the reason, when no PostgreSQL is available; with `CI=true` the test always runs, so a
    /// missing server fails it.
    public static var requiresPostgreSQL: Self {
        .enabled(
            if: TestDatabase.isAvailable, Comment(rawValue: TestDatabase.unavailableReason ?? "PostgreSQL is available")
        )
    }
}
