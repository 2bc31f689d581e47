import CSodium

/// The one source of every random draw in Parley: ephemeral keys, ratchet keys, nonces.
///
/// Production code uses ``SystemRandomSource`` (libsodium's `randombytes_buf`). Tests and test
/// vectors inject a scripted or seeded source so that every output is reproducible.
public protocol RandomSource: Sendable {
    /// Fills `buffer` completely with random bytes.
    func fill(_ buffer: UnsafeMutableRawBufferPointer)
}

extension RandomSource {
    /// `count` random bytes as a plain (non-secret) array, e.g. for a nonce.
    public func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { fill($0) }
        return out
    }
}

/// libsodium's `randombytes_buf`: the operating system's CSPRNG.
public struct SystemRandomSource: RandomSource {
    public init() {}

    public func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        // sodium_init only selects implementations; randombytes_buf works (and is safe) even if
        // it had failed, because it falls back to the OS generator on first use.
        _ = Sodium.ready
        randombytes_buf(base, buffer.count)
    }
}
