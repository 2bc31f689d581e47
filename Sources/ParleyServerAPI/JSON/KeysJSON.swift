/// Bodies of the prekey routes (Specs/server-api.md §5.3). Bytes are standard base64 strings.

/// `PUT /v1/keys/signed-prekey` body.
public struct SignedPreKeyRequest: Codable, Sendable {
    public let key: String
    public let signature: String

    public init(key: String, signature: String) {
        self.key = key
        self.signature = signature
    }
}

/// `POST /v1/keys/one-time` body.
public struct OneTimePreKeysRequest: Codable, Sendable {
    public let keys: [String]

    public init(keys: [String]) { self.keys = keys }
}

/// `GET /v1/keys/count` response.
public struct PreKeyCountResponse: Codable, Sendable {
    public let oneTime: Int

    public init(oneTime: Int) { self.oneTime = oneTime }

    enum CodingKeys: String, CodingKey {
        case oneTime = "one_time"
    }
}

/// `POST /v1/keys/claim` body; no `devices` means all of the user's devices.
public struct ClaimRequest: Codable, Sendable {
    public let user: String
    public let devices: [UInt32]?

    public init(user: String, devices: [UInt32]?) {
        self.user = user
        self.devices = devices
    }
}

/// One device's prekey bundle in a claim response.
public struct BundleJSON: Codable, Sendable {
    public let device: UInt32
    public let identityKey: String
    public let certificate: String
    public let signedPreKey: String
    public let signedPreKeySignature: String
    /// Null (written explicitly) when the device had no one-time prekey left.
    public let oneTimePreKey: String?

    public init(
        device: UInt32, identityKey: String, certificate: String, signedPreKey: String, signedPreKeySignature: String,
        oneTimePreKey: String?
    ) {
        self.device = device
        self.identityKey = identityKey
        self.certificate = certificate
        self.signedPreKey = signedPreKey
        self.signedPreKeySignature = signedPreKeySignature
        self.oneTimePreKey = oneTimePreKey
    }

    enum CodingKeys: String, CodingKey {
        case device
        case identityKey = "identity_key"
        case certificate
        case signedPreKey = "signed_prekey"
        case signedPreKeySignature = "signed_prekey_signature"
        case oneTimePreKey = "one_time_prekey"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(device, forKey: .device)
        try container.encode(identityKey, forKey: .identityKey)
        try container.encode(certificate, forKey: .certificate)
        try container.encode(signedPreKey, forKey: .signedPreKey)
        try container.encode(signedPreKeySignature, forKey: .signedPreKeySignature)
        try container.encode(oneTimePreKey, forKey: .oneTimePreKey)
    }
}

/// `POST /v1/keys/claim` response.
public struct ClaimResponse: Codable, Sendable {
    public let user: String
    public let bundles: [BundleJSON]

    public init(user: String, bundles: [BundleJSON]) {
        self.user = user
        self.bundles = bundles
    }
}
