import Foundation
import ParleyProtocol

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
    /// Received but could not be decrypted, or outgoing and never sent (restored from a backup
    /// while still in the outbox); `failureReason` says which.
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

/// An envelope fetched from the server, to be decrypted and committed.
public struct IncomingEnvelope: Sendable {
    /// The server's envelope id (stored only as a keyed hash).
    public var id: String
    public var sender: PeerAddress
    /// The wire bytes.
    public var body: [UInt8]
    /// The history this message belongs to (usually the sender's user id).
    public var conversation: String
    /// Milliseconds since 1970.
    public var timestamp: Int64
    /// Decides, from the decrypted plaintext, where the message goes; nil keeps it in
    /// `conversation` as an incoming message.
    public var placement: (@Sendable ([UInt8]) -> MessagePlacement)?
    /// Which identity key the sender's sessions may have, decided inside the receiving
    /// transaction (``IdentityTrust``); by default the one pinned by the sender's session record.
    public var trust: IdentityTrust
    /// The attachment a decrypted plaintext names, if any: recorded in the receiving transaction
    /// (unless its id is recorded already), so that an accepted message never loses its file
    /// pointer to a crash between the commit and the download.
    public var attachment: (@Sendable ([UInt8]) -> AttachmentRecord?)?
    /// Which suites the message may use (``VersionPolicy``): a Parley-v1 message where v1 is
    /// disabled fails as `unsupported_version` with nothing changed. Both by default, so that
    /// stores holding v1 sessions keep working until their caller disables v1.
    public var versions: VersionPolicy

    public init(
        id: String, sender: PeerAddress, body: [UInt8], conversation: String, timestamp: Int64,
        placement: (@Sendable ([UInt8]) -> MessagePlacement)? = nil, trust: IdentityTrust = .pinnedByRecord,
        attachment: (@Sendable ([UInt8]) -> AttachmentRecord?)? = nil, versions: VersionPolicy = .all
    ) {
        self.id = id
        self.sender = sender
        self.body = body
        self.conversation = conversation
        self.timestamp = timestamp
        self.placement = placement
        self.trust = trust
        self.attachment = attachment
        self.versions = versions
    }
}

/// Where a decrypted message is kept, decided by the app from its plaintext inside the receiving
/// transaction (a copy of one's own sent message belongs to the recipient's conversation; a
/// delivery receipt belongs to no history).
public enum MessagePlacement: Sendable, Equatable {
    /// A history row in `conversation`, in `direction`.
    case history(conversation: String, direction: MessageDirection)
    /// No history row; the plaintext is only returned.
    case none
}

// Byte fields are encoded as base64 strings (Data's Codable form) rather than JSON arrays of
// numbers: four times smaller inside the sealed value and much faster to encode.
extension StoredMessage {
    private enum CodingKeys: String, CodingKey {
        case rowID, conversation, direction, peerUser, peerDevice, body, timestamp, state, failureReason
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rowID = try container.decode(Int64.self, forKey: .rowID)
        conversation = try container.decode(String.self, forKey: .conversation)
        direction = try container.decode(MessageDirection.self, forKey: .direction)
        peerUser = try container.decode(String.self, forKey: .peerUser)
        peerDevice = try container.decode(UInt32.self, forKey: .peerDevice)
        body = Array(try container.decode(Data.self, forKey: .body))
        timestamp = try container.decode(Int64.self, forKey: .timestamp)
        state = try container.decode(DeliveryState.self, forKey: .state)
        failureReason = try container.decodeIfPresent(String.self, forKey: .failureReason)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rowID, forKey: .rowID)
        try container.encode(conversation, forKey: .conversation)
        try container.encode(direction, forKey: .direction)
        try container.encode(peerUser, forKey: .peerUser)
        try container.encode(peerDevice, forKey: .peerDevice)
        try container.encode(Data(body), forKey: .body)
        try container.encode(timestamp, forKey: .timestamp)
        try container.encode(state, forKey: .state)
        try container.encodeIfPresent(failureReason, forKey: .failureReason)
    }
}

extension OutboxItem {
    private enum CodingKeys: String, CodingKey {
        case rowID, recipientUser, recipientDevice, wire, messageRowID
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rowID = try container.decode(Int64.self, forKey: .rowID)
        recipientUser = try container.decode(String.self, forKey: .recipientUser)
        recipientDevice = try container.decode(UInt32.self, forKey: .recipientDevice)
        wire = Array(try container.decode(Data.self, forKey: .wire))
        messageRowID = try container.decodeIfPresent(Int64.self, forKey: .messageRowID)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rowID, forKey: .rowID)
        try container.encode(recipientUser, forKey: .recipientUser)
        try container.encode(recipientDevice, forKey: .recipientDevice)
        try container.encode(Data(wire), forKey: .wire)
        try container.encodeIfPresent(messageRowID, forKey: .messageRowID)
    }
}
