/// Bodies of the PQ prekey routes (Specs/server-api.md §5.3). Bytes are standard base64 strings;
/// a key is an ML-KEM-1024 public key (1568 bytes), a signature an Ed25519 signature (64 bytes)
/// over `"parley-pqpk-v2" || key` by the device's identity key.

/// One signed PQ prekey: the `PUT /v1/keys/pq-last-resort` body and an entry of
/// `POST /v1/keys/pq-one-time`.
public struct SignedPQPreKeyJSON: Codable, Sendable, Equatable {
    /// The ML-KEM-1024 public key, base64.
    public let key: String
    /// The identity key's signature over the domain prefix and the key, base64.
    public let signature: String

    /// Creates one.
    /// - Parameters:
    ///   - key: the public key, base64.
    ///   - signature: its signature, base64.
    public init(key: String, signature: String) {
        self.key = key
        self.signature = signature
    }
}

/// `POST /v1/keys/pq-one-time` body.
public struct PQOneTimePreKeysRequest: Codable, Sendable {
    /// The keys to add, at most 100 per call.
    public let keys: [SignedPQPreKeyJSON]

    /// Creates a body.
    /// - Parameter keys: the keys.
    public init(keys: [SignedPQPreKeyJSON]) { self.keys = keys }
}

/// `POST /v1/keys/pq-one-time` response: how many one-time PQ prekeys the device holds now.
public struct PQPreKeyCountResponse: Codable, Sendable {
    /// One-time PQ prekeys held.
    public let pqOneTime: Int

    /// Creates a response.
    /// - Parameter pqOneTime: one-time PQ prekeys held.
    public init(pqOneTime: Int) { self.pqOneTime = pqOneTime }

    enum CodingKeys: String, CodingKey {
        case pqOneTime = "pq_one_time"
    }
}

/// A PQ prekey in a claimed bundle: a one-time one (deleted on the server as it went out) or the
/// device's last-resort one.
public struct ClaimedPQPreKeyJSON: Codable, Sendable, Equatable {
    /// The ML-KEM-1024 public key, base64.
    public let key: String
    /// Its signature, base64.
    public let signature: String
    /// True for the last-resort key (handed out again to later claims), false for a one-time key.
    public let lastResort: Bool

    /// Creates one.
    /// - Parameters:
    ///   - key: the public key, base64.
    ///   - signature: its signature, base64.
    ///   - lastResort: whether it is the last-resort key.
    public init(key: String, signature: String, lastResort: Bool) {
        self.key = key
        self.signature = signature
        self.lastResort = lastResort
    }

    enum CodingKeys: String, CodingKey {
        case key
        case signature
        case lastResort = "last_resort"
    }
}
