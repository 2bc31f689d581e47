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

/// `GET /v1/keys/count` response: the device's stock on the server and the ages of its
/// replaceable keys (null when the device has none, or uploaded it before the server recorded
/// upload times).
public struct PreKeyStatusResponse: Codable, Sendable, Equatable {
    /// One-time (X25519) prekeys held.
    public let oneTime: Int
    /// One-time PQ (ML-KEM-1024) prekeys held.
    public let pqOneTime: Int
    /// Seconds since the signed prekey was uploaded.
    public let signedPreKeyAgeSeconds: Int64?
    /// Seconds since the last-resort PQ prekey was uploaded.
    public let pqLastResortAgeSeconds: Int64?

    /// Creates a response.
    /// - Parameters:
    ///   - oneTime: one-time prekeys held.
    ///   - pqOneTime: one-time PQ prekeys held.
    ///   - signedPreKeyAgeSeconds: age of the signed prekey, if known.
    ///   - pqLastResortAgeSeconds: age of the last-resort PQ prekey, if any.
    public init(oneTime: Int, pqOneTime: Int, signedPreKeyAgeSeconds: Int64?, pqLastResortAgeSeconds: Int64?) {
        self.oneTime = oneTime
        self.pqOneTime = pqOneTime
        self.signedPreKeyAgeSeconds = signedPreKeyAgeSeconds
        self.pqLastResortAgeSeconds = pqLastResortAgeSeconds
    }

    enum CodingKeys: String, CodingKey {
        case oneTime = "one_time"
        case pqOneTime = "pq_one_time"
        case signedPreKeyAgeSeconds = "signed_prekey_age_s"
        case pqLastResortAgeSeconds = "pq_last_resort_age_s"
    }

    /// Writes the ages as explicit nulls when unknown.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(oneTime, forKey: .oneTime)
        try container.encode(pqOneTime, forKey: .pqOneTime)
        try container.encode(signedPreKeyAgeSeconds, forKey: .signedPreKeyAgeSeconds)
        try container.encode(pqLastResortAgeSeconds, forKey: .pqLastResortAgeSeconds)
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
    /// The device's PQ prekey for this claim; absent (not null) when the device has none.
    public let pqPreKey: ClaimedPQPreKeyJSON?

    public init(
        device: UInt32, identityKey: String, certificate: String, signedPreKey: String, signedPreKeySignature: String,
        oneTimePreKey: String?, pqPreKey: ClaimedPQPreKeyJSON? = nil
    ) {
        self.pqPreKey = pqPreKey
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
        case pqPreKey = "pq_prekey"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(device, forKey: .device)
        try container.encode(identityKey, forKey: .identityKey)
        try container.encode(certificate, forKey: .certificate)
        try container.encode(signedPreKey, forKey: .signedPreKey)
        try container.encode(signedPreKeySignature, forKey: .signedPreKeySignature)
        try container.encode(oneTimePreKey, forKey: .oneTimePreKey)
        try container.encodeIfPresent(pqPreKey, forKey: .pqPreKey)
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
