import Hummingbird
import HummingbirdWebSocket
import Logging
import ServiceLifecycle

/// Builds the key server's router: middlewares (observability outside, errors inside) and routes.
///
/// - Parameters:
///   - configuration: limits and clock.
///   - storage: the directory and mailboxes.
///   - metrics: counters that `/metrics` shows (on its own listener, ``buildMetricsRouter(configuration:storage:metrics:)``).
///   - notifier: where the send route announces new envelopes.
/// - Returns: the router; its `routes` lists every endpoint (the OpenAPI test reads it).
public func buildRouter(
    configuration: KeyServerConfiguration, storage: any KeyServerStorage, metrics: ServerMetrics = ServerMetrics(),
    notifier: (any MailboxNotifier)? = nil
) -> Router<KeyServerRequestContext> {
    let notifier = notifier ?? InProcessMailboxNotifier(limits: configuration.limits.connections)
    let router = Router(context: KeyServerRequestContext.self)
    router.add(middleware: ObservabilityMiddleware(metrics: metrics))
    router.add(middleware: ErrorMiddleware())
    router.add(
        middleware: AuthenticationFailureMiddleware(
            limiter: RateLimiter(rate: configuration.limits.authenticationFailureRate, clock: configuration.clock),
            trustedProxies: configuration.trustedProxies))
    routes(configuration: configuration, storage: storage, metrics: metrics, notifier: notifier).register(on: router)
    return router
}

/// Builds the router that decides WebSocket upgrades (`GET /v1/stream`); plain requests never
/// reach it.
///
/// - Parameters:
///   - configuration: limits and clock.
///   - storage: the directory and mailboxes (for authentication).
///   - notifier: where pushed envelopes come from.
/// - Returns: the WebSocket router; its `routes` lists `GET /v1/stream`.
public func buildWebSocketRouter(
    configuration: KeyServerConfiguration, storage: any KeyServerStorage, notifier: any MailboxNotifier
) -> Router<StreamRequestContext> {
    let router = Router(context: StreamRequestContext.self)
    router.add(middleware: ErrorMiddleware())
    routes(configuration: configuration, storage: storage, metrics: ServerMetrics(), notifier: notifier)
        .registerStream(on: router)
    return router
}

/// Builds the router of the operator's listener: `GET /metrics` only, never on the API's listener
/// (user and device totals are not for clients; Specs/server-api.md §5.7).
///
/// - Parameters:
///   - configuration: limits and clock.
///   - storage: where the totals come from.
///   - metrics: the counters the API's router records into.
/// - Returns: the router.
public func buildMetricsRouter(
    configuration: KeyServerConfiguration, storage: any KeyServerStorage, metrics: ServerMetrics
) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: ErrorMiddleware())
    routes(configuration: configuration, storage: storage, metrics: metrics, notifier: InProcessMailboxNotifier())
        .registerMetrics(on: router)
    return router
}

private func routes(
    configuration: KeyServerConfiguration, storage: any KeyServerStorage, metrics: ServerMetrics,
    notifier: any MailboxNotifier
) -> KeyServerRoutes {
    KeyServerRoutes(
        storage: storage, limits: configuration.limits, clock: configuration.clock, metrics: metrics,
        attachments: AttachmentStore(dataDirectory: configuration.dataDirectory), notifier: notifier,
        trustedProxies: configuration.trustedProxies)
}

/// Builds the key server application; tests call it in-process (`app.test(.router)`), the
/// `parley-server` executable runs it.
///
/// - Parameters:
///   - configuration: address, limits and clock; with a ``KeyServerConfiguration/metricsAddress``,
///     `GET /metrics` is served there by a second listener that runs as one of the services.
///   - storage: the directory and mailboxes.
///   - logger: where structured logs go (never bodies or keys).
///   - notifier: push to connected devices; in-process (with the configuration's stream limits)
///     unless a shared backend provides one.
///   - onListening: called once the main listener is bound, with the port it got (the one asked
///     for, or the kernel's choice for port 0).
/// - Returns: the application, with the expiry sweep (and the metrics listener) as services.
public func buildApplication(
    configuration: KeyServerConfiguration, storage: any KeyServerStorage, logger: Logger = Logger(label: "parley-server"),
    notifier: (any MailboxNotifier)? = nil, onListening: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let notifier = notifier ?? InProcessMailboxNotifier(limits: configuration.limits.connections)
    let metrics = ServerMetrics()
    let router = buildRouter(configuration: configuration, storage: storage, metrics: metrics, notifier: notifier)
    let webSocketRouter = buildWebSocketRouter(configuration: configuration, storage: storage, notifier: notifier)
    var services: [any Service] = [
        ExpiryService(
            storage: storage, attachments: AttachmentStore(dataDirectory: configuration.dataDirectory),
            configuration: configuration, logger: logger)
    ]
    if let address = configuration.metricsAddress {
        services.append(
            Application(
                router: buildMetricsRouter(configuration: configuration, storage: storage, metrics: metrics),
                configuration: .init(address: .hostname(address.host, port: address.port), serverName: "parley-server-metrics"),
                logger: logger))
    }
    return Application(
        router: router,
        server: .guardedHTTP1WebSocketUpgrade(webSocketRouter: webSocketRouter, limits: configuration.limits.connections),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "parley-server"),
        services: services,
        onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}
