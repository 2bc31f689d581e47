import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1

/// The key server's connections: HTTP/1.1 with the `GET /v1/stream` upgrade, guarded before the
/// first byte is parsed (Specs/server-api.md §4.3).
///
/// Hummingbird's upgrade channel adds its own handlers (and idle timeout) only once a first
/// request head was parsed, so a socket that never completes one is not watched there. This
/// wraps it: ``ConnectionAdmissionHandler`` and ``ConnectionTimeoutHandler`` go first, on raw
/// bytes, and ``MalformedRequestHandler`` right after the HTTP decoder.
struct GuardedServerChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value

    let inner: Inner
    let limits: ConnectionLimits
    let table: ConnectionTable

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            try channel.pipeline.syncOperations.addHandler(ConnectionAdmissionHandler(table: table))
            try channel.pipeline.syncOperations.addHandler(ConnectionTimeoutHandler(limits: limits))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let decoder = try channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try channel.pipeline.syncOperations.addHandler(MalformedRequestHandler(), position: .after(decoder))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with the WebSocket upgrade routed by `webSocketRouter`, every connection guarded
    /// by `limits` (``GuardedServerChannel``), and streams pinged every
    /// ``ConnectionLimits/streamPingSeconds``.
    static func guardedHTTP1WebSocketUpgrade(
        webSocketRouter: Router<StreamRequestContext>, limits: ConnectionLimits
    ) -> HTTPServerBuilder {
        let webSocketResponder = webSocketRouter.buildResponder()
        let table = ConnectionTable(limitPerAddress: limits.connectionsPerAddress)
        let configuration = HTTP1WebSocketUpgradeChannel.Configuration(
            http1: .init(idleTimeout: .seconds(Int64(limits.idleTimeoutSeconds))),
            ws: .init(
                maxFrameSize: 1 << 14, autoPing: .enabled(timePeriod: .seconds(limits.streamPingSeconds)),
                closeTimeout: .seconds(limits.streamWriteTimeoutSeconds)))
        return HTTPServerBuilder { responder in
            GuardedServerChannel(
                inner: HTTP1WebSocketUpgradeChannel(
                    responder: responder, webSocketResponder: webSocketResponder, configuration: configuration),
                limits: limits, table: table)
        }
    }
}
