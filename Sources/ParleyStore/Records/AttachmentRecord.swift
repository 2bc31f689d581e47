import ParleyCrypto

/// What a client keeps about an attachment it sent or received: where it is on the server,
/// how to decrypt and check it, and where the plaintext file is. The key is secret and lives
/// in ``SecureBytes``; the record is stored sealed.
public struct AttachmentRecord: Sendable {
    /// The server's attachment id.
    public var id: String
    /// The secretstream key the file is encrypted under.
    public var key: SecureBytes
    /// Plaintext size in bytes.
    public var size: Int64
    /// SHA-256 of the ciphertext as uploaded.
    public var ciphertextSHA256: [UInt8]
    public var fileName: String
    public var mediaType: String
    /// Where the decrypted file is, once downloaded.
    public var localPath: String?

    public init(
        id: String, key: SecureBytes, size: Int64, ciphertextSHA256: [UInt8], fileName: String, mediaType: String,
        localPath: String? = nil
    ) {
        self.id = id
        self.key = key
        self.size = size
        self.ciphertextSHA256 = ciphertextSHA256
        self.fileName = fileName
        self.mediaType = mediaType
        self.localPath = localPath
    }

    /// The public part, encoded as JSON inside the sealed value next to the key.
    struct Metadata: Codable {
        var id: String
        var size: Int64
        var ciphertextSHA256: [UInt8]
        var fileName: String
        var mediaType: String
        var localPath: String?
    }

    var metadata: Metadata {
        Metadata(
            id: id, size: size, ciphertextSHA256: ciphertextSHA256, fileName: fileName, mediaType: mediaType, localPath: localPath
        )
    }
}

extension AttachmentRecord: CustomStringConvertible, CustomReflectable {
    public var description: String { "AttachmentRecord(id: \(id), size: \(size), key: redacted)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
