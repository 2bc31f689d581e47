/// ML-KEM-1024 (FIPS 203), the key encapsulation mechanism of Parley-v2's post-quantum prekeys.
///
/// Parley uses one parameter set only, so the namespace carries no number. A key pair is made
/// from a 64-byte seed `d || z` (FIPS 203 `ML-KEM.KeyGen_internal(d, z)`), and the private key is
/// kept as that seed in ``SecureBytes``: it is the smallest complete form, and the one the test
/// vectors name. The one file that calls swift-crypto is `Backend/MLKEMBackend.swift`.
public enum MLKEM {
    /// Length of the key-generation seed `d || z`.
    public static let seedByteCount = 64
    /// Length of an encapsulation (public) key.
    public static let publicKeyByteCount = 1568
    /// Length of a ciphertext.
    public static let ciphertextByteCount = 1568
    /// Length of a shared secret.
    public static let sharedSecretByteCount = 32

    /// An ML-KEM-1024 encapsulation key (1568 bytes).
    public struct PublicKey: Sendable, Hashable {
        /// The 1568 raw bytes.
        public let rawRepresentation: [UInt8]

        /// Wraps 1568 bytes. Whether they are a valid encoding (every coefficient below q) is
        /// checked where it matters: a ``KEMEncapsulator`` reports
        /// ``CryptoError/invalidKey`` for an invalid one.
        ///
        /// - Throws: ``CryptoError/invalidLength(expected:actual:)`` unless 1568 bytes.
        public init(rawRepresentation bytes: some Collection<UInt8>) throws(CryptoError) {
            let raw = Array(bytes)
            guard raw.count == publicKeyByteCount else {
                throw .invalidLength(expected: publicKeyByteCount, actual: raw.count)
            }
            rawRepresentation = raw
        }

        init(trustedRawRepresentation raw: [UInt8]) { rawRepresentation = raw }
    }

    /// An ML-KEM-1024 ciphertext (1568 bytes). Any 1568 bytes are well formed: the length is
    /// ML-KEM's only input check, and a forged ciphertext decapsulates to an unrelated secret.
    public struct Ciphertext: Sendable, Hashable {
        /// The 1568 raw bytes.
        public let rawRepresentation: [UInt8]

        /// Wraps 1568 bytes.
        ///
        /// - Throws: ``CryptoError/invalidLength(expected:actual:)`` unless 1568 bytes.
        public init(rawRepresentation bytes: some Collection<UInt8>) throws(CryptoError) {
            let raw = Array(bytes)
            guard raw.count == ciphertextByteCount else {
                throw .invalidLength(expected: ciphertextByteCount, actual: raw.count)
            }
            rawRepresentation = raw
        }
    }

    /// The result of an encapsulation: the ciphertext to send and the 32-byte shared secret.
    public struct Encapsulation: Sendable {
        /// CT, sent to the key's owner.
        public let ciphertext: Ciphertext
        /// SS (32 bytes).
        public let sharedSecret: SecureBytes

        /// Pairs a ciphertext with its shared secret.
        ///
        /// - Throws: ``CryptoError/invalidLength(expected:actual:)`` unless the secret is 32 bytes.
        public init(ciphertext: Ciphertext, sharedSecret: SecureBytes) throws(CryptoError) {
            guard sharedSecret.count == sharedSecretByteCount else {
                throw .invalidLength(expected: sharedSecretByteCount, actual: sharedSecret.count)
            }
            self.ciphertext = ciphertext
            self.sharedSecret = sharedSecret
        }
    }

    /// An ML-KEM-1024 decapsulation key, held as its 64-byte seed, with its public key.
    public struct PrivateKey: Sendable {
        let seed: SecureBytes
        /// The matching encapsulation key, computed once.
        public let publicKey: PublicKey

        /// A fresh key pair from a seed drawn from `random` (so that vectors are reproducible).
        public init(random: some RandomSource) {
            let seed = SecureBytes(randomCount: seedByteCount, from: random)
            // A 64-byte seed always expands (the backend refuses only other lengths); were it
            // ever refused, the empty public key would fail every encapsulation as invalid.
            let publicKey = (try? MLKEMBackend.publicKey(seed: seed)) ?? PublicKey(trustedRawRepresentation: [])
            self.init(seed: seed, publicKey: publicKey)
        }

        /// The key pair `ML-KEM.KeyGen_internal(d, z)` makes from `seed = d || z`.
        ///
        /// - Throws: ``CryptoError/invalidLength(expected:actual:)`` unless 64 bytes.
        public init(seed: SecureBytes) throws(CryptoError) {
            guard seed.count == seedByteCount else { throw .invalidLength(expected: seedByteCount, actual: seed.count) }
            self.init(seed: seed, publicKey: try MLKEMBackend.publicKey(seed: seed))
        }

        /// Restores a stored key pair without expanding the seed again. Only for storage that
        /// authenticates what it returns.
        ///
        /// - Throws: ``CryptoError/invalidLength(expected:actual:)`` unless the seed is 64 bytes.
        public init(restoringSeed seed: SecureBytes, publicKey: PublicKey) throws(CryptoError) {
            guard seed.count == seedByteCount else { throw .invalidLength(expected: seedByteCount, actual: seed.count) }
            self.init(seed: seed, publicKey: publicKey)
        }

        init(seed: SecureBytes, publicKey: PublicKey) {
            self.seed = seed
            self.publicKey = publicKey
        }

        /// The 64-byte seed `d || z`, still protected.
        public var seedRepresentation: SecureBytes { seed }

        /// `ML-KEM.Decaps`: the shared secret of `ciphertext`. A forged ciphertext gives an
        /// unrelated secret (implicit rejection), not an error.
        ///
        /// - Throws: ``CryptoError/invalidKey`` only if the backend refuses the seed or
        ///   ciphertext, which it does only for lengths that these types exclude.
        public func decapsulate(_ ciphertext: Ciphertext) throws(CryptoError) -> SecureBytes {
            try MLKEMBackend.decapsulate(ciphertext.rawRepresentation, seed: seed)
        }
    }
}

extension MLKEM.PublicKey: CustomStringConvertible {
    /// A short fingerprint (first 8 bytes in hex); public keys are not secret.
    public var description: String { "MLKEM.PublicKey(\(Hex.encode(rawRepresentation.prefix(8)))…)" }
}

extension MLKEM.PrivateKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "MLKEM.PrivateKey(public: \(publicKey), private: redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

extension MLKEM.Encapsulation: CustomStringConvertible, CustomReflectable {
    public var description: String {
        "MLKEM.Encapsulation(ciphertext: \(ciphertext.rawRepresentation.count) bytes, secret: redacted)"
    }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
