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

        enum CodingKeys: String, CodingKey {
            case identitySeed = "identity_seed"
            case identityKey = "identity_key"
            case signedPrekey = "signed_prekey"
            case oneTimePrekey = "one_time_prekey"
            case oneTimePrekeys = "one_time_prekeys"
        }
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
        public let sharedSecret: String
        public let associatedData: String

        enum CodingKeys: String, CodingKey {
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
    }

    /// The format name this reader understands.
    public static let formatName = "parley-test-vectors/1"
}
