import ParleyCrypto

/// The encrypted attachment file format (Specs/client.md, "Attachments"): a 24-byte
/// secretstream header, then the plaintext in chunks of 64 KiB, each sealed (+17 bytes), the last
/// one (possibly short, possibly empty) tagged final.
public enum AttachmentFormat {
    /// Plaintext bytes per chunk: large enough that the 17-byte overhead is 0.03 %, small enough
    /// that encryption and decryption hold only a few chunks in memory.
    public static let plaintextChunkByteCount = 65_536
    /// A full sealed chunk: 64 KiB + 17.
    public static let sealedChunkByteCount = plaintextChunkByteCount + SecretStream.chunkOverheadByteCount
    /// Largest plaintext a pointer may announce (1 TiB): far above any server limit, and small
    /// enough that the size arithmetic below cannot overflow.
    public static let maximumPlaintextByteCount: Int64 = 1 << 40

    /// Number of sealed chunks for a plaintext of `plaintextSize` bytes: at least one (an empty
    /// file is one empty final chunk).
    public static func chunkCount(plaintextSize: Int64) -> Int64 {
        let chunk = Int64(plaintextChunkByteCount)
        return Swift.max(1, (plaintextSize + chunk - 1) / chunk)
    }

    /// The exact ciphertext length for a plaintext of `plaintextSize` bytes (0 ... 1 TiB):
    /// header + plaintext + 17 bytes per chunk.
    public static func ciphertextSize(plaintextSize: Int64) -> Int64 {
        Int64(SecretStream.headerByteCount) + plaintextSize
            + chunkCount(plaintextSize: plaintextSize) * Int64(SecretStream.chunkOverheadByteCount)
    }
}
