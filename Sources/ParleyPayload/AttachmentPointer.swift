import ParleyCrypto

/// Everything a recipient needs to fetch and decrypt an attachment: where it is on the server,
/// the key, and what the ciphertext must hash to. Travels inside an encrypted payload only.
///
/// Only the initializer decides what a valid pointer is, so an encoded pointer always decodes.
/// The key is a ``SecureBytes`` and never printed.
public struct AttachmentPointer: Sendable, Equatable, CustomStringConvertible {
    /// Longest attachment id (the server's are 64 hex digits; room to change that).
    public static let maximumIDByteCount = 128
    /// Longest file name: 255 bytes is the longest name Linux and macOS file systems accept.
    public static let maximumFileNameByteCount = 255
    /// Longest media type: fits the one-byte length (RFC 6838 types are at most 127 + 1 + 127).
    public static let maximumMediaTypeByteCount = 255

    /// The server's id for the ciphertext: 1 to 128 of `[A-Za-z0-9_-]`, safe in a URL path and as
    /// a file name.
    public let attachmentID: String
    /// The secretstream key (32 bytes).
    public let key: SecureBytes
    /// Length of the decrypted file (0 ... ``AttachmentFormat/maximumPlaintextByteCount``).
    public let plaintextSize: Int64
    /// Length of the encrypted file; always ``AttachmentFormat/ciphertextSize(plaintextSize:)``.
    public let ciphertextSize: Int64
    /// SHA-256 of the encrypted file (32 bytes).
    public let ciphertextSHA256: [UInt8]
    /// The sender's file name: UTF-8, at most 255 bytes, one path component (no `/`, no control or
    /// bidirectional formatting character (``DisplayControls``; NUL included), not
    /// `.` or `..`), possibly empty.
    public let fileName: String
    /// The media type, e.g. `image/png`: printable ASCII, at most 255 bytes, possibly empty.
    public let mediaType: String

    /// Validates and bundles the fields.
    /// - Throws: the ``PayloadError`` naming the first field that breaks its rule.
    public init(
        attachmentID: String, key: SecureBytes, plaintextSize: Int64, ciphertextSize: Int64, ciphertextSHA256: [UInt8],
        fileName: String, mediaType: String
    ) throws(PayloadError) {
        let idBytes = Array(attachmentID.utf8)
        guard (1...Self.maximumIDByteCount).contains(idBytes.count), idBytes.allSatisfy(Self.isIDByte) else {
            throw .invalidAttachmentID
        }
        guard key.count == SecretStream.keyByteCount else { throw .invalidAttachmentKeyLength(key.count) }
        guard (0...AttachmentFormat.maximumPlaintextByteCount).contains(plaintextSize),
            ciphertextSize == AttachmentFormat.ciphertextSize(plaintextSize: plaintextSize)
        else { throw .invalidAttachmentSize }
        guard ciphertextSHA256.count == SHA256.byteCount else { throw .invalidDigestLength(ciphertextSHA256.count) }
        let nameBytes = Array(fileName.utf8)
        guard nameBytes.count <= Self.maximumFileNameByteCount, !nameBytes.contains(UInt8(ascii: "/")),
            !DisplayControls.occur(in: fileName), fileName != ".", fileName != ".."
        else { throw .invalidFileName }
        let typeBytes = Array(mediaType.utf8)
        guard typeBytes.count <= Self.maximumMediaTypeByteCount, typeBytes.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw .invalidMediaType
        }
        self.attachmentID = attachmentID
        self.key = key
        self.plaintextSize = plaintextSize
        self.ciphertextSize = ciphertextSize
        self.ciphertextSHA256 = ciphertextSHA256
        self.fileName = fileName
        self.mediaType = mediaType
    }

    /// A pointer to an uploaded file from what ``AttachmentCipher/encryptFile(at:to:random:progress:)`` returned.
    /// - Throws: the ``PayloadError`` naming the first field that breaks its rule.
    public init(
        attachmentID: String, encrypted: EncryptedAttachment, fileName: String, mediaType: String
    ) throws(PayloadError) {
        try self.init(
            attachmentID: attachmentID, key: encrypted.key, plaintextSize: encrypted.plaintextSize,
            ciphertextSize: encrypted.ciphertextSize, ciphertextSHA256: encrypted.ciphertextSHA256, fileName: fileName,
            mediaType: mediaType)
    }

    /// Id, name, type and sizes; the key is never printed.
    public var description: String {
        "AttachmentPointer(id \(attachmentID), \"\(fileName)\", \(mediaType), \(plaintextSize) bytes, key redacted)"
    }

    private static func isIDByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default: false
        }
    }
}
