import Foundation
public import Logging
import PostgresNIO
import SkeinConnection
public import SkeinCore
public import SkeinPostgres
import Synchronization

/// Migrates many databases (tenants, shards, regions) with the ordinary runner at each: databases in parallel, the
/// schemas of one database one after another (they share its advisory lock), canaries first, a result per target.
///
/// ```swift
/// var fleet = Fleet(targets: targets, migrator: Migrator())
/// fleet.parallel = 8
/// fleet.canary = .first(2)
/// let report = await fleet.run(.up, migrations: catalog.migrations, logger: logger)
/// ```
public struct Fleet: Sendable {
    /// Which targets go first; the rest start only when every canary succeeded.
    public enum Canary: Sendable, Hashable {
        case none
        /// The first N targets of the list.
        case first(Int)
        /// The targets of a group.
        case group(String)
    }

    /// What a failed target does to the rollout.
    public enum ErrorPolicy: String, Sendable, Hashable {
        /// Start no new target; let running ones finish.
        case fail
        /// Go on with every other target.
        case `continue`
    }

    /// Told as targets start and finish (from the fleet's tasks; keep it quick).
    public enum Event: Sendable {
        case started(FleetTarget)
        case finished(FleetTargetResult)
    }

    public var targets: [FleetTarget]
    /// Databases migrated at once (each holds at most two connections: the run's and its side channel).
    public var parallel = 4
    public var canary = Canary.none
    public var onError = ErrorPolicy.fail
    /// No target starts after this long.
    public var deadline: Duration?
    /// The runner each target gets (its configuration; a target's schema moves the version table into it).
    public var migrator: Migrator
    /// `PG*` variables and `HOME` (for `.pgpass`), as libpq reads them.
    public var environment: [String: String]

    public init(targets: [FleetTarget], migrator: Migrator, environment: [String: String] = [:]) {
        self.targets = targets
        self.migrator = migrator
        self.environment = environment
    }

    /// Runs `command` at every target; never throws: each target's failure is in its result.
    public func run(
        _ command: MigrationCommand, migrations: [Migration], observer: (@Sendable (Event) -> Void)? = nil,
        logger: Logger
    ) async -> FleetReport {
        let clock = ContinuousClock()
        let started = clock.now
        let rollout = Rollout(deadline: deadline.map { started + $0 })
        let isCanary: [Bool] = targets.enumerated().map { index, target in
            switch canary {
            case .none: false
            case .first(let count): index < count
            case .group(let name): target.group == name
            }
        }
        var results = [FleetTargetResult?](repeating: nil, count: targets.count)
        let canaries = targets.indices.filter { isCanary[$0] }
        let rest = targets.indices.filter { !isCanary[$0] }
        for phase in [canaries, rest] where !phase.isEmpty {
            let phaseResults = await runPhase(
                phase, command: command, migrations: migrations, rollout: rollout, canary: phase == canaries,
                observer: observer, logger: logger)
            for (index, result) in phaseResults { results[index] = result }
            if phase == canaries, phaseResults.values.contains(where: { !$0.succeeded }) {
                rollout.stop("a canary failed")
            }
        }
        let final = targets.indices.map { index in
            results[index]
                ?? skipped(targets[index], reason: rollout.reason ?? "not started", canary: isCanary[index])
        }
        return FleetReport(command: "\(command)", results: final, seconds: Self.seconds(clock.now - started))
    }

    /// The state of every target (version, pending, dirty, drift), read in parallel; changes nothing (in Skein's
    /// grammar's configuration: `createOnlyToRun`).
    public func status(migrations: [Migration], logger: Logger) async -> [FleetTargetStatus] {
        await eachTarget { target in await status(of: target, migrations: migrations, logger: logger) }
    }

    /// Every target as its own audit log tells it: its version and its last run, read in parallel; changes nothing.
    public func lastRuns(migrations: [Migration], logger: Logger) async -> FleetReport {
        let clock = ContinuousClock()
        let started = clock.now
        let results = await eachTarget { target in await lastRun(of: target, migrations: migrations, logger: logger) }
        return FleetReport(command: "report", results: results, seconds: Self.seconds(clock.now - started))
    }

