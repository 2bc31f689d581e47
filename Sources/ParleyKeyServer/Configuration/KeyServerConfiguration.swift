/// Everything ``buildApplication(configuration:storage:logger:)`` needs besides the storage.
public struct KeyServerConfiguration: Sendable {
    /// Address to listen on; loopback by default.
    public var host: String
    /// Port to listen on (0: any free port).
    public var port: Int
    /// Limits on requests and storage.
    public var limits: ServerLimits
    /// The clock used for timestamps, the replay window and expiry.
    public var clock: ServerClock
    /// Seconds between sweeps of expired messages, attachments and replay records.
    public var purgeIntervalSeconds: Int
    /// Directory for attachment files (`attachments/` is created inside it on the first upload).
    public var dataDirectory: String
    /// Where `GET /metrics` is served, apart from the API (nil: nowhere). Loopback by default in
    /// `parley-server` (`--metrics-listen`): the totals are for the operator, not for clients.
    public var metricsAddress: (host: String, port: Int)?
    /// Peer addresses (IP literals) of reverse proxies whose `X-Forwarded-For` is believed: for a
    /// request from one of them the client address is the last address in that header. Empty by
    /// default (`--trusted-proxy`): otherwise any client could pick its own address.
    public var trustedProxies: Set<String> = []

    /// Creates a configuration.
    /// - Parameters:
    ///   - host: address to listen on.
    ///   - port: port to listen on.
    ///   - limits: limits.
    ///   - clock: clock.
    ///   - purgeIntervalSeconds: seconds between expiry sweeps.
    ///   - dataDirectory: directory for attachment files.
    public init(
        host: String = "127.0.0.1", port: Int = 8080, limits: ServerLimits = ServerLimits(), clock: ServerClock = .system,
        purgeIntervalSeconds: Int = 60, dataDirectory: String = ServerOptions.defaultDataDirectory
    ) {
        self.dataDirectory = dataDirectory
        self.host = host
        self.port = port
        self.limits = limits
        self.clock = clock
        self.purgeIntervalSeconds = purgeIntervalSeconds
    }
}
