/// Performs ML-KEM encapsulations for the initiator of a Parley-v2 session: the seam between the
/// protocol code and the KEM's own randomness.
///
/// swift-crypto encapsulates with BoringSSL's random generator and offers no way to pass the
/// 32-byte message `m` on Linux, so encapsulation is the one random draw that cannot go through
/// ``RandomSource``. Production uses ``SystemKEMEncapsulator``; test-vector replay injects the
/// (ciphertext, shared secret) pairs a vector lists, after checking each against the receiver's key.
public protocol KEMEncapsulator: Sendable {
    /// `ML-KEM.Encaps(publicKey)`.
    ///
    /// - Throws: ``CryptoError/invalidKey`` when `publicKey` is not a valid encoding.
    func encapsulate(to publicKey: MLKEM.PublicKey) throws(CryptoError) -> MLKEM.Encapsulation
}

/// Real ML-KEM-1024 encapsulation (swift-crypto, with the operating system's randomness).
public struct SystemKEMEncapsulator: KEMEncapsulator {
    public init() {}

    public func encapsulate(to publicKey: MLKEM.PublicKey) throws(CryptoError) -> MLKEM.Encapsulation {
        try MLKEMBackend.encapsulate(to: publicKey.rawRepresentation)
    }
}
