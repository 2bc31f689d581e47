import AsyncHTTPClient
import NIOCore

/// The one HTTP client every connection to a key server uses, for the life of the process.
///
/// Not AsyncHTTPClient's shared client: that one follows redirects (a signed request must go
/// only where it was signed for) and keeps retrying a refused connection until the request's
/// deadline (a server that is down must be reported at once).
enum HTTPTransport {
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10), read: .seconds(60)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
