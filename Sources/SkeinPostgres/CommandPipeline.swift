import NIOCore
import NIOSSL
import PostgresNIO
import SkeinCore

/// One command of a ``CommandPipeline``: its text and, for a statement with parameters, their values as text
/// (their types are inferred by the server, as for an untyped `$n` in `psql`'s `\bind`).
struct PipelinedCommand: Sendable {
    var sql: String
    var parameters: [String?]
    /// Whether the server sends what it has as soon as this command completes (a Flush), so the run hears of it
    /// before the pipeline ends; the rest wait for the next flush or the Sync (one packet, one wake-up, for all).
    var flushes: Bool

    init(_ sql: String, parameters: [String?] = [], flushes: Bool = false) {
        self.sql = sql
        self.parameters = parameters
        self.flushes = flushes
    }
}

/// A pipelined command failed (the ones after it did not run), or the connection closed under the pipeline.
struct PipelineFailure: Error, Sendable, CustomStringConvertible {
    /// The command that failed, counted from 0 in the pipeline sent.
    var index: Int
    /// What the server said; `nil` when the connection closed before it answered.
    var server: ServerError?

    var description: String {
        server?.description ?? "the connection closed while the migration's statements ran"
    }
}

/// Sends a batch of commands in one write, the way libpq's pipeline mode does: Parse, Bind and Execute for each, a
/// Flush after those whose end the run must hear of at once, one Sync after the last. The server runs them in order,
/// one at a time, and answers up to each Flush as soon as it gets there, so the run hears of a command's end when it
/// happens, as it does with one query per round trip; a failed command makes the server skip the rest until the
/// Sync. One round trip for a migration's statements instead of one each: what PostgresNIO 1.33 cannot do (every
/// query waits for the one before to finish).
///
/// It works on the connection's own channel: a small stage before PostgresNIO's handler writes the batch and reads
/// the answers up to the Sync's ReadyForQuery, then lets everything through again. Use it only while PostgresNIO
/// has no query of its own in flight on the connection.
final class CommandPipeline: Sendable {
    private let channel: any Channel
    private let stage: NIOLoopBound<PipelineStage>

    private init(channel: any Channel, stage: PipelineStage) {
        self.channel = channel
        self.stage = NIOLoopBound(stage, eventLoop: channel.eventLoop)
    }

    /// Puts the pipeline's stage on a connection just opened, before its first query: the stage must see every
    /// query PostgresNIO sends to know when PostgresNIO has had its last answer (``Connector`` does this). Does
    /// nothing when the channel cannot be reached (a PostgresNIO whose connection no longer holds it).
    static func install(on connection: PostgresConnection) async {
        guard let channel = channel(of: connection) else { return }
        try? await channel.eventLoop.submit {
            let operations = channel.pipeline.syncOperations
            guard (try? operations.handler(type: PipelineStage.self)) == nil else { return }
            let stage = PipelineStage()
            // Behind TLS (the stage reads and writes the protocol's plain bytes), before PostgresNIO's handler.
            if let tls = try? operations.handler(type: NIOSSLClientHandler.self) {
                try operations.addHandler(stage, position: .after(tls))
            } else {
                try operations.addHandler(stage, position: .first)
            }
        }.get()
    }

    /// The pipeline of a connection ``install(on:)`` prepared, or `nil` (a connection from elsewhere, an app's pool:
    /// its statements go one by one through PostgresNIO).
    static func attach(to connection: PostgresConnection) async -> CommandPipeline? {
        guard !connection.isClosed, let channel = channel(of: connection) else { return nil }
        return try? await channel.eventLoop.submit { () -> CommandPipeline? in
            guard let stage = try? channel.pipeline.syncOperations.handler(type: PipelineStage.self) else { return nil }
            return CommandPipeline(channel: channel, stage: stage)
        }.get()
    }

    private static func channel(of connection: PostgresConnection) -> (any Channel)? {
        Mirror(reflecting: connection).descendant("channel") as? any Channel
    }

    /// Runs `commands` as one pipeline; `completed` hears each command's index as the server reports it done (on
    /// the connection's event loop). Throws ``PipelineFailure`` for the first command that failed.
    func run(_ commands: [PipelinedCommand], completed: @escaping @Sendable (Int) -> Void) async throws {
        guard !commands.isEmpty else { return }
        let promise = channel.eventLoop.makePromise(of: Void.self)
        let stage = self.stage
        channel.eventLoop.execute {
            stage.value.start(commands, completed: completed, promise: promise)
        }
        try await promise.futureResult.get()
    }
}

