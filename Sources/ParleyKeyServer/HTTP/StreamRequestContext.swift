import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The request context of `GET /v1/stream`: Hummingbird's WebSocket context plus the connection's
/// channel (to answer a refused upgrade with JSON, and to close a stream whose client stopped
/// reading) and the device the upgrade authenticated.
public struct StreamRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    /// The connection.
    let channel: any Channel
    /// Set by the upgrade decision, read by the stream handler.
    let caller = StreamCaller()

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        channel = source.channel
    }
}

/// The device a stream upgrade authenticated, handed from the upgrade decision to the handler.
final class StreamCaller: @unchecked Sendable {
    private let lock = NSLock()
    private var device: AuthenticatedDevice?

    /// The authenticated device, once set.
    var value: AuthenticatedDevice? {
        get { lock.withLock { device } }
        set { lock.withLock { device = newValue } }
    }
}
