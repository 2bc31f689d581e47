import CSodium

extension SecretStream {
    /// The receiving side of a secret stream: opens chunks in the order they were sealed.
    ///
    /// Any failure (altered, reordered, dropped or foreign chunk, a tag other than message or
    /// final, anything after the final chunk) throws ``CryptoError/authenticationFailure`` and
    /// leaves the puller failed for good: a stream that was tampered with is not resumed.
    /// Not `Sendable`: every pull advances the state.
    public final class Puller {
        /// True once the final chunk was opened.
        public private(set) var isFinished = false
        private var hasFailed = false
        private let state: SecretStreamState

        /// Starts reading a stream.
        /// - Parameters:
        ///   - key: the stream's 32-byte key.
        ///   - header: the 24-byte header the sender sent first.
        /// - Throws: ``CryptoError/invalidLength(expected:actual:)`` for a wrong key or header length.
        public init(key: SecureBytes, header: [UInt8]) throws(CryptoError) {
            try SecretStream.checkKey(key)
            guard header.count == SecretStream.headerByteCount else {
                throw .invalidLength(expected: SecretStream.headerByteCount, actual: header.count)
            }
            state = header.withUnsafeBytes { SecretStreamState(key: key, header: $0) }
        }

        /// Verifies and opens the next chunk.
        /// - Parameter chunk: a sealed chunk as ``Pusher/push(_:final:)-(UnsafeRawBufferPointer,_)`` made it.
        /// - Returns: the plaintext, and whether this was the stream's final chunk.
        /// - Throws: ``CryptoError/authenticationFailure`` as described on the type.
        public func pull(_ chunk: UnsafeRawBufferPointer) throws(CryptoError) -> (plaintext: [UInt8], isFinal: Bool) {
            guard !hasFailed, !isFinished, chunk.count >= SecretStream.chunkOverheadByteCount else {
                hasFailed = true
                throw .authenticationFailure
            }
            var plaintext = [UInt8](repeating: 0, count: chunk.count - SecretStream.chunkOverheadByteCount)
            var tag: UInt8 = 0
            let status = plaintext.withUnsafeMutableBytes { out in
                crypto_secretstream_xchacha20poly1305_pull(
                    state.pointer, out.mutableBytePointer, nil, &tag, chunk.bytePointer, UInt64(chunk.count), nil, 0)
            }
            let isFinal = tag == crypto_secretstream_xchacha20poly1305_tag_final()
            // Parley streams use only the message and final tags; push or rekey tags are refused.
            guard status == 0, isFinal || tag == crypto_secretstream_xchacha20poly1305_tag_message() else {
                hasFailed = true
                throw .authenticationFailure
            }
            isFinished = isFinal
            return (plaintext, isFinal)
        }

        /// ``pull(_:)-(UnsafeRawBufferPointer)`` for a byte array.
        public func pull(_ chunk: [UInt8]) throws(CryptoError) -> (plaintext: [UInt8], isFinal: Bool) {
            // withUnsafeBytes rethrows untyped errors; a Result keeps the error type.
            try chunk.withUnsafeBytes { raw in Result { () throws(CryptoError) in try pull(raw) } }.get()
        }
    }
}
