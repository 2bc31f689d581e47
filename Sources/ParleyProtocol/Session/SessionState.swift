import ParleyCrypto

/// One Double Ratchet session with one peer device, made by one X3DH (Parley-v1) or PQXDH
/// (Parley-v2) run.
public struct SessionState: Sendable {
    /// The responder's prekeys a key agreement used (SPK_B, OPK_B if any, and for Parley-v2
    /// PQID_B with the ciphertext CT made to it).
    struct HandshakePreKeys: Sendable, Equatable {
        let signedPreKey: X25519.PublicKey
        let oneTimePreKey: X25519.PublicKey?
        let pqxdh: PQXDHPrefix?

        init(signedPreKey: X25519.PublicKey, oneTimePreKey: X25519.PublicKey?, pqxdh: PQXDHPrefix? = nil) {
            self.signedPreKey = signedPreKey
            self.oneTimePreKey = oneTimePreKey
            self.pqxdh = pqxdh
        }
    }

    var ratchet: RatchetState
    /// AD = IK_A || IK_B (initiator first, on both sides).
    let associatedData: [UInt8]
    /// The peer's identity key.
    public let remoteIdentityKey: Ed25519.PublicKey
    /// EK_A of the X3DH run that made this session.
    public let baseKey: X25519.PublicKey
    /// SPK_B, OPK_B (and PQID_B, CT) of that run. With the version, IK_A and EK_A they are the PreKeyMessage prefix that
    /// identifies the session to the responder, so that Alice's 2nd, 3rd… PreKeyMessages reach it.
    let handshakePreKeys: HandshakePreKeys
    /// True on the initiator's side until a message from the responder has decrypted: until
    /// then every message is wrapped in a PreKeyMessage.
    public internal(set) var isAwaitingResponse: Bool

    /// The suite this session runs (Parley-v1 or Parley-v2).
    public var version: ProtocolVersion { ratchet.version }

    /// True when this side made the session as responder, from a PreKeyMessage: the peer was the
    /// initiator, so `AD = IK_A || IK_B` begins with the peer's identity key.
    var wasMadeAsResponder: Bool {
        associatedData.prefix(Ed25519.publicKeyByteCount).elementsEqual(remoteIdentityKey.rawRepresentation)
    }

    /// True when this session was made, as responder, from exactly this PreKeyMessage prefix
    /// (Specs/protocol.md §6.1). Every prefix field must match: the prefix is not covered by the
    /// AEAD, so none of it may be ignored. A session made as initiator matches no prefix: one
    /// naming its peer as IK_A would be the roles reflected, wrapped around a genuine message of
    /// the other direction.
    func matches(_ prefix: PreKeyMessage) -> Bool {
        wasMadeAsResponder && version == prefix.version && remoteIdentityKey == prefix.identityKey
            && baseKey == prefix.baseKey
            && handshakePreKeys.signedPreKey == prefix.signedPreKey
            && handshakePreKeys.oneTimePreKey == prefix.oneTimePreKey
            && handshakePreKeys.pqxdh == prefix.pqxdh
    }

    /// Encrypts `plaintext`: a PreKeyMessage while the session is pending, else a Message.
    /// Changes `self` only once nothing can fail any more.
    mutating func encrypt(_ plaintext: [UInt8], localIdentityKey: Ed25519.PublicKey, random: some RandomSource)
        throws(ProtocolError) -> [UInt8]
    {
        let message = try ratchet.encrypt(plaintext, associatedData: associatedData, random: random)
        guard isAwaitingResponse else { return message.serialized }
        return PreKeyMessage(
            identityKey: localIdentityKey, baseKey: baseKey, signedPreKey: handshakePreKeys.signedPreKey,
            oneTimePreKey: handshakePreKeys.oneTimePreKey, pqxdh: handshakePreKeys.pqxdh, message: message
        ).serialized
    }

    /// Decrypts `message`. On error `self` may be partly updated: call it only on a scratch
    /// copy that is dropped on failure (``SessionCipher`` does).
    mutating func decryptOnScratchCopy(_ message: RatchetMessage, random: some RandomSource) throws(ProtocolError) -> [UInt8] {
        let plaintext = try ratchet.decryptOnScratchCopy(message, associatedData: associatedData, random: random)
        isAwaitingResponse = false  // the peer has answered: no more PreKeyMessages
        return plaintext
    }
}
