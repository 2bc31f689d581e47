import CSodium

/// SHA-512 (libsodium `crypto_hash_sha512`): the iterated hash behind safety numbers.
public enum SHA512 {
    /// Digest length in bytes.
    public static let byteCount = 64

    /// The SHA-512 digest of `bytes`.
    /// - Parameter bytes: the whole input.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// The SHA-512 digest of `bytes`, for callers that hash a buffer they already hold (the
    /// safety-number iteration hashes one reused buffer 5,200 times).
    /// - Parameter bytes: the whole input.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        _ = Sodium.ready
        var digest = [UInt8](repeating: 0, count: byteCount)
        digest.withUnsafeMutableBytes { out in
            _ = crypto_hash_sha512(out.mutableBytePointer, bytes.bytePointer, UInt64(bytes.count))
        }
        return digest
    }
}
