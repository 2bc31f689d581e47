import CSodium

/// XChaCha20-Poly1305-IETF (libsodium `crypto_aead_xchacha20poly1305_ietf_*`).
///
/// The 24-byte nonce is large enough to be drawn at random for every message.
public enum XChaCha20Poly1305 {
    public static let keyByteCount = 32
    public static let nonceByteCount = 24
    public static let tagByteCount = 16

    /// Encrypts `plaintext` and returns ciphertext || tag (no nonce).
    ///
    /// - Throws: ``CryptoError/invalidLength(expected:actual:)`` for a wrong key or nonce length.
    public static func seal(
        _ plaintext: UnsafeRawBufferPointer,
        key: SecureBytes,
        nonce: UnsafeRawBufferPointer,
        associatedData: UnsafeRawBufferPointer
    ) throws(CryptoError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: plaintext.count + tagByteCount)
        let result = output.withUnsafeMutableBytes { out in
            Result { () throws(CryptoError) in
                try seal(plaintext, key: key, nonce: nonce, associatedData: associatedData, into: out)
            }
        }
        try result.get()
        return output
    }

    /// Encrypts `plaintext` into `output` (exactly plaintext length + 16 bytes: ciphertext ||
    /// tag), for callers that assemble a message in one buffer.
    ///
    /// - Throws: ``CryptoError/invalidLength(expected:actual:)`` for a wrong key, nonce or
    ///   output length.
    public static func seal(
        _ plaintext: UnsafeRawBufferPointer,
        key: SecureBytes,
        nonce: UnsafeRawBufferPointer,
        associatedData: UnsafeRawBufferPointer,
        into output: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) {
        try checkLengths(key: key, nonce: nonce)
        guard output.count == plaintext.count + tagByteCount else {
            throw .invalidLength(expected: plaintext.count + tagByteCount, actual: output.count)
        }
        _ = Sodium.ready
        var written: UInt64 = 0
        key.withUnsafeBytes { k in
            _ = crypto_aead_xchacha20poly1305_ietf_encrypt(
                output.mutableBytePointer, &written,
                plaintext.bytePointer, UInt64(plaintext.count),
                associatedData.bytePointer, UInt64(associatedData.count),
                nil,
                nonce.bytePointer,
                k.bytePointer)
        }
    }

    /// Verifies and decrypts ciphertext || tag.
    ///
    /// - Throws: ``CryptoError/authenticationFailure`` when anything was altered or the key is
    ///   wrong; ``CryptoError/invalidLength(expected:actual:)`` for a wrong key or nonce length.
    public static func open(
        _ ciphertext: UnsafeRawBufferPointer,
        key: SecureBytes,
        nonce: UnsafeRawBufferPointer,
        associatedData: UnsafeRawBufferPointer
    ) throws(CryptoError) -> [UInt8] {
        try checkLengths(key: key, nonce: nonce)
        guard ciphertext.count >= tagByteCount else { throw .authenticationFailure }
        _ = Sodium.ready
        var output = [UInt8](repeating: 0, count: ciphertext.count - tagByteCount)
        var written: UInt64 = 0
        let status = output.withUnsafeMutableBytes { out in
            key.withUnsafeBytes { k in
                crypto_aead_xchacha20poly1305_ietf_decrypt(
                    out.mutableBytePointer, &written, nil,
                    ciphertext.bytePointer, UInt64(ciphertext.count),
                    associatedData.bytePointer, UInt64(associatedData.count),
                    nonce.bytePointer,
                    k.bytePointer)
            }
        }
        guard status == 0 else { throw .authenticationFailure }
        return output
    }

    private static func checkLengths(key: SecureBytes, nonce: UnsafeRawBufferPointer) throws(CryptoError) {
        guard key.count == keyByteCount else { throw .invalidLength(expected: keyByteCount, actual: key.count) }
        guard nonce.count == nonceByteCount else {
            throw .invalidLength(expected: nonceByteCount, actual: nonce.count)
        }
    }
}
