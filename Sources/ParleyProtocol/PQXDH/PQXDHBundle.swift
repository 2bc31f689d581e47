import ParleyCrypto

/// What a Parley-v2 initiator fetches to start a session: IK_B, SPK_B with its v2 signature,
/// possibly one OPK_B, and always one PQ prekey PQPK_B with its signature. Public values only.
///
/// The PQ prekey is not optional: a bundle without one is not a Parley-v2 bundle, and there is
/// no fallback to Parley-v1 (that would let a server downgrade sessions).
public struct PQXDHBundle: Sendable, Equatable {
    /// IK_B (Ed25519).
    public let identityKey: Ed25519.PublicKey
    /// SPK_B.
    public let signedPreKey: X25519.PublicKey
    /// Sign(IK_B, "parley-spk-v2" || SPK_B).
    public let signedPreKeySignature: [UInt8]
    /// OPK_B, when the server still had one.
    public let oneTimePreKey: X25519.PublicKey?
    /// PQPK_B (one-time or last resort; the initiator cannot tell and need not).
    public let pqPreKey: MLKEM.PublicKey
    /// Sign(IK_B, "parley-pqpk-v2" || PQPK_B).
    public let pqPreKeySignature: [UInt8]

    /// A bundle as fetched; nothing is verified until ``PQXDH/initiate(identity:bundle:random:encapsulator:)``.
    public init(
        identityKey: Ed25519.PublicKey,
        signedPreKey: X25519.PublicKey,
        signedPreKeySignature: [UInt8],
        oneTimePreKey: X25519.PublicKey?,
        pqPreKey: MLKEM.PublicKey,
        pqPreKeySignature: [UInt8]
    ) {
        self.identityKey = identityKey
        self.signedPreKey = signedPreKey
        self.signedPreKeySignature = signedPreKeySignature
        self.oneTimePreKey = oneTimePreKey
        self.pqPreKey = pqPreKey
        self.pqPreKeySignature = pqPreKeySignature
    }

    /// PQID_B = SHA-256(PQPK_B).
    public var pqPreKeyID: PQPreKeyID { PQPreKeyID(publicKey: pqPreKey) }
}
