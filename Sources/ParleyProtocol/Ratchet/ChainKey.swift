import ParleyCrypto

/// A sending or receiving chain key CK with the number of the next message on the chain.
///
///     KDF_CK(ck): ck' = HMAC-SHA-256(ck, 0x02), mk = HMAC-SHA-256(ck, 0x01)
struct ChainKey: Sendable {
    let secret: SecureBytes
    /// Ns or Nr: the number of the next message key this chain will give.
    let index: UInt64

    /// The message key for message number ``index``.
    func messageKey() -> MessageKey {
        MessageKey(secret: HMACSHA256.authenticationCode(key: secret, message: [0x01]))
    }

    /// The chain key after this one (for message number `index + 1`).
    func next() -> ChainKey {
        ChainKey(secret: HMACSHA256.authenticationCode(key: secret, message: [0x02]), index: index + 1)
    }
}
