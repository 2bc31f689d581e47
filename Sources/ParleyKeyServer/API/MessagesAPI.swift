/// Wire shapes of the mailbox routes (Specs/server-api.md §5.4). Bodies are base64.

/// One message of `PUT /v1/messages`.
struct OutgoingMessageJSON: Decodable {
    let user: String
    let device: UInt32
    let body: String
}

/// `PUT /v1/messages` body.
struct SendRequest: Decodable {
    let messages: [OutgoingMessageJSON]
}

/// `PUT /v1/messages` response.
struct SendResponse: Encodable {
    let ids: [Int64]
}

/// One envelope of `GET /v1/messages`.
struct EnvelopeJSON: Encodable {
    let id: Int64
    let senderUser: String
    let senderDevice: UInt32
    let timestamp: Int64
    let body: String

    enum CodingKeys: String, CodingKey {
        case id
        case senderUser = "sender_user"
        case senderDevice = "sender_device"
        case timestamp
        case body
    }

    init(_ envelope: Envelope) {
        id = envelope.id
        senderUser = envelope.sender.user.rawValue
        senderDevice = envelope.sender.device
        timestamp = envelope.timestamp
        body = JSONOutput.base64(envelope.body)
    }
}

/// `GET /v1/messages` response.
struct FetchResponse: Encodable {
    let messages: [EnvelopeJSON]
}

/// `POST /v1/messages/ack` body.
struct AckRequest: Decodable {
    let ids: [Int64]
}

/// `POST /v1/messages/ack` response.
struct AckResponse: Encodable {
    let acknowledged: Int
}
