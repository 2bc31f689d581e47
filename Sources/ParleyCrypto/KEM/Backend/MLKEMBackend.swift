import Crypto
import Foundation

/// The only code that calls swift-crypto's `MLKEM1024` (BoringSSL underneath). Inputs arrive
/// length-checked from ``MLKEM``; whatever swift-crypto still refuses becomes a ``CryptoError``.
enum MLKEMBackend {
    /// The encapsulation key of a 64-byte seed.
    ///
    /// - Throws: ``CryptoError/invalidKey`` if swift-crypto refuses the seed (it refuses only
    ///   other lengths, which ``MLKEM/PrivateKey`` has already excluded).
    static func publicKey(seed: SecureBytes) throws(CryptoError) -> MLKEM.PublicKey {
        let raw: [UInt8]? = seed.withUnsafeBytes { bytes in
            guard let key = try? Crypto.MLKEM1024.PrivateKey(seedRepresentation: bytes, publicKey: nil) else { return nil }
            return Array(key.publicKey.rawRepresentation)
        }
        guard let raw, raw.count == MLKEM.publicKeyByteCount else { throw .invalidKey }
        return MLKEM.PublicKey(trustedRawRepresentation: raw)
    }

    /// `ML-KEM.Decaps` under the key of `seed`.
    ///
    /// - Throws: ``CryptoError/invalidKey`` if swift-crypto refuses (it checks only the lengths,
    ///   which ``MLKEM`` has already fixed).
    static func decapsulate(_ ciphertext: [UInt8], seed: SecureBytes) throws(CryptoError) -> SecureBytes {
        let shared: SecureBytes? = seed.withUnsafeBytes { bytes in
            guard let key = try? Crypto.MLKEM1024.PrivateKey(seedRepresentation: bytes, publicKey: nil),
                let secret = try? key.decapsulate(ciphertext)
            else { return nil }
            return secret.withUnsafeBytes { SecureBytes(copying: $0) }
        }
        guard let shared, shared.count == MLKEM.sharedSecretByteCount else { throw .invalidKey }
        return shared
    }

    /// `ML-KEM.Encaps(publicKey)` with swift-crypto's own randomness.
    ///
    /// - Throws: ``CryptoError/invalidKey`` when the key is not a valid encoding.
    static func encapsulate(to publicKey: [UInt8]) throws(CryptoError) -> MLKEM.Encapsulation {
        guard let key = try? Crypto.MLKEM1024.PublicKey(rawRepresentation: publicKey),
            let result = try? key.encapsulate()
        else { throw .invalidKey }
        let secret = result.sharedSecret.withUnsafeBytes { SecureBytes(copying: $0) }
        return try MLKEM.Encapsulation(
            ciphertext: MLKEM.Ciphertext(rawRepresentation: Array(result.encapsulated)), sharedSecret: secret)
    }
}
