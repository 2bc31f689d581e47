import ParleyCrypto

/// How a PQ prekey may be used (Specs/protocol.md §13.2).
public enum PQPreKeyKind: Sendable, Equatable {
    /// Deleted after its first successful use, like OPK_B.
    case oneTime
    /// One per device, handed out only when no one-time PQ prekey is left, rotated with the
    /// signed prekey. Each (PQID_B, EK_A) pair it was used with is recorded, so a replayed first
    /// message is a duplicate.
    case lastResort
}

/// A responder's ML-KEM-1024 prekey with the identity key's signature over
/// `"parley-pqpk-v2" || PQPK` (``SignatureDomain/pqPreKeyV2``, then the 1568 key bytes).
public struct PQPreKey: Sendable {
    /// The key pair (private key held as its 64-byte seed).
    public let keyPair: MLKEM.PrivateKey
    /// Ed25519 signature by the identity key over ``signedMessage(for:)``.
    public let signature: [UInt8]
    /// One-time or last resort.
    public let kind: PQPreKeyKind
    /// PQID = SHA-256(PQPK).
    public let id: PQPreKeyID

    /// Makes and signs a fresh PQ prekey; the seed is drawn from `random`.
    public init(kind: PQPreKeyKind, identity: IdentityKeyPair, random: some RandomSource) {
        self.init(keyPair: MLKEM.PrivateKey(random: random), kind: kind, identity: identity)
    }

    /// Signs an existing key pair with `identity`.
    public init(keyPair: MLKEM.PrivateKey, kind: PQPreKeyKind, identity: IdentityKeyPair) {
        self.init(
            keyPair: keyPair, signature: identity.signingKey.signature(for: Self.signedMessage(for: keyPair.publicKey)),
            kind: kind)
    }

    /// Restores a stored PQ prekey as it was.
    public init(keyPair: MLKEM.PrivateKey, signature: [UInt8], kind: PQPreKeyKind) {
        self.keyPair = keyPair
        self.signature = signature
        self.kind = kind
        self.id = PQPreKeyID(publicKey: keyPair.publicKey)
    }

    /// What the identity key signs for `publicKey`: `"parley-pqpk-v2" || PQPK`.
    public static func signedMessage(for publicKey: MLKEM.PublicKey) -> [UInt8] {
        SignatureDomain.pqPreKeyV2 + publicKey.rawRepresentation
    }
}

extension PQPreKey: CustomStringConvertible, CustomReflectable {
    public var description: String { "PQPreKey(\(id), \(kind), private: redacted)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
