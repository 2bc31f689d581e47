import CSodium

/// Per-purpose subkeys of one master key (libsodium `crypto_kdf_derive_from_key`, BLAKE2b):
/// each purpose has an 8-character context and a numeric id, and learning one subkey tells
/// nothing about the master key or another subkey.
public enum SubkeyDerivation {
    /// The master key length libsodium requires.
    public static let masterKeyByteCount = Int(crypto_kdf_KEYBYTES)
    /// The context length libsodium requires.
    public static let contextByteCount = Int(crypto_kdf_CONTEXTBYTES)

    /// The 32-byte subkey number `id` of `masterKey` in `context` (exactly 8 ASCII bytes).
    ///
    /// - Throws: ``CryptoError/invalidLength(expected:actual:)`` for a wrong key or context
    ///   length.
    public static func subkey(id: UInt64, context: String, masterKey: SecureBytes) throws(CryptoError) -> SecureBytes {
        let contextBytes = Array(context.utf8)
        guard contextBytes.count == contextByteCount else {
            throw .invalidLength(expected: contextByteCount, actual: contextBytes.count)
        }
        guard masterKey.count == masterKeyByteCount else {
            throw .invalidLength(expected: masterKeyByteCount, actual: masterKey.count)
        }
        _ = Sodium.ready
        return SecureBytes(count: 32) { (out: UnsafeMutableRawBufferPointer) -> Void in
            masterKey.withUnsafeBytes { key in
                contextBytes.withUnsafeBytes { ctx in
                    _ = crypto_kdf_derive_from_key(
                        out.mutableBytePointer, 32, id,
                        ctx.charPointer,
                        key.bytePointer)
                }
            }
        }
    }
}
