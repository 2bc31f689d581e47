/// Wire shapes of the prekey routes (Specs/server-api.md §5.3). Bytes are base64.

/// `PUT /v1/keys/signed-prekey` body.
struct SignedPreKeyRequest: Decodable {
    let key: String
    let signature: String
}

/// `POST /v1/keys/one-time` body.
struct OneTimePreKeysRequest: Decodable {
    let keys: [String]
}

/// `POST /v1/keys/one-time` and `GET /v1/keys/count` response.
struct PreKeyCountResponse: Encodable {
    let oneTime: Int

    enum CodingKeys: String, CodingKey {
        case oneTime = "one_time"
    }
}

/// `POST /v1/keys/claim` body.
struct ClaimRequest: Decodable {
    let user: String
    let devices: [UInt32]?
}

/// One bundle of a claim response.
struct BundleJSON: Encodable {
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

    init(_ bundle: PreKeyBundleRecord) {
        device = bundle.device.id
        identityKey = JSONOutput.base64(bundle.device.identityKey.rawRepresentation)
        certificate = JSONOutput.base64(bundle.device.certificate)
        signedPreKey = JSONOutput.base64(bundle.signedPreKey.key.rawRepresentation)
        signedPreKeySignature = JSONOutput.base64(bundle.signedPreKey.signature)
        oneTimePreKey = bundle.oneTimePreKey.map { JSONOutput.base64($0.rawRepresentation) }
    }

    /// `one_time_prekey` is written as `null` when absent, not left out.
    func encode(to encoder: any Encoder) throws {
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
struct ClaimResponse: Encodable {
    let user: String
    let bundles: [BundleJSON]
}
