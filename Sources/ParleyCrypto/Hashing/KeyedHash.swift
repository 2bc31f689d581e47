import CSodium

/// Keyed BLAKE2b (libsodium `crypto_generichash` with a key): a pseudorandom function, used
/// for lookup columns that must be equal for equal inputs without revealing the inputs.
public enum KeyedHash {
    /// Output length in bytes.
    public static let outputByteCount = 32

    /// BLAKE2b-256 of `message` under `key` (16 to 64 bytes).
    ///
    /// - Throws: ``CryptoError/invalidLength(expected:actual:)`` for an unsupported key length.
    public static func hash(_ message: [UInt8], key: SecureBytes) throws(CryptoError) -> [UInt8] {
        guard key.count >= Int(crypto_generichash_KEYBYTES_MIN), key.count <= Int(crypto_generichash_KEYBYTES_MAX) else {
            throw .invalidLength(expected: Int(crypto_generichash_KEYBYTES), actual: key.count)
        }
        _ = Sodium.ready
        var out = [UInt8](repeating: 0, count: outputByteCount)
        out.withUnsafeMutableBytes { o in
            message.withUnsafeBytes { m in
                key.withUnsafeBytes { k in
                    _ = crypto_generichash(
                        o.mutableBytePointer, outputByteCount, m.bytePointer, UInt64(m.count), k.bytePointer, k.count)
                }
            }
        }
        return out
    }
}
