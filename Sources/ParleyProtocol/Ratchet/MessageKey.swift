import ParleyCrypto

/// A message key MK: seals or opens exactly one message, then it is gone.
///
/// Non-copyable, and `seal`/`open` consume it, so a key cannot be used twice by mistake.
struct MessageKey: ~Copyable, Sendable {
    let secret: SecureBytes

    /// ENCRYPT(mk, pt, AD || HEADER) into `wire`, which holds HEADER (42 bytes) and room for
    /// the nonce and ciphertext-with-tag: draws the 24-byte nonce from `random` into place and
    /// seals the plaintext behind it.
    consuming func seal(
        _ plaintext: [UInt8],
        sessionAssociatedData: [UInt8],
        into wire: inout [UInt8],
        random: some RandomSource
    ) throws(ProtocolError) {
        let key = secret
        let nonceEnd = MessageHeader.byteCount + XChaCha20Poly1305.nonceByteCount
        let sealed = wire.withUnsafeMutableBytes { out in
            let nonce = UnsafeMutableRawBufferPointer(rebasing: out[MessageHeader.byteCount..<nonceEnd])
            random.fill(nonce)
            let header = UnsafeRawBufferPointer(rebasing: out[0..<MessageHeader.byteCount])
            return Self.withAssociatedData(sessionAssociatedData, header: header) { ad in
                plaintext.withUnsafeBytes { pt in
                    Result { () throws(CryptoError) in
                        try XChaCha20Poly1305.seal(
                            pt, key: key, nonce: UnsafeRawBufferPointer(nonce), associatedData: ad,
                            into: UnsafeMutableRawBufferPointer(rebasing: out[nonceEnd...]))
                    }
                }
            }
        }
        if case .failure(let error) = sealed { throw ProtocolError(error) }  // unreachable: lengths fixed
    }

    /// Calls `body` with AD || HEADER in a temporary buffer (no heap allocation).
    static func withAssociatedData<R>(
        _ associatedData: [UInt8], header: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R
    ) -> R {
        withUnsafeTemporaryAllocation(byteCount: associatedData.count + header.count, alignment: 1) { buffer in
            associatedData.withUnsafeBytes { ad in
                UnsafeMutableRawBufferPointer(rebasing: buffer[0..<ad.count]).copyMemory(from: ad)
            }
            UnsafeMutableRawBufferPointer(rebasing: buffer[associatedData.count...]).copyMemory(from: header)
            return body(UnsafeRawBufferPointer(buffer))
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
