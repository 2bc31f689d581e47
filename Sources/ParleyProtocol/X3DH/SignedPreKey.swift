import ParleyCrypto

/// A responder's medium-term X25519 prekey SPK with its identity key's signature:
/// Parley-v1 signs the 32 raw public-key bytes, Parley-v2 signs `"parley-spk-v2" || SPK`
/// (``SignatureDomain/signedPreKeyV2``).
public struct SignedPreKey: Sendable {
    /// The key pair.
    public let keyPair: X25519.PrivateKey
    /// Ed25519 signature by the identity key over ``signedMessage(for:version:)``.
    public let signature: [UInt8]

    /// Makes and signs a fresh signed prekey.
    public init(identity: IdentityKeyPair, random: some RandomSource) {
        self.init(keyPair: X25519.PrivateKey(random: random), identity: identity)
    }

    /// Signs an existing key pair with `identity` for Parley-v1 bundles.
    public init(keyPair: X25519.PrivateKey, identity: IdentityKeyPair) {
        self.init(keyPair: keyPair, identity: identity, version: .v1)
    }

    /// Makes and signs a fresh signed prekey for bundles of `version`.
    public init(identity: IdentityKeyPair, version: ProtocolVersion, random: some RandomSource) {
        self.init(keyPair: X25519.PrivateKey(random: random), identity: identity, version: version)
    }

    /// Signs an existing key pair with `identity` for bundles of `version`.
    public init(keyPair: X25519.PrivateKey, identity: IdentityKeyPair, version: ProtocolVersion) {
        self.keyPair = keyPair
        self.signature = identity.signingKey.signature(for: Self.signedMessage(for: keyPair.publicKey, version: version))
    }

    /// What the identity key signs for `publicKey` in `version`: the raw key (Parley-v1, fixed
    /// by its wire format), or `"parley-spk-v2" || SPK` (Parley-v2).
    public static func signedMessage(for publicKey: X25519.PublicKey, version: ProtocolVersion) -> [UInt8] {
        switch version {
        case .v1: publicKey.rawRepresentation
        case .v2: SignatureDomain.signedPreKeyV2 + publicKey.rawRepresentation
        }
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
