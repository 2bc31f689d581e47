import ParleyCrypto

/// A Parley-v1 PreKeyMessage: the first messages of a session, carrying what the responder
/// needs to run X3DH:
/// `0x01 || 0x02 || IK_A (32) || EK_A (32) || SPK_B (32) || (0x00 | 0x01 || OPK_B (32)) || Message`.
///
/// The prefix is not covered by the AEAD; it is bound by the keys it makes (any change gives a
/// different shared secret, so the inner Message fails to authenticate). That is why every
/// X25519 field must be a canonical encoding.
public struct PreKeyMessage: Sendable, Equatable {
    /// IK_A: the initiator's Ed25519 identity key (validated when used, not when parsed).
    public let identityKey: Ed25519.PublicKey
    /// EK_A: the initiator's ephemeral ("base") key.
    public let baseKey: X25519.PublicKey
    /// SPK_B: the responder's signed prekey that was used.
    public let signedPreKey: X25519.PublicKey
    /// OPK_B: the responder's one-time prekey that was used, if any.
    public let oneTimePreKey: X25519.PublicKey?
    /// The Double Ratchet message inside.
    public let message: RatchetMessage
    /// The complete encoding.
    public let serialized: [UInt8]

    /// Parses a PreKeyMessage, including the Message inside.
    ///
    /// - Throws: ``WireError`` when any part is short, non-canonical or has a bad flag.
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes)
        try WireMessageType.readPrefix(from: &reader, expecting: .preKeyMessage)
        guard let ik = reader.readBytes(Ed25519.publicKeyByteCount) else { throw .truncated(field: "IK_A") }
        guard let ek = reader.readBytes(X25519.keyByteCount) else { throw .truncated(field: "EK_A") }
        let baseKey = try X25519.PublicKey.parse(ek, field: "EK_A")
        guard let spk = reader.readBytes(X25519.keyByteCount) else { throw .truncated(field: "SPK_B") }
        let signedPreKey = try X25519.PublicKey.parse(spk, field: "SPK_B")
        guard let flag = reader.readByte() else { throw .truncated(field: "OPK flag") }
        var oneTimePreKey: X25519.PublicKey?
        switch flag {
        case 0x00:
            oneTimePreKey = nil
        case 0x01:
            guard let opk = reader.readBytes(X25519.keyByteCount) else { throw .truncated(field: "OPK_B") }
            oneTimePreKey = try X25519.PublicKey.parse(opk, field: "OPK_B")
        default:
            throw .invalidFlag(flag)
        }
        let inner = try RatchetMessage(serialized: Array(reader.readRemaining()))
        // The initiator wraps only messages of her first sending chain, which has no previous
        // chain: any other PN is a Message re-wrapped by someone else (Specs/protocol.md §5.3).
        guard inner.header.previousChainLength == 0 else { throw .wrappedLaterChain }
        do {
            identityKey = try Ed25519.PublicKey(rawRepresentation: ik)
        } catch {
            throw .truncated(field: "IK_A")
        }
        self.baseKey = baseKey
        self.signedPreKey = signedPreKey
        self.oneTimePreKey = oneTimePreKey
        self.message = inner
        self.serialized = bytes
    }

    /// Wraps `message` for sending.
    init(
        identityKey: Ed25519.PublicKey,
        baseKey: X25519.PublicKey,
        signedPreKey: X25519.PublicKey,
        oneTimePreKey: X25519.PublicKey?,
        message: RatchetMessage
    ) {
        var writer = ByteWriter(capacity: 132 + message.serialized.count)
        writer.write(ParleyV1.version)
        writer.write(WireMessageType.preKeyMessage.rawValue)
        writer.write(identityKey.rawRepresentation)
        writer.write(baseKey.rawRepresentation)
        writer.write(signedPreKey.rawRepresentation)
        if let oneTimePreKey {
            writer.write(UInt8(0x01))
            writer.write(oneTimePreKey.rawRepresentation)
        } else {
            writer.write(UInt8(0x00))
        }
        writer.write(message.serialized)
        self.identityKey = identityKey
        self.baseKey = baseKey
        self.signedPreKey = signedPreKey
        self.oneTimePreKey = oneTimePreKey
        self.message = message
        self.serialized = writer.bytes
    }
}
