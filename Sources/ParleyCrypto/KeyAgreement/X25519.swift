import CSodium

/// X25519 Diffie-Hellman keys (libsodium `crypto_scalarmult_curve25519`).
///
/// Namespaced so that an agreement key cannot stand in for a signing key (``Ed25519``).
public enum X25519 {
    public static let keyByteCount = 32

    /// An X25519 public key in its canonical 32-byte encoding.
    ///
    /// Only canonical encodings (little-endian value below 2^255 − 19, so bit 255 clear) are
    /// accepted: X25519 ignores bit 255 and reduces mod p, so without this rule several byte
    /// strings would name the same key and an unauthenticated field could be changed into an
    /// alias of a key without changing any DH output.
    public struct PublicKey: Sendable, Hashable {
        /// The 32 raw bytes.
        public let rawRepresentation: [UInt8]

        /// Parses a public key.
        ///
        /// - Throws: ``CryptoError/invalidLength(expected:actual:)`` unless 32 bytes;
        ///   ``CryptoError/nonCanonicalKey`` when the value is not below 2^255 − 19.
        public init(rawRepresentation bytes: some Collection<UInt8>) throws(CryptoError) {
            let raw = Array(bytes)
            guard raw.count == keyByteCount else { throw .invalidLength(expected: keyByteCount, actual: raw.count) }
            guard Self.isCanonical(raw) else { throw .nonCanonicalKey }
            rawRepresentation = raw
        }

        init(trustedRawRepresentation raw: [UInt8]) {
            rawRepresentation = raw
        }

        /// True when `raw` (32 bytes, little-endian) is below p = 2^255 − 19.
        static func isCanonical(_ raw: [UInt8]) -> Bool {
            // p = ed ff ff … ff 7f (little-endian). Compare from the most significant byte down.
            if raw[31] & 0x80 != 0 { return false }
            if raw[31] != 0x7f { return true }
            for index in stride(from: 30, through: 1, by: -1) where raw[index] != 0xff { return true }
            return raw[0] < 0xed
        }
    }

    /// An X25519 private key (32 bytes, clamped by libsodium when used) with its public key.
    public struct PrivateKey: Sendable {
        let secret: SecureBytes
        /// The matching public key, computed once.
        public let publicKey: PublicKey

        /// A fresh key drawn from `random`.
        public init(random: some RandomSource) {
            let secret = SecureBytes(randomCount: keyByteCount, from: random)
            self.init(validatedSecret: secret)
        }

        /// A key from its 32 raw private bytes.
        ///
        /// - Throws: ``CryptoError/invalidLength(expected:actual:)`` unless 32 bytes.
        public init(rawRepresentation secret: SecureBytes) throws(CryptoError) {
            guard secret.count == keyByteCount else {
                throw .invalidLength(expected: keyByteCount, actual: secret.count)
            }
            self.init(validatedSecret: secret)
        }

        /// Restores a stored key pair without recomputing the public key. Only for storage that
        /// authenticates what it returns (Parley's sealed session state).
        ///
        /// - Throws: ``CryptoError/invalidLength(expected:actual:)`` unless the secret is 32 bytes.
        public init(restoringSecret secret: SecureBytes, publicKey: PublicKey) throws(CryptoError) {
            guard secret.count == keyByteCount else {
                throw .invalidLength(expected: keyByteCount, actual: secret.count)
            }
            self.init(secret: secret, publicKey: publicKey)
        }

        init(secret: SecureBytes, publicKey: PublicKey) {
            self.secret = secret
            self.publicKey = publicKey
        }

        /// `secret` must be 32 bytes; the public key is computed from it.
        init(validatedSecret secret: SecureBytes) {
            _ = Sodium.ready
            var pub = [UInt8](repeating: 0, count: keyByteCount)
            secret.withUnsafeBytes { s in
                pub.withUnsafeMutableBytes { p in
                    _ = crypto_scalarmult_curve25519_base(
                        p.mutableBytePointer,
                        s.bytePointer)
                }
            }
            self.init(secret: secret, publicKey: PublicKey(trustedRawRepresentation: pub))
        }

        /// The raw private bytes, still protected.
        public var rawRepresentation: SecureBytes { secret }

        /// X25519(self, peer).
        ///
        /// - Throws: ``CryptoError/invalidKey`` when the output is all zero (the peer's key is
        ///   of low order), which Parley always rejects.
        public func sharedSecret(with peer: PublicKey) throws(CryptoError) -> SecureBytes {
            _ = Sodium.ready
            var status: Int32 = 0
            let shared = SecureBytes(count: keyByteCount) { (out: UnsafeMutableRawBufferPointer) -> Void in
                secret.withUnsafeBytes { s in
                    peer.rawRepresentation.withUnsafeBytes { p in
                        status = crypto_scalarmult_curve25519(
                            out.mutableBytePointer,
                            s.bytePointer,
                            p.bytePointer)
                    }
                }
            }
            // libsodium returns -1 exactly when the result is all zero; check both ways.
            guard status == 0, !shared.withUnsafeBytes({ ConstantTime.isZero($0) }) else { throw .invalidKey }
            return shared
        }
    }
}

extension X25519.PublicKey: CustomStringConvertible {
    /// A short fingerprint (first 8 bytes in hex); public keys are not secret.
    public var description: String { "X25519.PublicKey(\(Hex.encode(rawRepresentation.prefix(8)))…)" }
}

extension X25519.PrivateKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "X25519.PrivateKey(public: \(publicKey), private: redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
