/// Failures of the primitives in ParleyCrypto.
///
/// An authentication failure says nothing more than that: the caller must not learn which byte
/// or which check was wrong.
public enum CryptoError: Error, Equatable, Sendable {
    /// A key, nonce or other input had the wrong length.
    case invalidLength(expected: Int, actual: Int)
    /// An X25519 public key was not a canonical encoding (value not below 2^255 − 19).
    case nonCanonicalKey
    /// A key was unusable: an X25519 exchange gave the all-zero output, or an Ed25519 public key
    /// could not be converted to X25519.
    case invalidKey
    /// An AEAD open failed: wrong key, tampered ciphertext, nonce or associated data.
    case authenticationFailure
    /// libsodium could not be initialised.
    case libraryUnavailable
}
