import Hummingbird
import Logging

/// Turns every error into the JSON error body with its status (``ServerError/init(mapping:)``):
/// nothing thrown by a handler, the router or the body reader leaves the server as anything else.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let mapped = ServerError(mapping: error)
            if mapped == .internalError {
                // The type only: descriptions of storage errors could carry bound values.
                context.logger.error("internal error", metadata: ["error_type": "\(type(of: error))"])
            }
            return mapped.response
        }
    }
}
