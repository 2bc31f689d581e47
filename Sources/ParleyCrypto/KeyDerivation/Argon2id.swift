import CSodium

/// Argon2id password hashing (libsodium `crypto_pwhash` with `crypto_pwhash_ALG_ARGON2ID13`):
/// stretches a passphrase into a key so that guessing passphrases offline is expensive.
public enum Argon2id {
    /// The salt length libsodium requires.
    public static let saltByteCount = Int(crypto_pwhash_saltbytes())

    /// Time and memory cost. Stored beside the salt so that a store opened later (or on
    /// another machine) derives the same key.
    public struct Limits: Sendable, Equatable {
        /// Number of passes (libsodium's opslimit).
        public let operations: UInt64
        /// Memory in bytes (libsodium's memlimit).
        public let memoryBytes: UInt64
        /// Set only by ``minimumForTesting``: the one way to make new keys below ``floor``. Not
        /// part of equality: limits read from a file equal the named ones with the same numbers.
        public let isForTestingOnly: Bool

        /// Equal passes and memory.
        public static func == (lhs: Limits, rhs: Limits) -> Bool {
            lhs.operations == rhs.operations && lhs.memoryBytes == rhs.memoryBytes
        }

        public init(operations: UInt64, memoryBytes: UInt64) {
            self.init(operations: operations, memoryBytes: memoryBytes, isForTestingOnly: false)
        }

        private init(operations: UInt64, memoryBytes: UInt64, isForTestingOnly: Bool) {
            self.operations = operations
            self.memoryBytes = memoryBytes
            self.isForTestingOnly = isForTestingOnly
        }

        /// libsodium's "moderate" limits (3 passes, 256 MiB): the default for stores.
        public static let moderate = Limits(
            operations: UInt64(crypto_pwhash_opslimit_moderate()), memoryBytes: UInt64(crypto_pwhash_memlimit_moderate()))
        /// libsodium's "interactive" limits (2 passes, 64 MiB).
        public static let interactive = Limits(
            operations: UInt64(crypto_pwhash_opslimit_interactive()),
            memoryBytes: UInt64(crypto_pwhash_memlimit_interactive()))
        /// The smallest limits libsodium accepts (1 pass, 8 KiB). For tests only: offers no
        /// protection against guessing. The only limits below ``floor`` that
        /// ``isAcceptedForNewKeys`` lets through (the same numbers made with the public
        /// initializer are refused).
        public static let minimumForTesting = Limits(
            operations: UInt64(crypto_pwhash_opslimit_min()), memoryBytes: UInt64(crypto_pwhash_memlimit_min()),
            isForTestingOnly: true)

        /// The least a new passphrase-derived key may cost: libsodium's ``interactive`` (2
        /// passes, 64 MiB). Below it a stolen store or backup file is cheap to guess at.
        public static let floor = interactive

        /// The most a stored header or a backup file may ask for (32 passes, 4 GiB). A file
        /// names its own limits, so without a ceiling a crafted file could make opening it
        /// take hours or exhaust memory.
        public static let maximumAccepted = Limits(operations: 32, memoryBytes: 4 << 30)

        /// True when libsodium supports these limits and they are within ``maximumAccepted``.
        public var isAccepted: Bool {
            isSupported && operations <= Self.maximumAccepted.operations && memoryBytes <= Self.maximumAccepted.memoryBytes
        }

        /// True when these limits may protect a new key (a new store, a new passphrase, a
        /// backup): ``isAccepted`` and at least ``floor`` in both passes and memory, or
        /// ``minimumForTesting``. Existing files are opened with whatever accepted limits they name.
        public var isAcceptedForNewKeys: Bool {
            isAccepted && (isForTestingOnly || (operations >= Self.floor.operations && memoryBytes >= Self.floor.memoryBytes))
        }

        /// True when libsodium accepts these limits.
        public var isSupported: Bool {
            operations >= UInt64(crypto_pwhash_opslimit_min()) && operations <= UInt64(crypto_pwhash_opslimit_max())
                && memoryBytes >= UInt64(crypto_pwhash_memlimit_min())
                && memoryBytes <= UInt64(min(crypto_pwhash_memlimit_max(), Int.max))
        }
    }

    /// Derives a `length`-byte key from `passphrase` and `salt`.
    ///
    /// - Throws: ``CryptoError/invalidLength(expected:actual:)`` for a wrong salt length or
    ///   unsupported limits; ``CryptoError/libraryUnavailable`` when libsodium could not
    ///   allocate the memory the limits ask for.
    public static func deriveKey(
        passphrase: SecureBytes,
        salt: [UInt8],
        limits: Limits,
        length: Int = 32
    ) throws(CryptoError) -> SecureBytes {
        guard salt.count == saltByteCount else { throw .invalidLength(expected: saltByteCount, actual: salt.count) }
        guard limits.isSupported, length >= 16 else { throw .invalidLength(expected: 32, actual: length) }
        _ = Sodium.ready
        var status: Int32 = 0
        let key = SecureBytes(count: length) { (out: UnsafeMutableRawBufferPointer) -> Void in
            passphrase.withUnsafeBytes { pass in
                salt.withUnsafeBytes { saltBytes in
                    status = crypto_pwhash(
                        out.mutableBytePointer, UInt64(length),
                        pass.charPointer,
                        UInt64(pass.count), saltBytes.bytePointer,
                        limits.operations, Int(limits.memoryBytes), crypto_pwhash_ALG_ARGON2ID13)
                }
            }
        }
        guard status == 0 else { throw .libraryUnavailable }
        return key
    }
}
