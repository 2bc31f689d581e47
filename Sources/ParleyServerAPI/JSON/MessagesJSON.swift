/// Bodies of the mailbox and attachment routes (Specs/server-api.md §5.4–5.6) and the error body
/// (§3). Bytes are standard base64 strings.

/// One message of a `PUT /v1/messages` body.
public struct OutgoingMessageJSON: Codable, Sendable {
    public let user: String
    public let device: UInt32
    public let body: String

    public init(user: String, device: UInt32, body: String) {
        self.user = user
        self.device = device
        self.body = body
    }
}

/// `PUT /v1/messages` body.
public struct SendRequest: Codable, Sendable {
    public let messages: [OutgoingMessageJSON]

    public init(messages: [OutgoingMessageJSON]) { self.messages = messages }
}

/// `PUT /v1/messages` response: the envelope ids, in request order.
public struct SendResponse: Codable, Sendable {
    public let ids: [Int64]

    public init(ids: [Int64]) { self.ids = ids }
}

/// One envelope, as `GET /v1/messages` and the `GET /v1/stream` frames carry it.
public struct EnvelopeJSON: Codable, Sendable {
    public let id: Int64
    public let senderUser: String
    public let senderDevice: UInt32
    public let timestamp: Int64
    public let body: String

    public init(id: Int64, senderUser: String, senderDevice: UInt32, timestamp: Int64, body: String) {
        self.id = id
        self.senderUser = senderUser
        self.senderDevice = senderDevice
        self.timestamp = timestamp
        self.body = body
    }

    enum CodingKeys: String, CodingKey {
        case id
        case senderUser = "sender_user"
        case senderDevice = "sender_device"
        case timestamp
        case body
    }
}

/// `GET /v1/messages` response.
public struct FetchResponse: Codable, Sendable {
    public let messages: [EnvelopeJSON]

    public init(messages: [EnvelopeJSON]) { self.messages = messages }
}

/// `POST /v1/messages/ack` body.
public struct AckRequest: Codable, Sendable {
    public let ids: [Int64]

    public init(ids: [Int64]) { self.ids = ids }
}

/// `POST /v1/messages/ack` response.
public struct AckResponse: Codable, Sendable {
    public let acknowledged: Int

    public init(acknowledged: Int) { self.acknowledged = acknowledged }
}

/// `PUT /v1/attachments` response.
public struct AttachmentResponse: Codable, Sendable {
    public let id: String

    public init(id: String) { self.id = id }
}

/// Every error response: a stable code and a sentence for people.
public struct ErrorResponse: Codable, Sendable, Equatable {
    public let error: String
    public let message: String

    public init(error: String, message: String) {
        self.error = error
        self.message = message
    }
}
