import CSodium

/// The bare libsodium calls that Parley operations consist of, on preallocated buffers:
/// the floor that no wrapper can beat.
struct SodiumFloor {
    var chainKey = [UInt8](repeating: 7, count: 32)
    var messageKey = [UInt8](repeating: 0, count: 32)
    var nextChainKey = [UInt8](repeating: 0, count: 32)
    var rootKey = [UInt8](repeating: 9, count: 32)
    var prk = [UInt8](repeating: 0, count: 32)
    var okm = [UInt8](repeating: 0, count: 64)
    var nonce = [UInt8](repeating: 0, count: 24)
    var plaintext = [UInt8](repeating: 0x61, count: 100)
    var associatedData = [UInt8](repeating: 0x42, count: 64 + 42)
    var ciphertext = [UInt8](repeating: 0, count: 100 + 16)
    var decrypted = [UInt8](repeating: 0, count: 100)
    var secretA = [UInt8](repeating: 0, count: 32)
    var publicA = [UInt8](repeating: 0, count: 32)
    var secretB = [UInt8](repeating: 0, count: 32)
    var publicB = [UInt8](repeating: 0, count: 32)
    var shared = [UInt8](repeating: 0, count: 32)
    // Room for F || DH1..DH4 || SS (Parley-v2 with OPK_B).
    var ikm = [UInt8](repeating: 0xFF, count: 32 * 6)

    init() {
        _ = sodium_init()
        randombytes_buf(&secretA, 32)
        crypto_scalarmult_curve25519_base(&publicA, secretA)
        randombytes_buf(&secretB, 32)
        crypto_scalarmult_curve25519_base(&publicB, secretB)
    }

    /// KDF_CK: two one-shot HMACs.
    mutating func chainStep() {
        var one: UInt8 = 1
        var two: UInt8 = 2
        crypto_auth_hmacsha256(&messageKey, &one, 1, chainKey)
        crypto_auth_hmacsha256(&nextChainKey, &two, 1, chainKey)
    }

    /// The chain key half of KDF_CK alone (stepping past a message without its key).
    mutating func chainStepOnly() {
        var two: UInt8 = 2
        crypto_auth_hmacsha256(&nextChainKey, &two, 1, chainKey)
    }

    /// Nonce draw and XChaCha20-Poly1305 seal of the 100-byte plaintext.
    mutating func seal() {
        randombytes_buf(&nonce, 24)
        var written: UInt64 = 0
        crypto_aead_xchacha20poly1305_ietf_encrypt(
            &ciphertext, &written, plaintext, UInt64(plaintext.count), associatedData, UInt64(associatedData.count),
            nil, nonce, messageKey)
    }

    /// XChaCha20-Poly1305 open of what ``seal()`` made.
    mutating func open() -> Bool {
        var written: UInt64 = 0
        return crypto_aead_xchacha20poly1305_ietf_decrypt(
            &decrypted, &written, nil, ciphertext, UInt64(ciphertext.count), associatedData,
            UInt64(associatedData.count), nonce, messageKey) == 0
    }

    /// One X25519.
    mutating func dh() {
        _ = crypto_scalarmult_curve25519(&shared, secretA, publicB)
    }

    /// A new X25519 key pair.
    mutating func generateKey() {
        randombytes_buf(&secretB, 32)
        crypto_scalarmult_curve25519_base(&publicB, secretB)
    }

    /// HKDF-SHA-256 extract and expand to `length` (≤ 64) bytes, on incremental HMAC.
    mutating func hkdf(inputLength: Int, length: Int) {
        var state = crypto_auth_hmacsha256_state()
        crypto_auth_hmacsha256_init(&state, rootKey, 32)
        crypto_auth_hmacsha256_update(&state, ikm, UInt64(inputLength))
        crypto_auth_hmacsha256_final(&state, &prk)
        var previous: [UInt8] = []
        let info = Array("Parley-v1 root".utf8)
        var block = 0
        while block * 32 < length {
            var counter = UInt8(block + 1)
            crypto_auth_hmacsha256_init(&state, prk, 32)
            crypto_auth_hmacsha256_update(&state, previous, UInt64(previous.count))
            crypto_auth_hmacsha256_update(&state, info, UInt64(info.count))
            crypto_auth_hmacsha256_update(&state, &counter, 1)
            okm.withUnsafeMutableBufferPointer { out in
                if let base = out.baseAddress { _ = crypto_auth_hmacsha256_final(&state, base + block * 32) }
            }
            previous = Array(okm[(block * 32)..<(block * 32 + 32)])
            block += 1
        }
    }

    /// Ed25519 verification of a signature over 32 bytes.
    func verify(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        crypto_sign_verify_detached(signature, message, UInt64(message.count), publicKey) == 0
    }

    /// Ed25519 → X25519 public-key conversion.
    mutating func convertPublicKey(_ publicKey: [UInt8]) {
        _ = crypto_sign_ed25519_pk_to_curve25519(&shared, publicKey)
    }
}
