import NIOCore
import NIOPosix

/// A loopback TCP relay in front of a real PostgreSQL. It passes the handshake through; at the client's first query it
/// runs `terminate` (the test ends the backend with `pg_terminate_backend`) instead of passing the query on, then
/// passes on the server's last words (FATAL 57P01) but not its hang-up. That is what a client sees when a switchover's
/// shutdown ends its backend just before its first statement while the FIN is still in flight, without racing one.
struct TerminatingRelay {
    private let listener: any Channel
    /// The port it listens on, at 127.0.0.1.
    let port: Int

    static func start(
        upstreamHost: String, upstreamPort: Int, terminate: @escaping @Sendable () async -> Void
    ) async throws -> TerminatingRelay {
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { client in
                ClientBootstrap(group: client.eventLoop)
                    .channelInitializer { server in
                        server.eventLoop.makeCompletedFuture {
                            try server.pipeline.syncOperations.addHandler(Forward(to: client))
                        }
                    }
                    .connect(host: upstreamHost, port: upstreamPort)
                    .flatMapThrowing { server in
                        try client.pipeline.syncOperations.addHandler(
                            HoldFirstQuery(server: server, terminate: terminate))
                    }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TerminatingRelay(listener: listener, port: listener.localAddress?.port ?? 0)
    }

    func stop() async throws {
        try await listener.close()
    }
}

/// Server to client: every byte, but not the hang-up (the client's side closes when the client closes it).
private final class Forward: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let peer: any Channel

    init(to peer: any Channel) { self.peer = peer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        peer.writeAndFlush(unwrapInboundIn(data), promise: nil)
    }
}

/// Client to server, message by message: the start-up messages (SSLRequest, StartupMessage) and typed messages (a
/// password) pass; at the first Query or Parse it stops passing anything on and calls `terminate`.
private final class HoldFirstQuery: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let server: any Channel
    private let terminate: @Sendable () async -> Void
    private var pending = ByteBuffer()
    private var started = false
    private var holding = false

    init(server: any Channel, terminate: @escaping @Sendable () async -> Void) {
        self.server = server
        self.terminate = terminate
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard !holding else { return }
        pending.writeBuffer(&bytes)
        while let message = nextMessage() {
            if started, let type = message.getInteger(at: message.readerIndex, as: UInt8.self),
                type == UInt8(ascii: "Q") || type == UInt8(ascii: "P")
            {
                holding = true
                let terminate = terminate
                Task { await terminate() }
                break
            }
            server.writeAndFlush(message, promise: nil)
        }
        context.read()
    }

    func channelActive(context: ChannelHandlerContext) {
        context.read()
    }

    func channelInactive(context: ChannelHandlerContext) {
        server.close(promise: nil)
    }

    /// The next whole message: untyped (length first) until the StartupMessage has passed, typed after.
    private func nextMessage() -> ByteBuffer? {
        let header = started ? 1 : 0
        guard let length = pending.getInteger(at: pending.readerIndex + header, as: Int32.self),
            pending.readableBytes >= header + Int(length)
        else { return nil }
        if !started {
            // 80877103 is SSLRequest's code (and 80877104 GSSENCRequest's): the StartupMessage still follows.
            let code = pending.getInteger(at: pending.readerIndex + 4, as: Int32.self)
            started = code != 80_877_103 && code != 80_877_104
        }
        return pending.readSlice(length: header + Int(length))
    }
}
