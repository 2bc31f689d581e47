/// What a message says: text, a file, or a delivery receipt for earlier messages.
public enum MessageBody: Sendable, Equatable {
    /// A text message (UTF-8, at most ``maximumTextByteCount`` bytes).
    case text(String)
    /// A file, uploaded encrypted; the pointer holds its key.
    case attachment(AttachmentPointer)
    /// A delivery receipt: the ids of messages that arrived (1 to ``maximumReceiptCount``).
    case receipt([MessageID])

    /// Longest text in bytes (64 KiB): a padded payload then stays far below the server's
    /// 256 KiB message limit; longer text travels as an attachment.
    public static let maximumTextByteCount = 65_536
    /// Most ids in one receipt: one receipt per fetched batch stays small (16 KB), and a peer
    /// cannot make us look up an unbounded list.
    public static let maximumReceiptCount = 1000

    /// The kind byte on the wire.
    enum Kind: UInt8 {
        case text = 1
        case attachment = 2
        case receipt = 3
    }

    var kind: Kind {
        switch self {
        case .text: .text
        case .attachment: .attachment
        case .receipt: .receipt
        }
    }

    /// Checks the limits that the enum cases cannot enforce themselves.
    func validate() throws(PayloadError) {
        switch self {
        case .text(let text):
            guard text.utf8.count <= Self.maximumTextByteCount else { throw .textTooLong(text.utf8.count) }
        case .attachment: break  // validated by AttachmentPointer's initializer
        case .receipt(let ids):
            guard (1...Self.maximumReceiptCount).contains(ids.count) else { throw .invalidReceiptCount(ids.count) }
        }
    }

    /// Appends kind byte and body: text is u32 length + UTF-8; a receipt is u16 count + ids.
    func encode(into out: inout [UInt8]) {
        out.append(kind.rawValue)
        switch self {
        case .text(let text):
            out.appendBigEndian(UInt64(text.utf8.count), width: 4)
            out.append(contentsOf: text.utf8)
        case .attachment(let pointer):
            pointer.encode(into: &out)
        case .receipt(let ids):
            out.appendBigEndian(UInt64(ids.count), width: 2)
            for id in ids { out.append(contentsOf: id.rawRepresentation) }
        }
    }

    /// Reads what ``encode(into:)`` writes, checking each length before reading its bytes.
    init(reading reader: inout PayloadReader) throws(PayloadError) {
        let code = try reader.byte()
        guard let kind = Kind(rawValue: code) else { throw .unknownKind(code) }
        switch kind {
        case .text:
            let length = Int(try reader.bigEndian(width: 4))
            guard length <= Self.maximumTextByteCount else { throw .textTooLong(length) }
            self = .text(try reader.utf8(length))
        case .attachment:
            self = .attachment(try AttachmentPointer(reading: &reader))
        case .receipt:
            let count = Int(try reader.bigEndian(width: 2))
            guard (1...Self.maximumReceiptCount).contains(count) else { throw .invalidReceiptCount(count) }
            var ids: [MessageID] = []
            for _ in 0..<count { ids.append(try MessageID(rawRepresentation: reader.bytes(MessageID.byteCount))) }
            self = .receipt(ids)
        }
    }
}
