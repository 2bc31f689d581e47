import ParleyCrypto

/// What encrypting a file produced: everything the recipient needs besides the ciphertext
/// itself (it goes into an ``AttachmentPointer`` once the upload returned an id).
public struct EncryptedAttachment: Sendable, Equatable, CustomStringConvertible {
    /// The secretstream key (32 bytes), fresh for every file.
    public let key: SecureBytes
    /// Length of the original file.
    public let plaintextSize: Int64
    /// Length of the encrypted file.
    public let ciphertextSize: Int64
    /// SHA-256 of the encrypted file, checked before any decryption.
    public let ciphertextSHA256: [UInt8]

    /// Bundles the results of an encryption.
    public init(key: SecureBytes, plaintextSize: Int64, ciphertextSize: Int64, ciphertextSHA256: [UInt8]) {
        self.key = key
        self.plaintextSize = plaintextSize
        self.ciphertextSize = ciphertextSize
        self.ciphertextSHA256 = ciphertextSHA256
    }

    /// Sizes and digest; the key is never printed.
    public var description: String {
        "EncryptedAttachment(\(plaintextSize) bytes, ciphertext \(ciphertextSize) bytes, "
            + "sha256 \(Hex.encode(ciphertextSHA256)), key redacted)"
    }
}