    /// `read` at every target, `parallel` at once, in the targets' order.
    private func eachTarget<Value: Sendable>(_ read: @escaping @Sendable (FleetTarget) async -> Value) async -> [Value]
    {
        var values = [Value?](repeating: nil, count: targets.count)
        await withTaskGroup(of: (Int, Value).self) { group in
            var next = 0
            func add() {
                guard next < targets.count else { return }
                let index = next
                next += 1
                group.addTask { (index, await read(targets[index])) }
            }
            for _ in 0..<max(1, parallel) { add() }
            while let (index, value) = await group.next() {
                values[index] = value
                add()
            }
        }
        return values.compactMap { $0 }
    }

    // MARK: - Scheduling

    /// Whether new targets may start, and why not.
    final class Rollout: Sendable {
        let deadline: ContinuousClock.Instant?
        private let stopped = Mutex<String?>(nil)

        init(deadline: ContinuousClock.Instant?) { self.deadline = deadline }

        func stop(_ reason: String) { stopped.withLock { $0 = $0 ?? reason } }

        /// Why nothing new starts, or `nil` when it may.
        var reason: String? {
            if let reason = stopped.withLock({ $0 }) { return reason }
            if Task.isCancelled { return "cancelled by the operator" }
            if let deadline, ContinuousClock().now >= deadline { return "the deadline passed" }
            return nil
        }
    }

    /// Runs `indices`, the schemas of one database one after another, `parallel` databases at once.
    private func runPhase(
        _ indices: [Int], command: MigrationCommand, migrations: [Migration], rollout: Rollout, canary: Bool,
        observer: (@Sendable (Event) -> Void)?, logger: Logger
    ) async -> [Int: FleetTargetResult] {
        let units = Self.units(indices.map { ($0, targets[$0]) }, environment: environment)
        var results: [Int: FleetTargetResult] = [:]
        await withTaskGroup(of: [(Int, FleetTargetResult)].self) { group in
            var next = 0
            func add() -> Bool {
                guard next < units.count, rollout.reason == nil else { return false }
                let unit = units[next]
                next += 1
                group.addTask {
                    var done: [(Int, FleetTargetResult)] = []
                    for index in unit {
                        let target = targets[index]
                        if let reason = rollout.reason {
                            done.append((index, skipped(target, reason: reason, canary: canary)))
                            continue
                        }
                        observer?(.started(target))
                        var result = await runTarget(target, command: command, migrations: migrations, logger: logger)
                        result.canary = canary
                        if !result.succeeded, onError == .fail {
                            rollout.stop("\(target.name) failed (--on-error fail)")
                        }
                        observer?(.finished(result))
                        done.append((index, result))
                    }
                    return done
                }
                return true
            }
            for _ in 0..<max(1, parallel) {
                guard add() else { break }
            }
            while let done = await group.next() {
                for (index, result) in done { results[index] = result }
                _ = add()
            }
        }
        return results
    }

    /// Targets grouped by database (same hosts, ports and database name): each group runs in one task.
    static func units(_ targets: [(Int, FleetTarget)], environment: [String: String]) -> [[Int]] {
        var order: [String] = []
        var groups: [String: [Int]] = [:]
        for (index, target) in targets {
            let key =
                (try? ConnectionSettings.resolve(
                    ConnectionString.parse(target.connectionString), environment: environment))
                .map { settings in "\(settings.endpoints.map { "\($0.host):\($0.port)" })/\(settings.database)" }
                ?? "unresolved \(index)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(index)
        }
        return order.map { groups[$0]! }
    }

    private func skipped(_ target: FleetTarget, reason: String, canary: Bool) -> FleetTargetResult {
        FleetTargetResult(
            name: target.name, group: target.group, schema: target.schema, outcome: .skipped, message: reason,
            canary: canary)
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
