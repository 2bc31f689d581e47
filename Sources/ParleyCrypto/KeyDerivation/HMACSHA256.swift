import CSodium

/// HMAC-SHA-256 (RFC 2104) on libsodium's `crypto_auth_hmacsha256_*`.
public enum HMACSHA256 {
    /// Output length in bytes.
    public static let outputByteCount = 32

    /// HMAC-SHA-256 of the concatenation of `message` parts under `key` (any length).
    public static func authenticationCode(
        key: UnsafeRawBufferPointer,
        message parts: [UnsafeRawBufferPointer]
    ) -> SecureBytes {
        _ = Sodium.ready
        return SecureBytes(count: outputByteCount) { (out: UnsafeMutableRawBufferPointer) -> Void in
            var state = crypto_auth_hmacsha256_state()
            crypto_auth_hmacsha256_init(&state, key.bytePointer, key.count)
            for part in parts where part.count > 0 {
                crypto_auth_hmacsha256_update(
                    &state, part.bytePointer, UInt64(part.count))
            }
            crypto_auth_hmacsha256_final(&state, out.mutableBytePointer)
            sodium_memzero(&state, MemoryLayout<crypto_auth_hmacsha256_state>.size)
        }
    }

    /// HMAC-SHA-256 of `message` under `key`.
    public static func authenticationCode(key: SecureBytes, message: [UInt8]) -> SecureBytes {
        key.withUnsafeBytes { k in
            message.withUnsafeBytes { m in authenticationCode(key: k, message: [m]) }
        }
    }

    /// HMAC-SHA-256 of a single byte under a 32-byte key: the Double Ratchet's chain step.
    /// One-shot libsodium call, no incremental state: this runs twice per message.
    ///
    /// - Throws: ``CryptoError/invalidLength(expected:actual:)`` unless the key is 32 bytes.
    public static func authenticationCode(key: SecureBytes, byte: UInt8) throws(CryptoError) -> SecureBytes {
        guard key.count == 32 else { throw .invalidLength(expected: 32, actual: key.count) }
        var input = byte
        return SecureBytes(count: outputByteCount) { (out: UnsafeMutableRawBufferPointer) -> Void in
            key.withUnsafeBytes { k in
                _ = crypto_auth_hmacsha256(
                    out.mutableBytePointer, &input, 1,
                    k.bytePointer)
            }
        }
    }
}
