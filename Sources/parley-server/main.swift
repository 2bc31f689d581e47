import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ParleyKeyServer

/// `parley-server`: runs the key server until SIGTERM or SIGINT, then shuts down gracefully.
@main
struct ParleyServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley-server",
        abstract: "The Parley key server: accounts, certified devices, prekey bundles and mailboxes."
    )

    @Option(help: "Address to listen on, HOST:PORT (env PARLEY_LISTEN; default 127.0.0.1:8080).")
    var listen: String?

    @Option(help: "sqlite:PATH or postgres://user@host:port/db (env PARLEY_DATABASE; default sqlite:./parley-server.sqlite).")
    var database: String?

    @Option(help: "Directory for attachment files (env PARLEY_DATA_DIR; default ./parley-data).")
    var dataDir: String?

    @Option(
        help:
            "Largest attachment in bytes (env PARLEY_MAX_ATTACHMENT_BYTES; default 105906176: a 100 MiB file with its encryption overhead)."
    )
    var maxAttachmentBytes: Int?

    @Option(help: "Days an attachment is kept (env PARLEY_ATTACHMENT_TTL_DAYS; default 30).")
    var attachmentTTLDays: Int?

    @Option(help: "Attachment bytes one device may upload per day (env PARLEY_ATTACHMENT_BYTES_PER_DAY; default 1073741824).")
    var attachmentBytesPerDay: Int?

    @Option(help: "Attachment uploads in progress at once, all devices (env PARLEY_MAX_CONCURRENT_UPLOADS; default 32).")
    var maxConcurrentUploads: Int?

    @Option(
        help: "Attachment uploads in progress at once per device (env PARLEY_MAX_CONCURRENT_UPLOADS_PER_DEVICE; default 2).")
    var maxConcurrentUploadsPerDevice: Int?

    @Option(help: "Slowest accepted upload in bytes per second (env PARLEY_MIN_UPLOAD_RATE; default 8192).")
    var minUploadRate: Int?

    @Option(help: "Seconds an upload may take before the minimum rate applies (env PARLEY_UPLOAD_GRACE_SECONDS; default 30).")
    var uploadGraceSeconds: Int?

    @Option(help: "Largest message body in bytes (env PARLEY_MAX_MESSAGE_BYTES; default 262144).")
    var maxMessageBytes: Int?

    @Option(help: "Most messages pending per device (env PARLEY_MAILBOX_LIMIT; default 10000).")
    var mailboxLimit: Int?

    @Option(
        help: "Most messages one sender device may have pending per recipient device (env PARLEY_SENDER_QUOTA; default 1000).")
    var senderQuota: Int?

    @Option(help: "Days an unacknowledged message is kept (env PARLEY_MESSAGE_TTL_DAYS; default 30).")
    var messageTTLDays: Int?

    @Option(help: "Claims a device may make in one burst (env PARLEY_CLAIM_BURST; default 30).")
    var claimBurst: Int?

    @Option(help: "Claims a device regains per minute (env PARLEY_CLAIM_PER_MINUTE; default 30).")
    var claimPerMinute: Int?

    @Option(help: "Send calls a device may make in one burst (env PARLEY_SEND_BURST; default 300).")
    var sendBurst: Int?

    @Option(help: "Send calls a device regains per minute (env PARLEY_SEND_PER_MINUTE; default 600).")
    var sendPerMinute: Int?

    @Option(help: "Seconds a connection may read and write nothing before it is closed (env PARLEY_IDLE_TIMEOUT; default 60).")
    var idleTimeout: Int?

    @Option(
        help:
            "Seconds from the first byte of a connection's first request until its headers are complete (env PARLEY_REQUEST_HEAD_TIMEOUT; default 10)."
    )
    var requestHeadTimeout: Int?

    @Option(help: "Open connections per client IP address (env PARLEY_CONNECTIONS_PER_ADDRESS; default 64).")
    var connectionsPerAddress: Int?

    @Option(help: "Open /v1/stream sockets per device (env PARLEY_STREAMS_PER_DEVICE; default 4).")
    var streamsPerDevice: Int?

    @Option(help: "Bytes of envelopes waiting to be written to one stream (env PARLEY_STREAM_BUFFER_BYTES; default 4194304).")
    var streamBufferBytes: Int?

    @Option(help: "Seconds one stream frame may take to be written (env PARLEY_STREAM_WRITE_TIMEOUT; default 30).")
    var streamWriteTimeout: Int?

    @Option(help: "Seconds between pings on a stream (env PARLEY_STREAM_PING_INTERVAL; default 30).")
    var streamPingInterval: Int?

    @Option(
        help:
            "One-time prekeys handed out per target device in one burst, whoever claims (env PARLEY_CLAIM_TARGET_BURST; default 20)."
    )
    var claimTargetBurst: Int?

    @Option(help: "One-time prekeys a target device's budget regains per minute (env PARLEY_CLAIM_TARGET_PER_MINUTE; default 6).")
    var claimTargetPerMinute: Int?

    @Flag(
        name: .customLong("require-pq-prekeys"), inversion: .prefixedNo,
        help:
            "Leave devices without a PQ prekey out of claims, as devices without a signed prekey are (env PARLEY_REQUIRE_PQ_PREKEYS=0 or 1; default on: clients start Parley-v2 sessions only)."
    )
    var requirePQPrekeys: Bool?

    @Option(help: "Device-list lookups a device may make in one burst (env PARLEY_LOOKUP_BURST; default 60).")
    var lookupBurst: Int?

    @Option(help: "Device-list lookups a device regains per minute (env PARLEY_LOOKUP_PER_MINUTE; default 60).")
    var lookupPerMinute: Int?

    @Option(help: "Registrations one client address may make in one burst (env PARLEY_REGISTRATION_BURST; default 20).")
    var registrationBurst: Int?

    @Option(help: "Registrations a client address regains per minute (env PARLEY_REGISTRATION_PER_MINUTE; default 10).")
    var registrationPerMinute: Int?

    @Option(
        help: "Failed authentications one client address may make in one burst (env PARLEY_AUTH_FAILURE_BURST; default 100).")
    var authFailureBurst: Int?

    @Option(help: "Failed authentications a client address regains per minute (env PARLEY_AUTH_FAILURE_PER_MINUTE; default 60).")
    var authFailurePerMinute: Int?

    @Option(help: "Replay records held in memory in all, SQLite only (env PARLEY_REPLAY_RECORDS; default 1000000).")
    var replayRecords: Int?

    @Option(
        help:
            "Replay records held in memory per device or per address being registered, SQLite only (env PARLEY_REPLAY_RECORDS_PER_DEVICE; default 50000)."
    )
    var replayRecordsPerDevice: Int?

    @Option(
        help:
            "Address for GET /metrics, HOST:PORT, apart from the API; 'off' serves no metrics (env PARLEY_METRICS_LISTEN; default 127.0.0.1:9464)."
    )
    var metricsListen: String?

    @Option(
        help: ArgumentHelp(
            "A reverse proxy's address whose X-Forwarded-For names the client for per-address limits; repeatable (env PARLEY_TRUSTED_PROXY, comma-separated; default none).",
            discussion:
                "Only for a proxy that appends the address it received the request from: the last X-Forwarded-For entry is used.")
    )
    var trustedProxy: [String] = []

    @Option(
        help:
            "PostgreSQL only: seconds to wait at start for the schema lock, which servers starting together on one database take in turn (env PARLEY_SCHEMA_LOCK_TIMEOUT; default 300)."
    )
    var schemaLockTimeout: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env LOG_LEVEL; default info).")
    var logLevel: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let listenText = ServerOptions.resolve(
            listen, ServerOptions.listenVariable, in: environment, default: ServerOptions.defaultListen)
        let databaseText = ServerOptions.resolve(
            database, ServerOptions.databaseVariable, in: environment, default: ServerOptions.defaultDatabase)
        let (host, port) = try ServerOptions.parseListen(listenText).mapError { ValidationError($0.description) }.get()
        let location = try ServerOptions.parseDatabase(databaseText).mapError { ValidationError($0.description) }.get()

        var limits = ServerLimits()
        if let value = try positive(maxMessageBytes, "PARLEY_MAX_MESSAGE_BYTES", environment) { limits.maxMessageBytes = value }
        if let value = try positive(mailboxLimit, "PARLEY_MAILBOX_LIMIT", environment) { limits.maxMailboxDepth = value }
        if let value = try positive(senderQuota, "PARLEY_SENDER_QUOTA", environment) { limits.maxPendingPerSender = value }
        if let value = try positive(messageTTLDays, "PARLEY_MESSAGE_TTL_DAYS", environment) {
            limits.messageTTLMilliseconds = Int64(value) * 24 * 3600 * 1000
        }
        if let value = try positive(maxAttachmentBytes, "PARLEY_MAX_ATTACHMENT_BYTES", environment) {
            limits.maxAttachmentBytes = value
        }
        if let value = try positive(attachmentTTLDays, "PARLEY_ATTACHMENT_TTL_DAYS", environment) {
            limits.attachmentTTLMilliseconds = Int64(value) * 24 * 3600 * 1000
        }
        if let value = try positive(attachmentBytesPerDay, "PARLEY_ATTACHMENT_BYTES_PER_DAY", environment) {
            limits.attachmentBytesPerDay = Int64(value)
        }
        if let value = try positive(maxConcurrentUploads, "PARLEY_MAX_CONCURRENT_UPLOADS", environment) {
            limits.maxConcurrentUploads = value
        }
        if let value = try positive(maxConcurrentUploadsPerDevice, "PARLEY_MAX_CONCURRENT_UPLOADS_PER_DEVICE", environment) {
            limits.maxConcurrentUploadsPerDevice = value
        }
        if let value = try positive(minUploadRate, "PARLEY_MIN_UPLOAD_RATE", environment) {
            limits.minUploadBytesPerSecond = value
        }
        if let value = try positive(uploadGraceSeconds, "PARLEY_UPLOAD_GRACE_SECONDS", environment) {
            limits.uploadGraceMilliseconds = Int64(value) * 1000
        }
        // Each rate: `--X-burst` (`PARLEY_X_BURST`) and `--X-per-minute` (`PARLEY_X_PER_MINUTE`).
        try rate(claimBurst, claimPerMinute, "PARLEY_CLAIM", environment, into: &limits.claimRate)
        try rate(sendBurst, sendPerMinute, "PARLEY_SEND", environment, into: &limits.sendRate)
        try rate(claimTargetBurst, claimTargetPerMinute, "PARLEY_CLAIM_TARGET", environment, into: &limits.claimTargetRate)
        try rate(lookupBurst, lookupPerMinute, "PARLEY_LOOKUP", environment, into: &limits.lookupRate)
        try rate(registrationBurst, registrationPerMinute, "PARLEY_REGISTRATION", environment, into: &limits.registrationRate)
        try rate(
            authFailureBurst, authFailurePerMinute, "PARLEY_AUTH_FAILURE", environment, into: &limits.authenticationFailureRate)
        if let value = try positive(replayRecords, "PARLEY_REPLAY_RECORDS", environment) { limits.replayCache.records = value }
        if let value = try positive(replayRecordsPerDevice, "PARLEY_REPLAY_RECORDS_PER_DEVICE", environment) {
            limits.replayCache.recordsPerDevice = value
        }
        // On unless turned off by the flag or, without the flag, by the environment.
        limits.requirePQPreKeys =
            try requirePQPrekeys
            ?? (environment["PARLEY_REQUIRE_PQ_PREKEYS"] == nil || Self.isOn("PARLEY_REQUIRE_PQ_PREKEYS", environment))
        try applyConnectionLimits(to: &limits.connections, environment)
        guard
            [
                limits.claimRate, limits.sendRate, limits.claimTargetRate, limits.lookupRate, limits.registrationRate,
                limits.authenticationFailureRate,
            ]
            .allSatisfy(\.isValid)
        else {
            throw ValidationError("Rate limit numbers must be from 1 to \(RateLimit.maximum).")
        }

        var logger = Logger(label: "parley-server")
        let levelText = logLevel ?? environment["LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelText) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical.")
        }
        logger.logLevel = level

        let dataDirectory = ServerOptions.resolve(
            dataDir, ServerOptions.dataDirectoryVariable, in: environment, default: ServerOptions.defaultDataDirectory)
        var configuration = KeyServerConfiguration(host: host, port: port, limits: limits, dataDirectory: dataDirectory)
        let metricsText = ServerOptions.resolve(
            metricsListen, ServerOptions.metricsListenVariable, in: environment, default: ServerOptions.defaultMetricsListen)
        if metricsText != ServerOptions.metricsOff {
            let address = try ServerOptions.parseListen(metricsText, flag: "--metrics-listen")
                .mapError { ValidationError($0.description) }.get()
            configuration.metricsAddress = address
        }
        let proxies =
            trustedProxy.isEmpty
            ? (environment[ServerOptions.trustedProxyVariable]?.split(separator: ",").map(String.init) ?? []) : trustedProxy
        configuration.trustedProxies = try ServerOptions.parseTrustedProxies(proxies)
            .mapError { ValidationError($0.description) }.get()
        switch location {
        case .sqlite(let path):
            let storage = try SQLiteKeyServerStorage(path: path, limits: limits)
            logger.info("storage opened", metadata: ["backend": "sqlite", "path": "\(path)"])
            try await serve(configuration: configuration, storage: storage, logger: logger)
            // After draining: the WAL goes into the database file, which then holds everything.
            try await storage.close()
        case .postgres(let url):
            var postgres: PostgresStorageConfiguration
            do {
                postgres = try PostgresStorageConfiguration(url: url)
            } catch {
                throw ValidationError("--database: \(error.description).")
            }
            if let value = try positive(schemaLockTimeout, "PARLEY_SCHEMA_LOCK_TIMEOUT", environment) {
                guard value <= PostgresStorageConfiguration.maximumStartupWaitSeconds else {
                    throw ValidationError(
                        "The schema lock timeout must be at most \(PostgresStorageConfiguration.maximumStartupWaitSeconds) seconds."
                    )
                }
                postgres.schemaLockTimeoutSeconds = value
            }
            let storage = PostgresKeyServerStorage(configuration: postgres, logger: logger)
            // The pool runs, and the schema is created, before the first request; both stop after
            // the server has drained.
            try await storage.withRunning {
                logger.info(
                    "storage opened",
                    metadata: ["backend": "postgres", "host": "\(postgres.host)", "database": "\(postgres.database)"])
                // Push across processes: relays LISTEN notifications to this process's sockets.
                let notifier = PostgresMailboxNotifier(
                    storage: storage, configuration: postgres, limits: limits.connections, logger: logger)
                let relay = Task { await notifier.run() }
                defer { relay.cancel() }
                try await serve(configuration: configuration, storage: storage, notifier: notifier, logger: logger)
            }
        }
        logger.info("stopped")
    }

    /// Runs the application until SIGTERM or SIGINT: Hummingbird's service group stops accepting,
    /// drains requests and returns.
    private func serve(
        configuration: KeyServerConfiguration, storage: any KeyServerStorage,
        notifier: (any MailboxNotifier)? = nil, logger: Logger
    ) async throws {
        let host = configuration.host
        let app = buildApplication(configuration: configuration, storage: storage, logger: logger, notifier: notifier) {
            port in
            // One line on standard output once the socket is bound: operators and tests learn the
            // port (also the kernel's choice with `--listen HOST:0`) without polling.
            FileHandle.standardOutput.write(Data("parley-server listening on http://\(host):\(port)\n".utf8))
        }
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    /// Sets `rate` from a burst and a per-minute flag, each falling back to `PREFIX_BURST` and
    /// `PREFIX_PER_MINUTE`; what neither sets keeps its default.
    private func rate(
        _ burst: Int?, _ perMinute: Int?, _ prefix: String, _ environment: [String: String], into rate: inout RateLimit
    ) throws {
        if let value = try positive(burst, prefix + "_BURST", environment) { rate.capacity = value }
        if let value = try positive(perMinute, prefix + "_PER_MINUTE", environment) { rate.refillPerMinute = value }
    }

    /// The connection and stream flags (Specs/server-api.md §4.3).
    private func applyConnectionLimits(to connections: inout ConnectionLimits, _ environment: [String: String]) throws {
        if let value = try positive(idleTimeout, "PARLEY_IDLE_TIMEOUT", environment) { connections.idleTimeoutSeconds = value }
        if let value = try positive(requestHeadTimeout, "PARLEY_REQUEST_HEAD_TIMEOUT", environment) {
            connections.requestHeadTimeoutSeconds = value
        }
        if let value = try positive(connectionsPerAddress, "PARLEY_CONNECTIONS_PER_ADDRESS", environment) {
            connections.connectionsPerAddress = value
        }
        if let value = try positive(streamsPerDevice, "PARLEY_STREAMS_PER_DEVICE", environment) {
            connections.streamsPerDevice = value
        }
        if let value = try positive(streamBufferBytes, "PARLEY_STREAM_BUFFER_BYTES", environment) {
            connections.streamBufferBytes = value
        }
        if let value = try positive(streamWriteTimeout, "PARLEY_STREAM_WRITE_TIMEOUT", environment) {
            connections.streamWriteTimeoutSeconds = value
        }
        if let value = try positive(streamPingInterval, "PARLEY_STREAM_PING_INTERVAL", environment) {
            connections.streamPingSeconds = value
        }
    }

    /// Whether a switch's environment variable is `1` or `true` (absent: off).
    /// - Throws: `ValidationError` for any other value.
    private static func isOn(_ variable: String, _ environment: [String: String]) throws -> Bool {
        guard let value = environment[variable] else { return false }
        switch value.lowercased() {
        case "1", "true": return true
        case "0", "false", "": return false
        default: throw ValidationError("\(variable) must be 1, true, 0 or false.")
        }
    }

    /// A positive integer from the flag or else the environment variable, nil when neither is set.
    private func positive(_ flag: Int?, _ variable: String, _ environment: [String: String]) throws -> Int? {
        guard let value = flag ?? environment[variable].flatMap({ Int($0) }) else {
            if environment[variable] != nil { throw ValidationError("\(variable) must be a positive integer.") }
            return nil
        }
        guard value > 0 else { throw ValidationError("Limits must be positive integers (\(variable)).") }
        return value
    }
}
