import PostgresNIO

/// A connection the caller holds.
var connection: PostgresConnection { fatalError("type-checked only") }
