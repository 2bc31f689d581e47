import Foundation

/// One file of TestVectors/ in the "parley-test-vectors/1" format (Specs/test-vectors.md).
/// Byte strings are lowercase hex; unknown keys are ignored.
public struct TestVector: Decodable, Sendable {
    public let format: String
    public let suite: String
    public let kind: String
    public let name: String
    public let description: String?

    // kind "x3dh" and "session"
    public let alice: Party
    public let bob: Party
    // kind "x3dh"
    public let ephemeral: String?
    public let signature: String?
    public let expect: X3DHExpectation?
    // kind "x3dh", Parley-v2
    public let pqSignature: String?
    public let encapsulation: Encapsulation?
    // kind "session", Parley-v2
    public let kemEncapsulations: KEMEncapsulations?
    // kind "session"
    public let x3dh: SessionX3DH?
    public let ratchetKeys: RatchetKeys?
    public let steps: [Step]?

    public struct Party: Decodable, Sendable {
        public let identitySeed: String
        /// Kind "x3dh", Bob only: an identity key that replaces the one of `identitySeed` in
        /// the bundle (a key no seed gives, for `invalid_key`).
        public let identityKey: String?
        public let signedPrekey: String?
        public let oneTimePrekey: String?
        public let oneTimePrekeys: [String]?
        /// Parley-v2 sessions, Bob: the PQ prekeys held at the start.
        public let pqPrekeys: [PQPrekey]?
        /// Parley-v2 kind "x3dh", Bob: the PQ prekey's 64-byte seed.
        public let pqPrekeySeed: String?

        enum CodingKeys: String, CodingKey {
            case pqPrekeys = "pq_prekeys"
            case pqPrekeySeed = "pq_prekey_seed"
            case identitySeed = "identity_seed"
            case identityKey = "identity_key"
            case signedPrekey = "signed_prekey"
            case oneTimePrekey = "one_time_prekey"
            case oneTimePrekeys = "one_time_prekeys"
        }
    }

    /// A PQ prekey Bob holds: its seed `d || z` and kind ("one_time" or "last_resort").
    public struct PQPrekey: Decodable, Sendable {
        public let seed: String
        public let kind: String
    }

    /// One ML-KEM encapsulation: ciphertext (1568 bytes) and shared secret (32 bytes).
    public struct Encapsulation: Decodable, Sendable {
        public let ciphertext: String
        public let sharedSecret: String

        enum CodingKeys: String, CodingKey {
            case ciphertext
            case sharedSecret = "shared_secret"
        }
    }

    /// Encapsulations consumed in order by Alice's session starts.
    public struct KEMEncapsulations: Decodable, Sendable {
        public let alice: [Encapsulation]
    }

    public struct X3DHExpectation: Decodable, Sendable {
        public let sharedSecret: String?
        public let associatedData: String?
        public let error: String?

        enum CodingKeys: String, CodingKey {
            case sharedSecret = "shared_secret"
            case associatedData = "associated_data"
            case error
        }
    }

    public struct SessionX3DH: Decodable, Sendable {
        public let ephemeral: String
        public let oneTimePrekey: String?
        /// Parley-v2: the PQID (hex) of the PQ prekey in the bundle Alice uses.
        public let pqPrekey: String?
        public let sharedSecret: String
        public let associatedData: String

        enum CodingKeys: String, CodingKey {
            case pqPrekey = "pq_prekey"
            case ephemeral
            case oneTimePrekey = "one_time_prekey"
            case sharedSecret = "shared_secret"
            case associatedData = "associated_data"
        }
    }

    public struct RatchetKeys: Decodable, Sendable {
        public let alice: [String]
        public let bob: [String]
    }

    public struct Step: Decodable, Sendable {
        public let op: String
        public let party: String
        public let plaintext: String?
        public let nonce: String?
        public let wire: String
        public let error: String?
    }

    enum CodingKeys: String, CodingKey {
        case format, suite, kind, name, description, alice, bob, ephemeral, signature, expect, x3dh, steps
        case ratchetKeys = "ratchet_keys"
        case pqSignature = "pq_signature"
        case encapsulation
        case kemEncapsulations = "kem_encapsulations"
    }

    /// The suite names this reader understands.
    public static let suites = ["Parley-v1", "Parley-v2"]

    /// The format name this reader understands.
    public static let formatName = "parley-test-vectors/1"
}
