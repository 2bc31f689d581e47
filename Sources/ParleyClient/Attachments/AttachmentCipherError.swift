/// Why an attachment could not be encrypted or decrypted. After any of these, nothing was left at
/// the output path.
public enum AttachmentCipherError: Error, Equatable, Sendable {
    /// A file could not be opened, read, written or renamed (the path and `errno`).
    case fileAccess(path: String, errno: Int32)
    /// The key is not 32 bytes (the length given).
    case invalidKeyLength(Int)
    /// The file to encrypt is larger than ``AttachmentFormat/maximumPlaintextByteCount``.
    case fileTooLarge(Int64)
    /// The ciphertext's SHA-256 is not the expected one; nothing was decrypted.
    case hashMismatch
    /// A chunk (or the header) failed authentication: wrong key or altered data.
    case authenticationFailure
    /// The ciphertext ends before its final chunk.
    case truncated
    /// Bytes follow the final chunk.
    case dataAfterFinal
    /// The decrypted size differs from the announced one (`actual` counts up to where decryption
    /// stopped).
    case sizeMismatch(expected: Int64, actual: Int64)
}
