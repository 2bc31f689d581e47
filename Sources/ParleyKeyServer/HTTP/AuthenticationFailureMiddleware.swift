import Hummingbird

/// Bounds what failed authentications can cost (``ServerLimits/authenticationFailureRate``): every
/// `401` a client address earns spends one token of its budget, and while the budget is empty
/// every request from that address is answered `429` before the route reads its body or checks
/// a signature. Signed requests are otherwise limited per calling device only after their
/// signature verified, so without this a flood of forged requests (any known device id, random
/// signatures) cost one Ed25519 verification each, without bound.
struct AuthenticationFailureMiddleware: RouterMiddleware {
    typealias Context = KeyServerRequestContext

    let limiter: RateLimiter<ClientAddress>
    let trustedProxies: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let address = ClientAddress(peer: context.remoteAddress, headers: request.headers, trustedProxies: trustedProxies)
        try limiter.check(for: address)
        do {
            return try await next(request, context)
        } catch let error as ServerError where error.status == .unauthorized {
            _ = limiter.tryTake(for: address)
            throw error
        }
    }
}
