import CSodium

/// libsodium's `crypto_secretstream_xchacha20poly1305_state` in memory of its own, zeroed with
/// `sodium_memzero` when the stream is released (the state holds the stream's subkey).
///
/// Both directions start the same way: `init_pull` derives exactly the state that `init_push`
/// derives from the same key and header (HChaCha20 subkey, counter 1, the header's last 8
/// bytes as nonce). Using it for the push side too lets the header come from an injected
/// ``RandomSource`` instead of libsodium's internal `randombytes_buf`.
final class SecretStreamState {
    let pointer: UnsafeMutablePointer<crypto_secretstream_xchacha20poly1305_state>

    /// Derives the state for `key` (32 bytes) and `header` (24 bytes); lengths are checked by
    /// the caller.
    init(key: SecureBytes, header: UnsafeRawBufferPointer) {
        _ = Sodium.ready
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: crypto_secretstream_xchacha20poly1305_state())
        key.withUnsafeBytes { k in
            _ = crypto_secretstream_xchacha20poly1305_init_pull(pointer, header.bytePointer, k.bytePointer)
        }
    }

    deinit {
        sodium_memzero(pointer, MemoryLayout<crypto_secretstream_xchacha20poly1305_state>.size)
        pointer.deallocate()
    }
}
