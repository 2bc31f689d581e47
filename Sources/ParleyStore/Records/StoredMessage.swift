import Foundation

/// Which way a message went.
public enum MessageDirection: String, Codable, Sendable {
    case incoming
    case outgoing
}

/// How far an outgoing message got (incoming messages are `.received`, or `.failed` when they
/// could not be decrypted).
public enum DeliveryState: String, Codable, Sendable {
    /// In the outbox, not yet accepted by the server.
    case pending
    /// Accepted by the server.
    case sent
    /// The recipient confirmed it.
    case delivered
    /// Received and decrypted.
    case received
    /// Received but could not be decrypted (`failureReason` says why).
    case failed
}

/// One message of a conversation's history, as kept (sealed) in the store.
public struct StoredMessage: Codable, Sendable, Equatable {
    /// The store's row id (increasing in storage order).
    public internal(set) var rowID: Int64
    /// The conversation (e.g. the peer's user id) this message belongs to.
    public var conversation: String
    public var direction: MessageDirection
    /// The other party's user id and device.
    public var peerUser: String
    public var peerDevice: UInt32
    /// The decrypted payload (its encoding belongs to the client layer).
    public var body: [UInt8]
    /// Milliseconds since 1970 when it was sent or received.
    public var timestamp: Int64
    public var state: DeliveryState
    /// For `.failed`: the decryption error category.
    public var failureReason: String?

    public init(
        conversation: String, direction: MessageDirection, peerUser: String, peerDevice: UInt32, body: [UInt8],
        timestamp: Int64, state: DeliveryState, failureReason: String? = nil
    ) {
        self.rowID = 0
        self.conversation = conversation
        self.direction = direction
        self.peerUser = peerUser
        self.peerDevice = peerDevice
        self.body = body
        self.timestamp = timestamp
        self.state = state
        self.failureReason = failureReason
    }
}

/// An encrypted message waiting to be accepted by the server.
public struct OutboxItem: Codable, Sendable, Equatable {
    /// The store's row id; pass it to ``EncryptedStore/markSent(_:)``.
    public internal(set) var rowID: Int64
    public var recipientUser: String
    public var recipientDevice: UInt32
    /// The wire bytes to send (already encrypted; resend exactly these).
    public var wire: [UInt8]
    /// The history row of the message, updated to `.sent` when the server accepts it.
    public var messageRowID: Int64?
}
