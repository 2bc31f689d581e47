import CSodium

/// Ed25519 signing keys (libsodium `crypto_sign_*`), used as identity keys.
///
/// For Diffie-Hellman an identity key is converted to X25519 with libsodium's birational map
/// (`crypto_sign_ed25519_{pk,sk}_to_curve25519`), written x(IK) in the Parley specs.
public enum Ed25519 {
    public static let seedByteCount = 32
    public static let publicKeyByteCount = 32
    public static let signatureByteCount = 64

    /// An Ed25519 public key (32 bytes).
    public struct PublicKey: Sendable, Hashable {
        /// The 32 raw bytes.
        public let rawRepresentation: [UInt8]

        /// Wraps 32 bytes. Whether they are a valid point is checked where it matters
        /// (signature verification, conversion to X25519).
        ///
        /// - Throws: ``CryptoError/invalidLength(expected:actual:)`` unless 32 bytes.
        public init(rawRepresentation bytes: some Collection<UInt8>) throws(CryptoError) {
            let raw = Array(bytes)
            guard raw.count == publicKeyByteCount else {
                throw .invalidLength(expected: publicKeyByteCount, actual: raw.count)
            }
            rawRepresentation = raw
        }

        init(trustedRawRepresentation raw: [UInt8]) { rawRepresentation = raw }

        /// True when `signature` is a valid Ed25519 signature of `message` by this key.
        public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
            guard signature.count == signatureByteCount else { return false }
            _ = Sodium.ready
            return signature.withUnsafeBytes { sig in
                message.withUnsafeBytes { msg in
                    rawRepresentation.withUnsafeBytes { pk in
                        crypto_sign_verify_detached(
                            sig.bytePointer,
                            msg.bytePointer, UInt64(msg.count),
                            pk.bytePointer) == 0
                    }
                }
            }
        }

        /// x(IK): the X25519 public key of the same key pair.
        ///
        /// - Throws: ``CryptoError/invalidKey`` when the bytes are not a usable Ed25519 point.
        public func keyAgreementKey() throws(CryptoError) -> X25519.PublicKey {
            _ = Sodium.ready
            var out = [UInt8](repeating: 0, count: X25519.keyByteCount)
            let status = out.withUnsafeMutableBytes { o in
                rawRepresentation.withUnsafeBytes { pk in
                    crypto_sign_ed25519_pk_to_curve25519(
                        o.mutableBytePointer,
                        pk.bytePointer)
                }
            }
            guard status == 0 else { throw .invalidKey }
            return try X25519.PublicKey(rawRepresentation: out)
        }
    }

    /// An Ed25519 private key made from a 32-byte seed, with its public key.
    public struct PrivateKey: Sendable {
        let seed: SecureBytes
        /// libsodium's 64-byte secret key (seed || public key).
        let expandedSecret: SecureBytes
        /// The matching public key.
        public let publicKey: PublicKey

        /// A fresh key from a random seed.
        public init(random: some RandomSource) {
            self.init(validatedSeed: SecureBytes(randomCount: seedByteCount, from: random))
        }

        /// The key pair `crypto_sign_seed_keypair` makes from `seed`.
        ///
        /// - Throws: ``CryptoError/invalidLength(expected:actual:)`` unless 32 bytes.
        public init(seed: SecureBytes) throws(CryptoError) {
            guard seed.count == seedByteCount else { throw .invalidLength(expected: seedByteCount, actual: seed.count) }
            self.init(validatedSeed: seed)
        }

        private init(validatedSeed seed: SecureBytes) {
            _ = Sodium.ready
            var pub = [UInt8](repeating: 0, count: publicKeyByteCount)
            let expanded = SecureBytes(count: 64) { (sk: UnsafeMutableRawBufferPointer) -> Void in
                seed.withUnsafeBytes { s in
                    pub.withUnsafeMutableBytes { p in
                        _ = crypto_sign_seed_keypair(
                            p.mutableBytePointer,
                            sk.mutableBytePointer,
                            s.bytePointer)
                    }
                }
            }
            self.seed = seed
            self.expandedSecret = expanded
            self.publicKey = PublicKey(trustedRawRepresentation: pub)
        }

        /// The 32-byte seed, still protected.
        public var seedRepresentation: SecureBytes { seed }

        /// A deterministic Ed25519 signature of `message`.
        public func signature(for message: [UInt8]) -> [UInt8] {
            var signature = [UInt8](repeating: 0, count: signatureByteCount)
            signature.withUnsafeMutableBytes { sig in
                message.withUnsafeBytes { msg in
                    expandedSecret.withUnsafeBytes { sk in
                        _ = crypto_sign_detached(
                            sig.mutableBytePointer, nil,
                            msg.bytePointer, UInt64(msg.count),
                            sk.bytePointer)
                    }
                }
            }
            return signature
        }

        /// x(IK): the X25519 private key of the same key pair.
        public func keyAgreementKey() -> X25519.PrivateKey {
            let secret = SecureBytes(count: X25519.keyByteCount) { (out: UnsafeMutableRawBufferPointer) -> Void in
                expandedSecret.withUnsafeBytes { sk in
                    _ = crypto_sign_ed25519_sk_to_curve25519(
                        out.mutableBytePointer,
                        sk.bytePointer)
                }
            }
            // 32 bytes by construction; the public half follows from the secret.
            return X25519.PrivateKey(validatedSecret: secret)
        }
    }
}

extension Ed25519.PublicKey: CustomStringConvertible {
    /// A short fingerprint (first 8 bytes in hex); public keys are not secret.
    public var description: String { "Ed25519.PublicKey(\(Hex.encode(rawRepresentation.prefix(8)))…)" }
}

extension Ed25519.PrivateKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "Ed25519.PrivateKey(public: \(publicKey), private: redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
