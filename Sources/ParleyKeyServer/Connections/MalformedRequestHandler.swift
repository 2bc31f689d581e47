import NIOCore
import NIOHTTP1

/// Right after the HTTP/1.1 decoder: when the bytes are not a request the decoder reads (an
/// unknown method, `Transfer-Encoding` with `Content-Length`, oversized headers, a bad chunk size,
/// a body cut short), answers with the JSON error (`400 malformed_request`,
/// `431 headers_too_large`) and closes. Without it the decoder's error reached no one: no answer,
/// and the connection stayed open.
///
/// Also the place a refused stream upgrade answers from (``refuse(_:on:)``): Hummingbird answers
/// a refused upgrade with an empty `400` of its own, which is dropped here (it then closes).
/// Once it answered, it reads nothing more and lets nothing else out.
final class MalformedRequestHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = Any
    typealias InboundOut = Any
    typealias OutboundIn = Any
    typealias OutboundOut = Any

    private var answered = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Whatever arrives after an answer is not read.
        guard !answered else { return }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !answered else {
            promise?.succeed(())
            return
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        // The decoder reads nothing after an error: answered, then closed.
        answer(parserError == .headerOverflow ? .headersTooLarge : .malformedRequest, context: context)
            .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    /// Writes `error` as the whole response (once); what else is written afterwards is dropped.
    /// - Returns: when the answer is written.
    func answer(_ error: ServerError, context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        guard !answered else { return context.eventLoop.makeSucceededVoidFuture() }
        answered = true
        // Bytes must not pass the HTTP encoder (nearer the front than this handler): they are
        // written from the raw-byte handler's place instead.
        guard let front = try? context.pipeline.syncOperations.context(handlerType: ConnectionTimeoutHandler.self) else {
            return context.close()
        }
        let bytes = RawErrorResponse.bytes(for: error, allocator: context.channel.allocator)
        return front.writeAndFlush(NIOAny(bytes))
    }

    /// Answers `error` on `channel` (a refused `GET /v1/stream` upgrade); Hummingbird closes the
    /// connection after its own (dropped) answer.
    /// - Returns: once the answer is written (or could not be).
    static func refuse(_ error: ServerError, on channel: any Channel) async {
        let written = channel.eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
            guard let context = try? channel.pipeline.syncOperations.context(handlerType: MalformedRequestHandler.self),
                let handler = context.handler as? MalformedRequestHandler
            else {
                return channel.close()
            }
            return handler.answer(error, context: context)
        }
        try? await written.get()
    }
}
