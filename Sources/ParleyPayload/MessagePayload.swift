import ParleyCrypto
import ParleyServerAPI

/// The plaintext that travels inside a Double Ratchet message (Specs/client.md, "Payload").
///
/// Layout: version u8 (1) || message id (16) || sent time (u64 BE, Unix ms) || synced-to flag
/// u8 (0 or 1) [|| u8 length || user id] || kind u8 || body || zero padding up to the next
/// multiple of 160 bytes. Padding hides the exact length of short texts from anyone who sees
/// ciphertext sizes. Decoding is strict: an accepted payload re-encodes to exactly its bytes.
public struct MessagePayload: Sendable, Equatable {
    /// The only layout version.
    public static let version: UInt8 = 1
    /// Encoded payloads are padded to a multiple of this many bytes (Signal's 160: one padded
    /// block holds a typical short text with its header).
    public static let paddingBlockByteCount = 160

    /// The sender's id for this message.
    public let id: MessageID
    /// When the sender sent it: Unix time in milliseconds.
    public let sentAt: Int64
    /// For a copy of one's own sent message delivered to one's other devices: the user it was
    /// sent to; nil for a message to the recipient itself.
    public let syncedTo: UserID?
    /// What the message says.
    public let body: MessageBody

    /// A payload with the given fields.
    /// - Throws: ``PayloadError/textTooLong(_:)`` or ``PayloadError/invalidReceiptCount(_:)``
    ///   when the body breaks its limits.
    public init(id: MessageID, sentAt: Int64, syncedTo: UserID? = nil, body: MessageBody) throws(PayloadError) {
        try body.validate()
        self.id = id
        self.sentAt = sentAt
        self.syncedTo = syncedTo
        self.body = body
    }

    /// A payload with a fresh random id.
    /// - Parameter random: the source of the 16-byte id.
    /// - Throws: as ``init(id:sentAt:syncedTo:body:)``.
    public init(random: some RandomSource, sentAt: Int64, syncedTo: UserID? = nil, body: MessageBody) throws(PayloadError) {
        try self.init(id: MessageID(random: random), sentAt: sentAt, syncedTo: syncedTo, body: body)
    }

    /// The padded encoding. For an attachment it holds the key: hand it only to the session cipher.
    public func encode() -> [UInt8] {
        var out: [UInt8] = [Self.version]
        out.append(contentsOf: id.rawRepresentation)
        out.appendBigEndian(UInt64(bitPattern: sentAt), width: 8)
        if let syncedTo {
            out.append(1)
            out.append(UInt8(syncedTo.utf8Bytes.count))
            out.append(contentsOf: syncedTo.utf8Bytes)
        } else {
            out.append(0)
        }
        body.encode(into: &out)
        out.append(contentsOf: repeatElement(0, count: Self.paddedLength(out.count) - out.count))
        return out
    }

    /// Parses a padded encoding.
    /// - Parameter bytes: the decrypted ratchet plaintext.
    /// - Throws: a ``PayloadError`` for the first rule the bytes break.
    public init(decoding bytes: [UInt8]) throws(PayloadError) {
        var reader = PayloadReader(bytes)
        let version = try reader.byte()
        guard version == Self.version else { throw .unsupportedVersion(version) }
        id = try MessageID(rawRepresentation: reader.bytes(MessageID.byteCount))
        sentAt = Int64(bitPattern: try reader.bigEndian(width: 8))
        let flag = try reader.byte()
        switch flag {
        case 0: syncedTo = nil
        case 1:
            let user = try reader.utf8(Int(reader.byte()))
            do { syncedTo = try UserID(user) } catch { throw .invalidUserID }
        default: throw .invalidFlag(flag)
        }
        body = try MessageBody(reading: &reader)
        guard bytes.count == Self.paddedLength(reader.offset) else { throw .invalidPadding }
        guard reader.remaining.allSatisfy({ $0 == 0 }) else { throw .nonZeroPadding }
    }

    /// `length` rounded up to a multiple of ``paddingBlockByteCount``.
    static func paddedLength(_ length: Int) -> Int {
        (length + paddingBlockByteCount - 1) / paddingBlockByteCount * paddingBlockByteCount
    }
}
