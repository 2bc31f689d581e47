/// HKDF with SHA-256 (RFC 5869), built on ``HMACSHA256`` because libsodium 1.0.18 has no HKDF.
public enum HKDF {
    /// Largest output RFC 5869 allows for SHA-256 (255 blocks).
    public static let maximumOutputByteCount = 255 * HMACSHA256.outputByteCount

    /// HKDF-Extract: PRK = HMAC(salt, IKM). An empty salt means 32 zero bytes (RFC 5869 §2.2).
    public static func extract(salt: [UInt8], inputKeyMaterial ikm: SecureBytes) -> SecureBytes {
        let effectiveSalt = salt.isEmpty ? [UInt8](repeating: 0, count: HMACSHA256.outputByteCount) : salt
        return effectiveSalt.withUnsafeBytes { s in
            ikm.withUnsafeBytes { i in HMACSHA256.authenticationCode(key: s, message: [i]) }
        }
    }

    /// HKDF-Extract with a secret salt (the Double Ratchet's root key is the salt of KDF_RK).
    public static func extract(salt: SecureBytes, inputKeyMaterial ikm: SecureBytes) -> SecureBytes {
        salt.withUnsafeBytes { s in
            ikm.withUnsafeBytes { i in HMACSHA256.authenticationCode(key: s, message: [i]) }
        }
    }

    /// HKDF-Expand: `length` bytes of T(1) || T(2) || … with T(i) = HMAC(PRK, T(i−1) || info || i).
    ///
    /// - Throws: ``CryptoError/invalidLength(expected:actual:)`` when `length` exceeds
    ///   ``maximumOutputByteCount``.
    public static func expand(
        pseudoRandomKey prk: SecureBytes,
        info: [UInt8],
        length: Int
    ) throws(CryptoError) -> SecureBytes {
        guard length >= 0, length <= maximumOutputByteCount else {
            throw .invalidLength(expected: maximumOutputByteCount, actual: length)
        }
        var blocks: [SecureBytes] = []
        var previous = SecureBytes(copying: [])
        var counter: UInt8 = 1
        var produced = 0
        while produced < length {
            let block = prk.withUnsafeBytes { key in
                previous.withUnsafeBytes { prev in
                    info.withUnsafeBytes { inf in
                        withUnsafeBytes(of: counter) { ctr in
                            HMACSHA256.authenticationCode(key: key, message: [prev, inf, ctr])
                        }
                    }
                }
            }
            blocks.append(block)
            previous = block
            produced += block.count
            counter &+= 1
        }
        return SecureBytes.concatenating(blocks).slice(0..<length)
    }

    /// Extract-then-expand in one call.
    public static func deriveKey(
        inputKeyMaterial ikm: SecureBytes,
        salt: [UInt8],
        info: [UInt8],
        length: Int
    ) throws(CryptoError) -> SecureBytes {
        try expand(pseudoRandomKey: extract(salt: salt, inputKeyMaterial: ikm), info: info, length: length)
    }

    /// Extract-then-expand with a secret salt.
    public static func deriveKey(
        inputKeyMaterial ikm: SecureBytes,
        salt: SecureBytes,
        info: [UInt8],
        length: Int
    ) throws(CryptoError) -> SecureBytes {
        try expand(pseudoRandomKey: extract(salt: salt, inputKeyMaterial: ikm), info: info, length: length)
    }
}
