import ParleyCrypto

/// What an initiator fetches to start a session with a responder: IK_B, SPK_B with its
/// signature, and possibly one OPK_B. Public values only.
public struct PreKeyBundle: Sendable, Equatable {
    /// IK_B (Ed25519).
    public let identityKey: Ed25519.PublicKey
    /// SPK_B.
    public let signedPreKey: X25519.PublicKey
    /// Sig_B: Ed25519 signature by IK_B over the 32 raw bytes of SPK_B.
    public let signedPreKeySignature: [UInt8]
    /// OPK_B, when the server still had one.
    public let oneTimePreKey: X25519.PublicKey?

    public init(
        identityKey: Ed25519.PublicKey,
        signedPreKey: X25519.PublicKey,
        signedPreKeySignature: [UInt8],
        oneTimePreKey: X25519.PublicKey?
    ) {
        self.identityKey = identityKey
        self.signedPreKey = signedPreKey
        self.signedPreKeySignature = signedPreKeySignature
        self.oneTimePreKey = oneTimePreKey
    }
}
