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
        MessageKey(secret: Self.step(secret, 0x01))
    }

    /// The chain key after this one (for message number `index + 1`).
    func next() -> ChainKey {
        ChainKey(secret: Self.step(secret, 0x02), index: index + 1)
    }

    /// The chain key for message number `number` (≥ ``index``), stepping without keeping the
    /// message keys in between.
    func advanced(to number: UInt64) -> ChainKey {
        var chain = self
        while chain.index < number { chain = chain.next() }
        return chain
    }

    /// HMAC-SHA-256(ck, byte). Chain keys are 32 bytes by construction (KDF_RK output halves,
    /// or restored 32-byte fields), so the length check cannot fail; the fallback keeps the
    /// general HMAC for completeness rather than trapping.
    private static func step(_ key: SecureBytes, _ byte: UInt8) -> SecureBytes {
        (try? HMACSHA256.authenticationCode(key: key, byte: byte)) ?? HMACSHA256.authenticationCode(key: key, message: [byte])
    }
}
