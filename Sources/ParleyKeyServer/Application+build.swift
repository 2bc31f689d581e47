import Hummingbird
import Logging

/// Builds the key server's router: middlewares (observability outside, errors inside) and routes.
///
/// - Parameters:
///   - configuration: limits and clock.
///   - storage: the directory and mailboxes.
///   - metrics: counters that `/metrics` shows.
/// - Returns: the router; its `routes` lists every endpoint (the OpenAPI test reads it).
public func buildRouter(
    configuration: KeyServerConfiguration, storage: any KeyServerStorage, metrics: ServerMetrics = ServerMetrics()
) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: ObservabilityMiddleware(metrics: metrics))
    router.add(middleware: ErrorMiddleware())
    KeyServerRoutes(
        storage: storage, limits: configuration.limits, clock: configuration.clock, metrics: metrics,
        attachments: AttachmentStore(dataDirectory: configuration.dataDirectory)
    )
    .register(on: router)
    return router
}

/// Builds the key server application; tests call it in-process (`app.test(.router)`), the
/// `parley-server` executable runs it.
///
/// - Parameters:
///   - configuration: address, limits and clock.
///   - storage: the directory and mailboxes.
///   - logger: where structured logs go (never bodies or keys).
/// - Returns: the application, with the expiry sweep as a service.
public func buildApplication(
    configuration: KeyServerConfiguration, storage: any KeyServerStorage, logger: Logger = Logger(label: "parley-server")
) -> some ApplicationProtocol {
    let router = buildRouter(configuration: configuration, storage: storage)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "parley-server"),
        services: [
            ExpiryService(
                storage: storage, attachments: AttachmentStore(dataDirectory: configuration.dataDirectory),
                configuration: configuration, logger: logger)
        ],
        logger: logger
    )
}
