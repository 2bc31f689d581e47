import ParleyCrypto

/// A responder's medium-term X25519 prekey SPK with its identity key's signature over the 32 raw
/// public-key bytes.
public struct SignedPreKey: Sendable {
    /// The key pair.
    public let keyPair: X25519.PrivateKey
    /// Ed25519 signature by the identity key over `keyPair.publicKey.rawRepresentation`.
    public let signature: [UInt8]

    /// Makes and signs a fresh signed prekey.
    public init(identity: IdentityKeyPair, random: some RandomSource) {
        self.init(keyPair: X25519.PrivateKey(random: random), identity: identity)
    }

    /// Signs an existing key pair with `identity`.
    public init(keyPair: X25519.PrivateKey, identity: IdentityKeyPair) {
        self.keyPair = keyPair
        self.signature = identity.signingKey.signature(for: keyPair.publicKey.rawRepresentation)
    }

    /// Restores a stored signed prekey as it was.
    public init(keyPair: X25519.PrivateKey, signature: [UInt8]) {
        self.keyPair = keyPair
        self.signature = signature
    }
}

/// A responder's single-use X25519 prekey OPK.
public struct OneTimePreKey: Sendable {
    /// The key pair.
    public let keyPair: X25519.PrivateKey

    public init(keyPair: X25519.PrivateKey) { self.keyPair = keyPair }

    /// A fresh one-time prekey.
    public init(random: some RandomSource) { self.keyPair = X25519.PrivateKey(random: random) }
}
