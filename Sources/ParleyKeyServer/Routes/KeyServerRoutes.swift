import Hummingbird
import Logging

/// The key server's routes: what each one parses, checks and stores (Specs/server-api.md §5).
///
/// Every authenticated handler collects the body, authenticates over exactly those bytes, and
/// only then decodes and acts. Errors are thrown as ``ServerError`` and turned into JSON by
/// ``ErrorMiddleware``.
struct KeyServerRoutes: Sendable {
    let storage: any KeyServerStorage
    let limits: ServerLimits
    let clock: ServerClock
    let authenticator: RequestAuthenticator
    let metrics: ServerMetrics
    /// Buckets for `POST /v1/keys/claim`.
    let claimLimiter: RateLimiter<DeviceAddress>
    /// Buckets for `PUT /v1/messages`.
    let sendLimiter: RateLimiter<DeviceAddress>
    /// Buckets per target device for the one-time prekeys claims hand out.
    let claimTargetLimiter: RateLimiter<DeviceAddress>
    /// Buckets for `GET /v1/users/{user}/devices`.
    let lookupLimiter: RateLimiter<DeviceAddress>
    /// Buckets per client address for registrations.
    let registrationLimiter: RateLimiter<ClientAddress>
    /// Peers whose `X-Forwarded-For` names the client.
    let trustedProxies: Set<String>
    /// Attachment files.
    let attachments: AttachmentStore
    /// Concurrent uploads and upload bytes per device.
    let uploadGate: UploadGate
    /// Push to connected devices.
    let notifier: any MailboxNotifier

    init(
        storage: any KeyServerStorage, limits: ServerLimits, clock: ServerClock, metrics: ServerMetrics,
        attachments: AttachmentStore, notifier: any MailboxNotifier, trustedProxies: Set<String> = []
    ) {
        self.trustedProxies = trustedProxies
        self.attachments = attachments
        uploadGate = UploadGate(limits: limits)
        self.notifier = notifier
        self.storage = storage
        self.limits = limits
        self.clock = clock
        self.metrics = metrics
        claimLimiter = RateLimiter(rate: limits.claimRate, clock: clock)
        sendLimiter = RateLimiter(rate: limits.sendRate, clock: clock)
        claimTargetLimiter = RateLimiter(rate: limits.claimTargetRate, clock: clock)
        lookupLimiter = RateLimiter(rate: limits.lookupRate, clock: clock)
        registrationLimiter = RateLimiter(rate: limits.registrationRate, clock: clock)
        authenticator = RequestAuthenticator(storage: storage, clock: clock, windowMilliseconds: limits.replayWindowMilliseconds)
    }

    /// Adds every API route to `router` (`/metrics` is on a listener of its own: ``registerMetrics(on:)``).
    func register(on router: Router<KeyServerRequestContext>) {
        router.get("/health") { _, _ in health() }
        router.post("/v1/accounts") { request, context in
            try await createAccount(request, from: clientAddress(request, context), logger: context.logger)
        }
        router.post("/v1/devices") { request, context in try await addDevice(request, logger: context.logger) }
        router.put("/v1/devices/list") { request, context in try await setDeviceList(request, logger: context.logger) }
        router.delete("/v1/devices/{id}") { request, context in
            try await removeDevice(request, id: context.parameters.get("id"), logger: context.logger)
        }
        router.get("/v1/users/{user}/devices") { request, context in
            try await listDevices(request, user: context.parameters.get("user"))
        }
        router.put("/v1/keys/signed-prekey") { request, _ in try await setSignedPreKey(request) }
        router.post("/v1/keys/one-time") { request, _ in try await addOneTimePreKeys(request) }
        router.put("/v1/keys/pq-last-resort") { request, _ in try await setPQLastResortPreKey(request) }
        router.post("/v1/keys/pq-one-time") { request, _ in try await addPQOneTimePreKeys(request) }
        router.get("/v1/keys/count") { request, _ in try await countPreKeys(request) }
        router.post("/v1/keys/claim") { request, context in try await claim(request, logger: context.logger) }
        router.put("/v1/messages") { request, _ in try await send(request) }
        router.get("/v1/messages") { request, _ in try await fetch(request) }
        router.post("/v1/messages/ack") { request, _ in try await acknowledge(request) }
        router.put("/v1/attachments") { request, context in try await uploadAttachment(request, context: context) }
        router.get("/v1/attachments/{id}") { request, context in
            try await downloadAttachment(request, id: context.parameters.get("id"), context: context)
        }
    }

    /// Adds `GET /metrics` to the operator's router.
    func registerMetrics<Context: RequestContext>(on router: Router<Context>) {
        router.get("/metrics") { _, _ in try await metricsText() }
    }

    /// Whom the per-address limits count for this request.
    func clientAddress(_ request: Request, _ context: KeyServerRequestContext) -> ClientAddress {
        ClientAddress(peer: context.remoteAddress, headers: request.headers, trustedProxies: trustedProxies)
    }

    /// Collects the body (at most `limit` bytes, ``ServerLimits/maxRequestBytes`` unless given) and
    /// authenticates the calling device over it.
    func authenticated(_ request: Request, limit: Int? = nil) async throws -> (AuthenticatedDevice, [UInt8]) {
        let body = try await JSONInput.collect(request, limit: limit ?? limits.maxRequestBytes)
        let caller = try await authenticator.authenticate(request, body: body)
        return (caller, body)
    }
}
