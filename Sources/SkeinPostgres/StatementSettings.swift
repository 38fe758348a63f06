import Foundation
import Logging
import Metrics
import PostgresNIO
import SkeinCore
import SkeinGovernance
import Synchronization

/// How statements run: PostgreSQL's timeouts and the lock-wait watch.
public struct StatementSettings: Sendable {
    /// PostgreSQL's `lock_timeout` for migration statements; `nil` keeps the server's.
    public var lockTimeout: Duration?
    /// PostgreSQL's `statement_timeout` for migration statements; `nil` keeps the server's.
    public var statementTimeout: Duration?
    /// Report a statement that has been running this long, with who blocks it; `nil` turns the watch off.
    public var warnAfter: Duration?

    public init(lockTimeout: Duration? = nil, statementTimeout: Duration? = nil, warnAfter: Duration? = .seconds(10)) {
        self.lockTimeout = lockTimeout
        self.statementTimeout = statementTimeout
        self.warnAfter = warnAfter
    }

    /// `set_config` for both timeouts in one statement, or `nil` when neither is set.
    func setConfigSQL(isLocal: Bool) -> String? {
        var parts: [String] = []
        if let lockTimeout {
            parts.append("set_config('lock_timeout', '\(Self.milliseconds(lockTimeout))ms', \(isLocal))")
        }
        if let statementTimeout {
            parts.append("set_config('statement_timeout', '\(Self.milliseconds(statementTimeout))ms', \(isLocal))")
        }
        return parts.isEmpty ? nil : "SELECT " + parts.joined(separator: ", ")
    }

    /// `RESET` for each timeout that was set for the session.
    var resetSQL: [String] {
        (lockTimeout == nil ? [] : ["RESET lock_timeout"])
            + (statementTimeout == nil ? [] : ["RESET statement_timeout"])
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
