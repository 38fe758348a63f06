import Foundation
import Logging
import PostgresNIO
import SkeinCore

extension Migrator {
    /// Runs `body` holding goose's table lock: the lock table created when missing, the row taken (waiting up to
    /// ``Configuration/lockWait`` for a holder to finish or its lease to expire), its lease renewed from
    /// `sideChannel` every heartbeat while `body` runs (a statement longer than the lease keeps the lock), and the
    /// row released afterwards, also after a failure (from `sideChannel` when the connection is gone).
    func withTableLock<Result: Sendable>(
        _ lock: TableLock, on connection: PostgresConnection, sideChannel: SideChannel,
        observer: (@Sendable (MigrationEvent) -> Void)?, logger: Logger,
        _ body: () async throws -> Result
    ) async throws -> Result {
        let locker = TableLocker(lock: lock)
        try await locker.createTable(on: connection, logger: logger)
        try await acquire(locker, on: connection, observer: observer, logger: logger)
        logger.debug(
            "took the migration lock", metadata: ["lock.table": "\(lock.table)", "lock.owner": "\(locker.owner)"])
        let heartbeat = Task { await Self.renewLease(locker, sideChannel: sideChannel, logger: logger) }
        func release() async {
            heartbeat.cancel()
            do {
                try await connection.sendCleanup(locker.releaseQuery(), logger: logger)
            } catch {
                // The connection is gone (a failover, a restart): release from a new one, else the lease expires.
                do {
                    try await sideChannel.borrow(logger) { side in
                        _ = try await side.query(locker.releaseQuery(), logger: logger).collect()
                    }
                } catch {
                    logger.warning(
                        "could not release the migration lock; it expires with its lease",
                        metadata: ["lock.owner": "\(locker.owner)", "error": "\(PostgresErrorText.oneLine(error))"])
                }
            }
        }
        do {
            let result = try await body()
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }

    private func acquire(
        _ locker: TableLocker, on connection: PostgresConnection, observer: (@Sendable (MigrationEvent) -> Void)?,
        logger: Logger
    ) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        var lastHolder: String?
        var told = false
        while true {
            if try await locker.tryAcquire(on: connection, logger: logger) { return }
            lastHolder = try await locker.holder(on: connection, logger: logger) ?? lastHolder
            logger.info("waiting for the migration lock", metadata: ["lock.holder": "\(lastHolder ?? "unknown")"])
            if !told {
                observer?(.notice(Self.waitingNotice(holder: lastHolder, wait: configuration.lockWait)))
                told = true
            }
            let remaining = configuration.lockWait - (clock.now - start)
            guard remaining > .zero else { throw LockTimeout(holder: lastHolder, waited: clock.now - start) }
            // goose's ±25 % jitter, so runners started together do not ask in step.
            let interval = locker.lock.retryInterval * Double.random(in: 0.75...1.25)
            try await Task.sleep(for: min(interval, remaining))
        }
    }

    /// The heartbeat: the lease renewed every interval until cancelled. A failed renewal is logged and tried again
    /// at the next beat; a lost row (another runner took an expired lease) is an error in the log.
    private static func renewLease(_ locker: TableLocker, sideChannel: SideChannel, logger: Logger) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: locker.lock.heartbeat)
            } catch {
                return
            }
            do {
                try await sideChannel.borrow(logger) { side in
                    guard try await locker.renew(on: side, logger: logger) else {
                        logger.error(
                            "the migration lock's lease was lost: another runner may have taken it",
                            metadata: ["lock.owner": "\(locker.owner)"])
                        return
                    }
                }
            } catch {
                logger.warning(
                    "could not renew the migration lock's lease; trying again at the next heartbeat",
                    metadata: ["error": "\(PostgresErrorText.oneLine(error))"])
            }
        }
    }
}
