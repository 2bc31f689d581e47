import Hummingbird
import NIOCore

/// The request context of the key server's API: Hummingbird's basic context plus the TCP peer's
/// address, which the per-address limits need (Specs/server-api.md §4.3).
public struct KeyServerRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer; nil where there is none (in-process tests).
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
