import ParleyCrypto

/// A message key MK: seals or opens exactly one message, then it is gone.
///
/// Non-copyable, and `seal`/`open` consume it, so a key cannot be used twice by mistake.
struct MessageKey: ~Copyable, Sendable {
    let secret: SecureBytes

    /// ENCRYPT(mk, pt, ad): XChaCha20-Poly1305 with a 24-byte nonce drawn from `random`.
    /// Returns the nonce and ciphertext-with-tag.
    consuming func seal(
        _ plaintext: [UInt8],
        associatedData: [UInt8],
        random: some RandomSource
    ) throws(ProtocolError) -> (nonce: [UInt8], ciphertext: [UInt8]) {
        let nonce = random.bytes(XChaCha20Poly1305.nonceByteCount)
        let key = secret
        let sealed = plaintext.withUnsafeBytes { pt in
            nonce.withUnsafeBytes { n in
                associatedData.withUnsafeBytes { ad in
                    Result { () throws(CryptoError) in try XChaCha20Poly1305.seal(pt, key: key, nonce: n, associatedData: ad) }
                }
            }
        }
        switch sealed {
        case .success(let ciphertext): return (nonce, ciphertext)
        case .failure(let error): throw ProtocolError(error)  // unreachable: lengths fixed by construction
        }
    }

    /// DECRYPT(mk, ct, ad).
    ///
    /// - Throws: ``ProtocolError/authentication`` when the message does not authenticate.
    consuming func open(
        _ ciphertext: UnsafeRawBufferPointer,
        nonce: UnsafeRawBufferPointer,
        associatedData: UnsafeRawBufferPointer
    ) throws(ProtocolError) -> [UInt8] {
        do {
            return try XChaCha20Poly1305.open(ciphertext, key: secret, nonce: nonce, associatedData: associatedData)
        } catch {
            throw .authentication
        }
    }
}
