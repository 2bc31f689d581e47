import CSodium

/// A stream of AEAD-sealed chunks (libsodium `crypto_secretstream_xchacha20poly1305`): one key,
/// one 24-byte header, then chunks that can only be opened in the order they were sealed.
///
/// Each chunk carries a tag; the last one is tagged final, so a receiver can tell a complete
/// stream from a truncated one. Reordering, dropping, duplicating or altering a chunk makes
/// ``Puller/pull(_:)`` fail. Used for attachments, which are too large to seal in one piece.
/// The sending side is ``Pusher``, the receiving side ``Puller``.
public enum SecretStream {
    /// Key length in bytes.
    public static let keyByteCount = Int(crypto_secretstream_xchacha20poly1305_keybytes())
    /// Header length in bytes: sent once, before the first chunk.
    public static let headerByteCount = Int(crypto_secretstream_xchacha20poly1305_headerbytes())
    /// Bytes a sealed chunk adds to its plaintext (1 encrypted tag byte and a 16-byte MAC).
    public static let chunkOverheadByteCount = Int(crypto_secretstream_xchacha20poly1305_abytes())

    /// A fresh stream key drawn from `random`.
    /// - Parameter random: the source of the key bytes.
    public static func makeKey(random: some RandomSource) -> SecureBytes {
        SecureBytes(randomCount: keyByteCount, from: random)
    }

    static func checkKey(_ key: SecureBytes) throws(CryptoError) {
        guard key.count == keyByteCount else { throw .invalidLength(expected: keyByteCount, actual: key.count) }
    }
}
