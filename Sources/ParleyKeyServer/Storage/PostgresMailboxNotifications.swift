import Foundation
import Logging
import PostgresNIO

/// Announcements that a message was stored for a device, from any server process on the same
/// PostgreSQL database: `LISTEN` on the channel that ``PostgresKeyServerStorage`` `NOTIFY`s in the
/// same transaction as each insert (payload `user/device`, sent only if the insert commits).
///
/// Independent of the push transport: whoever delivers pushes reads ``addresses`` and fetches the
/// device's mailbox. A notification is a hint, never a message: it carries no body and may be
/// coalesced or lost (e.g. during a reconnect), so a client still fetches over HTTP.
public final class PostgresMailboxNotifications: Sendable {
    /// Longest accepted payload: a user id (32) + "/" + a u32 (10 digits), with room to spare.
    static let maximumPayloadBytes = 64

    /// Recipient devices of newly stored messages, in arrival order; ends when ``run(onListening:)``
    /// returns.
    public let addresses: AsyncStream<DeviceAddress>
    private let continuation: AsyncStream<DeviceAddress>.Continuation
    private let configuration: PostgresStorageConfiguration
    private let logger: Logger

    /// Creates the listener; nothing connects until ``run(onListening:)``.
    /// - Parameters:
    ///   - configuration: the same database and channel as the storage.
    ///   - bufferLimit: addresses kept for a slow reader; beyond it the oldest are dropped (they
    ///     are hints; the mailbox itself loses nothing).
    ///   - logger: where connection failures are logged (never payloads).
    public init(
        configuration: PostgresStorageConfiguration, bufferLimit: Int = 4096,
        logger: Logger = Logger(label: "parley-server.notifications")
    ) {
        (addresses, continuation) = AsyncStream.makeStream(
            of: DeviceAddress.self, bufferingPolicy: .bufferingNewest(max(1, bufferLimit)))
        self.configuration = configuration
        self.logger = logger
    }

    /// Connects, listens and yields addresses until the task is cancelled or the connection fails;
    /// then finishes ``addresses`` and closes the connection.
    /// - Parameter onListening: called once `LISTEN` is in effect (notifications from then on arrive).
    /// - Throws: connection errors.
    public func run(onListening: @Sendable () -> Void = {}) async throws {
        defer { continuation.finish() }
        var quiet = logger
        quiet.logLevel = .critical
        let connection = try await PostgresConnection.connect(
            configuration: try Self.connectionConfiguration(configuration), id: 1, logger: quiet)
        do {
            try await connection.listen(on: configuration.notificationChannel) { notifications in
                onListening()
                // Ends when the task is cancelled (the stream's iterator returns nil) or the
                // connection closes.
                for try await notification in notifications {
                    do {
                        continuation.yield(try Self.address(fromPayload: notification.payload))
                    } catch {
                        logger.warning("ignored a malformed mailbox notification", metadata: ["error": "\(error)"])
                    }
                }
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try? await connection.close()
    }

    /// Parses a notification payload, `user/device`.
    /// - Throws: ``PostgresStorageError/invalidNotification`` for anything else.
    static func address(fromPayload payload: String) throws(PostgresStorageError) -> DeviceAddress {
        guard payload.utf8.count <= maximumPayloadBytes, let address = DeviceAddress(header: payload) else {
            throw .invalidNotification
        }
        return address
    }

    private static func connectionConfiguration(_ configuration: PostgresStorageConfiguration) throws
        -> PostgresConnection.Configuration
    {
        let tls: PostgresConnection.Configuration.TLS
        switch configuration.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        return PostgresConnection.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username,
            password: configuration.password, database: configuration.database, tls: tls)
    }
}
