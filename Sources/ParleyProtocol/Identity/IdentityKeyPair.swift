import ParleyCrypto

/// A party's long-term identity: an Ed25519 key pair (signs prekeys) whose X25519 form x(IK)
/// takes part in X3DH. The conversion is done once here, not per handshake.
public struct IdentityKeyPair: Sendable {
    /// The Ed25519 private key.
    public let signingKey: Ed25519.PrivateKey
    /// x(IK): the same key pair as an X25519 key.
    let agreementKey: X25519.PrivateKey

    /// The public identity key IK.
    public var publicKey: Ed25519.PublicKey { signingKey.publicKey }

    /// The identity whose Ed25519 key `crypto_sign_seed_keypair` makes from `seed` (32 bytes).
    ///
    /// - Throws: ``CryptoError/invalidLength(expected:actual:)`` unless 32 bytes.
    public init(seed: SecureBytes) throws(CryptoError) {
        self.init(signingKey: try Ed25519.PrivateKey(seed: seed))
    }

    /// A fresh identity.
    public init(random: some RandomSource) {
        self.init(signingKey: Ed25519.PrivateKey(random: random))
    }

    /// Wraps an existing Ed25519 key.
    public init(signingKey: Ed25519.PrivateKey) {
        self.signingKey = signingKey
        self.agreementKey = signingKey.keyAgreementKey()
    }
}

extension IdentityKeyPair: CustomStringConvertible, CustomReflectable {
    public var description: String { "IdentityKeyPair(public: \(publicKey), private: redacted)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
