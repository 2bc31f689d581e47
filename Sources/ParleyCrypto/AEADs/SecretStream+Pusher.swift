import CSodium

extension SecretStream {
    /// The sending side of a secret stream: seals chunks in order, the last one final.
    ///
    /// Not `Sendable`: every push advances the state, so one owner pushes in sequence.
    public final class Pusher {
        /// The stream header, to be sent before the first chunk.
        public let header: [UInt8]
        /// True once a chunk was pushed with `final: true`.
        public private(set) var isFinished = false
        private let state: SecretStreamState

        /// Starts a stream under `key` with a header drawn from `random`.
        /// - Parameters:
        ///   - key: 32 secret bytes (see ``SecretStream/makeKey(random:)``).
        ///   - random: the source of the 24-byte header.
        /// - Throws: ``CryptoError/invalidLength(expected:actual:)`` unless the key has 32 bytes.
        public init(key: SecureBytes, random: some RandomSource) throws(CryptoError) {
            try SecretStream.checkKey(key)
            let header = random.bytes(SecretStream.headerByteCount)
            self.header = header
            state = header.withUnsafeBytes { SecretStreamState(key: key, header: $0) }
        }

        /// Seals the next chunk.
        ///
        /// Pushing after the final chunk is a programming error (the caller's own control flow,
        /// never outside input) and stops the process.
        /// - Parameters:
        ///   - chunk: the plaintext (any length, including empty).
        ///   - final: true for the last chunk of the stream.
        /// - Returns: the sealed chunk, `chunk.count + ` ``SecretStream/chunkOverheadByteCount`` bytes.
        public func push(_ chunk: UnsafeRawBufferPointer, final: Bool) -> [UInt8] {
            precondition(!isFinished, "SecretStream.Pusher: push after the final chunk")
            let tag =
                final
                ? crypto_secretstream_xchacha20poly1305_tag_final() : crypto_secretstream_xchacha20poly1305_tag_message()
            var sealed = [UInt8](repeating: 0, count: chunk.count + SecretStream.chunkOverheadByteCount)
            sealed.withUnsafeMutableBytes { out in
                _ = crypto_secretstream_xchacha20poly1305_push(
                    state.pointer, out.mutableBytePointer, nil, chunk.bytePointer, UInt64(chunk.count), nil, 0, tag)
            }
            isFinished = final
            return sealed
        }

        /// ``push(_:final:)-(UnsafeRawBufferPointer,_)`` for a byte array.
        public func push(_ chunk: [UInt8], final: Bool) -> [UInt8] {
            chunk.withUnsafeBytes { push($0, final: final) }
        }
    }
}