/// The channel stage behind ``CommandPipeline``: passes bytes through untouched, except while a pipeline runs,
/// when it reads the server's messages itself and hands on only those PostgresNIO tracks between queries
/// (parameter changes, notifications).
final class PipelineStage: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct Run {
        var completed: @Sendable (Int) -> Void
        var promise: EventLoopPromise<Void>
        var done = 0
        var failure: PipelineFailure?
    }

    private var context: ChannelHandlerContext?
    private var current: Run?
    private var buffer: ByteBuffer?
    /// ReadyForQuery messages PostgresNIO still waits for: its Syncs and simple queries written, less those read.
    /// PostgresNIO hands a query's last row over before its ReadyForQuery arrives; a pipeline written then would
    /// take that ReadyForQuery for its own.
    private var awaited = 0
    /// Reading through the server's stream untouched: the next message's header bytes, or its body bytes to skip.
    private var header: [UInt8] = []
    private var skipping = 0
    /// A pipeline written once PostgresNIO's last answer is in.
    private var deferred: ByteBuffer?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        finish(PipelineFailure(index: current?.done ?? 0, server: nil))
    }

    func start(
        _ commands: [PipelinedCommand], completed: @escaping @Sendable (Int) -> Void, promise: EventLoopPromise<Void>
    ) {
        guard let context, context.channel.isActive, current == nil else {
            promise.fail(PipelineFailure(index: 0, server: nil))
            return
        }
        current = Run(completed: completed, promise: promise)
        var bytes = context.channel.allocator.buffer(capacity: commands.reduce(64) { $0 + $1.sql.utf8.count + 40 })
        for command in commands { Self.encode(command, into: &bytes) }
        bytes.writeInteger(UInt8(ascii: "S"))
        bytes.writeInteger(Int32(4))
        if awaited > 0 {
            deferred = bytes
        } else {
            send(bytes, context: context)
        }
    }

    private func send(_ bytes: ByteBuffer, context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        // PostgresNIO asks for reads only while it expects an answer of its own; ask for this pipeline's.
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // PostgresNIO writes whole messages; each Sync ('S') and simple query ('Q') gets one ReadyForQuery.
        let bytes = unwrapOutboundIn(data)
        var index = bytes.readerIndex
        while index + 5 <= bytes.writerIndex, let type = bytes.getInteger(at: index, as: UInt8.self),
            let length = bytes.getInteger(at: index + 1, as: Int32.self), length >= 4
        {
            if type == UInt8(ascii: "S") || type == UInt8(ascii: "Q") { awaited += 1 }
            index += 1 + Int(length)
        }
        context.write(data, promise: promise)
    }

    /// Counts the ReadyForQuery messages in bytes passed through to PostgresNIO.
    private func countAnswers(_ bytes: ByteBuffer) {
        var index = bytes.readerIndex
        let end = bytes.writerIndex
        while index < end {
            if skipping > 0 {
                let skipped = min(skipping, end - index)
                skipping -= skipped
                index += skipped
                continue
            }
            header.append(bytes.getInteger(at: index, as: UInt8.self)!)
            index += 1
            if header.count == 5 {
                let length = Int(header[1]) << 24 | Int(header[2]) << 16 | Int(header[3]) << 8 | Int(header[4])
                if header[0] == UInt8(ascii: "Z") { awaited = max(0, awaited - 1) }
                skipping = max(0, length - 4)
                header.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Parse and Bind (unnamed; text parameters, text results), Execute (every row), and a Flush if asked.
    static func encode(_ command: PipelinedCommand, into bytes: inout ByteBuffer) {
        func message(_ type: Character, _ body: (inout ByteBuffer) -> Void) {
            bytes.writeInteger(type.asciiValue!)
            let start = bytes.writerIndex
            bytes.writeInteger(Int32(0))
            body(&bytes)
            bytes.setInteger(Int32(bytes.writerIndex - start), at: start)
        }
        message("P") {
            $0.writeInteger(UInt8(0))
            $0.writeString(command.sql)
            $0.writeInteger(UInt8(0))
            $0.writeInteger(Int16(0))
        }
        message("B") {
            $0.writeInteger(UInt16(0))  // portal "", statement ""
            $0.writeInteger(Int16(0))  // every parameter in text
            $0.writeInteger(Int16(command.parameters.count))
            for parameter in command.parameters {
                if let parameter {
                    $0.writeInteger(Int32(parameter.utf8.count))
                    $0.writeString(parameter)
                } else {
                    $0.writeInteger(Int32(-1))
                }
            }
            $0.writeInteger(Int16(0))  // every result column in text
        }
        message("E") {
            $0.writeInteger(UInt8(0))
            $0.writeInteger(Int32(0))
        }
        if command.flushes { message("H") { _ in } }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard current != nil, deferred == nil else {
            countAnswers(unwrapInboundIn(data))
            context.fireChannelRead(data)
            if awaited == 0, let bytes = deferred {
                deferred = nil
                send(bytes, context: context)
            }
            return
        }
        var incoming = unwrapInboundIn(data)
        if buffer == nil {
            buffer = incoming
        } else {
            buffer!.writeBuffer(&incoming)
        }
        readMessages(context: context)
    }

    private func readMessages(context: ChannelHandlerContext) {
        while var bytes = buffer, current != nil, bytes.readableBytes >= 5,
            let type = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self),
            let length = bytes.getInteger(at: bytes.readerIndex + 1, as: Int32.self).map(Int.init),
            bytes.readableBytes >= 1 + length
        {
            let whole = bytes.readSlice(length: 1 + length)!
            buffer = bytes.readableBytes > 0 ? bytes : nil
            var body = whole.getSlice(at: whole.readerIndex + 5, length: length - 4)!
            switch type {
            case UInt8(ascii: "C"), UInt8(ascii: "I"):  // CommandComplete, EmptyQueryResponse
                guard var run = current else { return }
                let index = run.done
                run.done += 1
                current = run
                run.completed(index)
            case UInt8(ascii: "E"):
                guard var run = current else { return }
                run.failure = PipelineFailure(index: run.done, server: Self.serverError(&body))
                current = run
            case UInt8(ascii: "S"), UInt8(ascii: "A"):  // ParameterStatus, NotificationResponse: PostgresNIO's
                context.fireChannelRead(wrapInboundOut(whole))
            case UInt8(ascii: "G"):  // CopyInResponse: a migration has no rows to send
                var fail = context.channel.allocator.buffer(capacity: 64)
                fail.writeInteger(UInt8(ascii: "f"))
                let text = "COPY FROM STDIN cannot run in a migration"
                fail.writeInteger(Int32(4 + text.utf8.count + 1))
                fail.writeString(text)
                fail.writeInteger(UInt8(0))
                context.writeAndFlush(wrapOutboundOut(fail), promise: nil)
            case UInt8(ascii: "Z"):  // the Sync's ReadyForQuery: the pipeline is over
                finish(current?.failure)
                if let rest = buffer {
                    buffer = nil
                    countAnswers(rest)
                    context.fireChannelRead(wrapInboundOut(rest))
                }
            default:  // ParseComplete, BindComplete, rows, notices, copy-out data: nothing the run needs
                break
            }
        }
    }

    private func finish(_ failure: PipelineFailure?) {
        guard let run = current else { return }
        current = nil
        if let failure { run.promise.fail(failure) } else { run.promise.succeed(()) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(current?.failure ?? PipelineFailure(index: current?.done ?? 0, server: nil))
        buffer = nil
        deferred = nil
        context.fireChannelInactive()
    }

    /// An ErrorResponse's fields: severity (untranslated), SQLSTATE, message, detail, hint, position.
    static func serverError(_ body: inout ByteBuffer) -> ServerError {
        var fields: [UInt8: String] = [:]
        while let code = body.readInteger(as: UInt8.self), code != 0 {
            guard let end = body.readableBytesView.firstIndex(of: 0) else { break }
            fields[code] = body.readString(length: end - body.readerIndex)
            body.moveReaderIndex(forwardBy: 1)
        }
        return ServerError(
            severity: fields[UInt8(ascii: "V")] ?? fields[UInt8(ascii: "S")] ?? "ERROR",
            sqlState: fields[UInt8(ascii: "C")],
            message: fields[UInt8(ascii: "M")] ?? "the server reported an error",
            detail: fields[UInt8(ascii: "D")], hint: fields[UInt8(ascii: "H")],
            position: fields[UInt8(ascii: "P")].flatMap { Int($0) })
    }
}
