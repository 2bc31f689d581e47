import NIOCore

/// Near the front of every connection's pipeline, on raw bytes: closes a connection that reads
/// and writes nothing for ``ConnectionLimits/idleTimeoutSeconds``, and one whose first request's
/// headers are not complete ``ConnectionLimits/requestHeadTimeoutSeconds`` after their first byte
/// arrived (answering `408` first when nothing was written yet). A connection that sends nothing
/// at all is the idle timeout's: a client may connect ahead of its first request. Headers end at the first blank line,
/// found by scanning the bytes read until then; after that only the idle timeout applies (it
/// also covers a stalled body, a keep-alive socket left open, and a stream after its upgrade,
/// which pings keep busy).
final class ConnectionTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = Any
    typealias OutboundOut = Any

    private let idleTimeout: TimeAmount
    private let headTimeout: TimeAmount
    private var lastActivity = NIODeadline.now()
    private var idleCheck: Scheduled<Void>?
    private var headDeadline: Scheduled<Void>?
    private var headComplete = false
    /// The last bytes read while looking for the blank line (it may span two reads).
    private var scanTail: [UInt8] = []
    private var wroteAnything = false

    init(limits: ConnectionLimits) {
        idleTimeout = .seconds(Int64(limits.idleTimeoutSeconds))
        headTimeout = .seconds(Int64(limits.requestHeadTimeoutSeconds))
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastActivity = .now()
        if !headComplete {
            if headDeadline == nil { startHeadDeadline(context: context) }
            scan(unwrapInboundIn(data))
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        lastActivity = .now()
        wroteAnything = true
        context.write(data, promise: promise)
    }

    private func start(context: ChannelHandlerContext) {
        lastActivity = .now()
        scheduleIdleCheck(context: context, in: idleTimeout)
    }

    private func startHeadDeadline(context: ChannelHandlerContext) {
        headDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: headTimeout) { [self] in
            guard !headComplete else { return }
            if !wroteAnything {
                let answer = RawErrorResponse.bytes(for: .requestTimeout, allocator: context.channel.allocator)
                context.writeAndFlush(NIOAny(answer), promise: nil)
            }
            context.close(promise: nil)
        }
    }

    private func scheduleIdleCheck(context: ChannelHandlerContext, in delay: TimeAmount) {
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            let idleFor = NIODeadline.now() - lastActivity
            if idleFor >= idleTimeout {
                context.close(promise: nil)
            } else {
                scheduleIdleCheck(context: context, in: idleTimeout - idleFor)
            }
        }
    }

    private func stop() {
        idleCheck?.cancel()
        headDeadline?.cancel()
        idleCheck = nil
        headDeadline = nil
    }

    /// Marks the head complete once `\r\n\r\n` (or a bare `\n\n`) has been read.
    private func scan(_ buffer: ByteBuffer) {
        var previous = scanTail
        for byte in buffer.readableBytesView {
            previous.append(byte)
            if previous.count > 4 { previous.removeFirst(previous.count - 4) }
            if previous.suffix(4) == [13, 10, 13, 10] || previous.suffix(2) == [10, 10] {
                headComplete = true
                headDeadline?.cancel()
                headDeadline = nil
                scanTail = []
                return
            }
        }
        scanTail = previous
    }
}
