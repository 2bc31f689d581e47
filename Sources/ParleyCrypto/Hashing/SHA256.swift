import CSodium

/// SHA-256 (libsodium `crypto_hash_sha256`): request-body digests, ciphertext checksums.
public enum SHA256 {
    /// Digest length in bytes.
    public static let byteCount = 32

    /// The SHA-256 digest of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        _ = Sodium.ready
        var digest = [UInt8](repeating: 0, count: byteCount)
        digest.withUnsafeMutableBytes { out in
            bytes.withUnsafeBytes { input in
                _ = crypto_hash_sha256(out.mutableBytePointer, input.bytePointer, UInt64(input.count))
            }
        }
        return digest
    }
}
