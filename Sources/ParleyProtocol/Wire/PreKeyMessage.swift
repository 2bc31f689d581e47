import ParleyCrypto

/// A PreKeyMessage: the first messages of a session, carrying what the responder needs to run
/// the key agreement.
///
///     Parley-v1: 0x01 || 0x02 || IK_A (32) || EK_A (32) || SPK_B (32) || (0x00 | 0x01 || OPK_B (32))
///                || Message
///     Parley-v2: 0x02 || 0x02 || IK_A (32) || EK_A (32) || SPK_B (32) || (0x00 | 0x01 || OPK_B (32))
///                || PQID_B (32) || CT (1568) || Message
///
/// The inner Message's version byte must equal the outer one. The prefix is not covered by the
/// AEAD; it is bound by the keys it makes (any change gives a different shared secret, so the
/// inner Message fails to authenticate). That is why every X25519 field must be a canonical
/// encoding. Any 1568 bytes are a well-formed CT.
public struct PreKeyMessage: Sendable, Equatable {
    /// The suite (byte 0).
    public let version: ProtocolVersion
    /// IK_A: the initiator's Ed25519 identity key (validated when used, not when parsed).
    public let identityKey: Ed25519.PublicKey
    /// EK_A: the initiator's ephemeral ("base") key.
    public let baseKey: X25519.PublicKey
    /// SPK_B: the responder's signed prekey that was used.
    public let signedPreKey: X25519.PublicKey
    /// OPK_B: the responder's one-time prekey that was used, if any.
    public let oneTimePreKey: X25519.PublicKey?
    /// PQID_B and CT: present exactly when ``version`` is ``ProtocolVersion/v2``.
    public let pqxdh: PQXDHPrefix?
    /// The Double Ratchet message inside.
    public let message: RatchetMessage
    /// The complete encoding.
    public let serialized: [UInt8]

    /// Smallest valid Parley-v2 encoding (no OPK_B, empty plaintext): 1781 bytes.
    public static let minimumV2ByteCount =
        2 + 32 + 32 + 32 + 1 + PQPreKeyID.byteCount + MLKEM.ciphertextByteCount + RatchetMessage.minimumByteCount

    /// Parses a PreKeyMessage of either suite, including the Message inside.
    ///
    /// - Throws: ``WireError`` when any part is short, non-canonical, has a bad flag, or the inner
    ///   Message's version differs.
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes)
        let version = try WireMessageType.readPrefix(from: &reader, expecting: .preKeyMessage)
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
        var pqxdh: PQXDHPrefix?
        if version == .v2 {
            guard let id = reader.readBytes(PQPreKeyID.byteCount), let preKeyID = try? PQPreKeyID(rawRepresentation: id) else {
                throw .truncated(field: "PQID_B")
            }
            guard let ct = reader.readBytes(MLKEM.ciphertextByteCount),
                let ciphertext = try? MLKEM.Ciphertext(rawRepresentation: ct)
            else { throw .truncated(field: "CT") }
            pqxdh = PQXDHPrefix(preKeyID: preKeyID, ciphertext: ciphertext)
        }
        let inner = try RatchetMessage(serialized: Array(reader.readRemaining()))
        guard inner.header.version == version else {
            throw .versionMismatch(outer: version.rawValue, inner: inner.header.version.rawValue)
        }
        // The initiator wraps only messages of her first sending chain, which has no previous
        // chain: any other PN is a Message re-wrapped by someone else (Specs/protocol.md §5.3).
        guard inner.header.previousChainLength == 0 else { throw .wrappedLaterChain }
        do {
            identityKey = try Ed25519.PublicKey(rawRepresentation: ik)
        } catch {
            throw .truncated(field: "IK_A")
        }
        self.version = version
        self.baseKey = baseKey
        self.signedPreKey = signedPreKey
        self.oneTimePreKey = oneTimePreKey
        self.pqxdh = pqxdh
        self.message = inner
        self.serialized = bytes
    }

    /// Wraps `message` for sending; `message` is of the suite that `pqxdh` implies (v2 with it,
    /// v1 without).
    init(
        identityKey: Ed25519.PublicKey,
        baseKey: X25519.PublicKey,
        signedPreKey: X25519.PublicKey,
        oneTimePreKey: X25519.PublicKey?,
        pqxdh: PQXDHPrefix?,
        message: RatchetMessage
    ) {
        let version = message.header.version
        var writer = ByteWriter(capacity: 132 + 1600 + message.serialized.count)
        writer.write(version.rawValue)
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
        if let pqxdh {
            writer.write(pqxdh.preKeyID.rawRepresentation)
            writer.write(pqxdh.ciphertext.rawRepresentation)
        }
        writer.write(message.serialized)
        self.version = version
        self.identityKey = identityKey
        self.baseKey = baseKey
        self.signedPreKey = signedPreKey
        self.oneTimePreKey = oneTimePreKey
        self.pqxdh = pqxdh
        self.message = message
        self.serialized = writer.bytes
    }
}
