import SkeinCore

extension StepRun {
    /// A transactional file as one pipeline (``CommandPipeline``): `opening` (the timeouts, `BEGIN`), its commands and
    /// the record statement, written at once; then `COMMIT`. The observer and the statement watch hear of the first
    /// command as it is sent and of each next one when the one before it completes (as with
    /// ``sendQueued(opening:setsTimeouts:_:)``); a failed command stops the rest (the server skips them), and the
    /// caller rolls the transaction back.
    func sendPipelined(
        _ pipeline: CommandPipeline, opening: [String], setsTimeouts: Bool, _ commands: [QueuedCommand]
    ) async throws {
        var batch = opening.map { PipelinedCommand($0) }
        batch.reserveCapacity(opening.count + commands.count + 1)
        for (offset, command) in commands.enumerated() {
            // The end of every command but the last starts the next one's watch: the server says so at once. The
            // opening, the last command and the record are answered together, at the Sync.
            batch.append(PipelinedCommand(command.command.sql, flushes: offset + 1 < commands.count))
        }
        if step.recording == .record { batch.append(recordCommand()) }

        let (watch, observer, step) = (self.watch, executor.observer, self.step)
        let first = opening.count
        @Sendable func starting(_ command: QueuedCommand) {
            if command.first { observer?(.executing(step, command.statement)) }
            watch?.begin(step, line: command.line)
        }
        // The opening (`BEGIN`, the timeouts) is answered with the rest: the first command is heard of as it is sent.
        if let command = commands.first { starting(command) }
        do {
            try await pipeline.run(batch) { index in
                if index >= first && index < first + commands.count { watch?.end() }
                let next = index + 1 - first
                if next > 0 && next < commands.count { starting(commands[next]) }
            }
        } catch let failure as PipelineFailure {
            // The timeouts were not kept: before a Sync, PostgreSQL commits nothing, so the `SET` ahead of `BEGIN` is
            // part of the file's transaction and rolls back with it.
            let offset = failure.index - first
            guard offset >= 0 && offset < commands.count else { throw MigrationExecutor.failure(failure, line: nil) }
            watch?.end()
            let command = commands[offset]
            var statementFailure = MigrationExecutor.failure(failure, line: command.line)
            statementFailure.statement = command.statement
            statementFailure.command = command.command.sql
            throw statementFailure
        }
        // COMMIT only once the run has heard that every command and the record succeeded: a run killed before then
        // (SIGKILL, `--timeout` closing the connection behind a pooler) leaves the transaction open, and the server
        // rolls it back when it finds the connection gone, as with one statement per round trip. Sent with the rest,
        // the server would commit a file whose client died half-way.
        do {
            try await pipeline.run([PipelinedCommand("COMMIT")]) { _ in }
        } catch {
            throw MigrationExecutor.failure(error, line: nil)
        }
        if setsTimeouts { session.hasTimeouts = true }
        session.countPipelinedFile()
    }
}
