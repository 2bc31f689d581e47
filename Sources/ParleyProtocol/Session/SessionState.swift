import ParleyCrypto

/// One Double Ratchet session with one peer device, made by one X3DH run.
public struct SessionState: Sendable {
    /// What an initiator repeats in every PreKeyMessage until the responder has answered.
    struct PendingPreKey: Sendable, Equatable {
        let signedPreKey: X25519.PublicKey
        let oneTimePreKey: X25519.PublicKey?
    }

    var ratchet: RatchetState
    /// AD = IK_A || IK_B (initiator first, on both sides).
    let associatedData: [UInt8]
    /// The peer's identity key.
    public let remoteIdentityKey: Ed25519.PublicKey
    /// EK_A of the X3DH run that made this session (with IK_A it identifies the session to the
    /// responder, so that Alice's 2nd, 3rd… PreKeyMessages reach it).
    public let baseKey: X25519.PublicKey
    /// Set on the initiator's side until a message from the responder has decrypted.
    var pendingPreKey: PendingPreKey?

    /// True while this side still wraps its messages in PreKeyMessages.
    public var isAwaitingResponse: Bool { pendingPreKey != nil }

    /// True when this session was made from the PreKeyMessage prefix `(identityKey, baseKey)`.
    func matches(identityKey: Ed25519.PublicKey, baseKey: X25519.PublicKey) -> Bool {
        remoteIdentityKey == identityKey && self.baseKey == baseKey
    }

    /// Encrypts `plaintext`: a PreKeyMessage while the session is pending, else a Message.
    mutating func encrypt(_ plaintext: [UInt8], localIdentityKey: Ed25519.PublicKey, random: some RandomSource) throws(ProtocolError) -> [UInt8] {
        let message = try ratchet.encrypt(plaintext, associatedData: associatedData, random: random)
        guard let pending = pendingPreKey else { return message.serialized }
        return PreKeyMessage(
            identityKey: localIdentityKey, baseKey: baseKey, signedPreKey: pending.signedPreKey,
            oneTimePreKey: pending.oneTimePreKey, message: message
        ).serialized
    }

    /// Decrypts on a copy; returns the plaintext and the session to keep.
    func decrypting(_ message: RatchetMessage, random: some RandomSource) throws(ProtocolError) -> ([UInt8], SessionState) {
        var next = self
        let (plaintext, ratchet) = try self.ratchet.decrypting(message, associatedData: associatedData, random: random)
        next.ratchet = ratchet
        next.pendingPreKey = nil  // the peer has answered: no more PreKeyMessages
        return (plaintext, next)
    }
}
