/// Client-side shapes of the key server's JSON bodies (Specs/server-api.md §5). Bytes are
/// standard base64 strings; they are decoded and length-checked where they are used.

struct DeviceJSON: Codable, Sendable {
    let id: UInt32
    let identityKey: String
    let certificate: String

    enum CodingKeys: String, CodingKey {
        case id
        case identityKey = "identity_key"
        case certificate
    }
}

/// `POST /v1/devices` as a primary device sends it when linking another device.
struct AddDeviceBody: Encodable {
    let id: UInt32
    let identityKey: String
    let certificate: String
    let linkProof: String

    enum CodingKeys: String, CodingKey {
        case id
        case identityKey = "identity_key"
        case certificate
        case linkProof = "link_proof"
    }
}

struct CreateAccountBody: Encodable {
    let user: String
    let accountKey: String
    let device: DeviceJSON

    enum CodingKeys: String, CodingKey {
        case user
        case accountKey = "account_key"
        case device
    }
}

struct DeviceListJSON: Codable {
    let user: String
    let accountKey: String
    let devices: [DeviceJSON]

    enum CodingKeys: String, CodingKey {
        case user
        case accountKey = "account_key"
        case devices
    }
}

struct SignedPreKeyBody: Encodable {
    let key: String
    let signature: String
}

struct OneTimePreKeysBody: Encodable {
    let keys: [String]
}

struct PreKeyCountJSON: Decodable {
    let oneTime: Int

    enum CodingKeys: String, CodingKey {
        case oneTime = "one_time"
    }
}

struct ClaimBody: Encodable {
    let user: String
    let devices: [UInt32]?
}

struct BundleJSON: Decodable {
    let device: UInt32
    let identityKey: String
    let certificate: String
    let signedPreKey: String
    let signedPreKeySignature: String
    let oneTimePreKey: String?

    enum CodingKeys: String, CodingKey {
        case device
        case identityKey = "identity_key"
        case certificate
        case signedPreKey = "signed_prekey"
        case signedPreKeySignature = "signed_prekey_signature"
        case oneTimePreKey = "one_time_prekey"
    }
}

struct ClaimJSON: Decodable {
    let bundles: [BundleJSON]
}

struct OutgoingMessageJSON: Encodable {
    let user: String
    let device: UInt32
    let body: String
}

struct SendBody: Encodable {
    let messages: [OutgoingMessageJSON]
}

struct SendJSON: Decodable {
    let ids: [Int64]
}

/// One envelope as `GET /v1/messages` and the stream's frames carry it.
struct EnvelopeJSON: Decodable, Sendable {
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
}

struct FetchJSON: Decodable {
    let messages: [EnvelopeJSON]
}

struct AckBody: Encodable {
    let ids: [Int64]
}

struct AttachmentJSON: Decodable {
    let id: String
}

struct ErrorJSON: Decodable {
    let error: String
    let message: String
}
