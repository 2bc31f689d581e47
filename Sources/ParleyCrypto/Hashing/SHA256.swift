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

extension SHA256 {
    /// Incremental SHA-256 over data that arrives in pieces (a streamed request body): the digest
    /// of all `update` calls in order equals ``SHA256/hash(_:)`` of their concatenation.
    public struct Hasher: Sendable {
        private var state = crypto_hash_sha256_state()

        /// A hasher over no bytes yet.
        public init() {
            _ = Sodium.ready
            _ = crypto_hash_sha256_init(&state)
        }

        /// Adds the next bytes.
        /// - Parameter bytes: a contiguous piece of the input.
        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
            _ = crypto_hash_sha256_update(&state, base.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
        }

        /// Adds the next bytes.
        /// - Parameter bytes: a piece of the input.
        public mutating func update(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { update($0) }
        }

        /// The digest of everything added (the hasher's copy is consumed; the value stays usable).
        public func finalize() -> [UInt8] {
            var copy = state
            var digest = [UInt8](repeating: 0, count: SHA256.byteCount)
            digest.withUnsafeMutableBytes { out in _ = crypto_hash_sha256_final(&copy, out.mutableBytePointer) }
            return digest
        }
    }
}
