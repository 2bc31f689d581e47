import ParleyCrypto

/// File-to-file attachment encryption with ``SecretStream`` in bounded memory (Specs/client.md,
/// "Attachments"; layout in ``AttachmentFormat``).
///
/// Both directions read and write one 64 KiB chunk at a time and write into a temporary file
/// next to the output, renamed onto the output only when everything succeeded: after a failure
/// nothing is left at the output path.
public enum AttachmentCipher {
    /// Called after each chunk with (bytes done, total bytes) of plaintext.
    public typealias Progress = (Int64, Int64) -> Void

    /// Encrypts a file under a fresh key, hashing the ciphertext as it is written.
    /// - Parameters:
    ///   - input: path of the file to encrypt.
    ///   - output: path of the encrypted file (replaced if present).
    ///   - random: the source of the key and the stream header.
    ///   - progress: called after each chunk with plaintext bytes done and the file's size.
    /// - Returns: the key, both sizes and the ciphertext's SHA-256.
    /// - Throws: ``AttachmentCipherError/fileAccess(path:errno:)`` or
    ///   ``AttachmentCipherError/fileTooLarge(_:)``.
    public static func encryptFile(
        at input: String, to output: String, random: some RandomSource, progress: Progress? = nil
    ) throws(AttachmentCipherError) -> EncryptedAttachment {
        let source = try AttachmentFile.openForReading(input)
        let total = try source.size()
        guard total <= AttachmentFormat.maximumPlaintextByteCount else { throw .fileTooLarge(total) }
        let key = SecretStream.makeKey(random: random)
        let pusher = try makePusher(key: key, random: random)
        return try AttachmentFile.writeAtomically(to: output) { (sink) throws(AttachmentCipherError) in
            var hasher = SHA256.Hasher()
            var ciphertextSize = Int64(pusher.header.count)
            hasher.update(pusher.header)
            try sink.writeAll(pusher.header)
            var done: Int64 = 0
            var chunks = try PlaintextChunkReader(source: source)
            while let chunk = try chunks.next() {
                // A file that grows past the limit while it is read is refused, not sealed beyond it.
                done += Int64(chunk.bytes.count)
                guard done <= AttachmentFormat.maximumPlaintextByteCount else { throw .fileTooLarge(done) }
                let sealed = pusher.push(chunk.bytes, final: chunk.isLast)
                hasher.update(sealed)
                try sink.writeAll(sealed)
                ciphertextSize += Int64(sealed.count)
                progress?(done, total)
            }
            return EncryptedAttachment(
                key: key, plaintextSize: done, ciphertextSize: ciphertextSize, ciphertextSHA256: hasher.finalize())
        }
    }

    /// Verifies and decrypts an attachment.
    ///
    /// Order: the SHA-256 of the whole ciphertext file is checked first (streamed, constant-time
    /// compare); then the chunks are opened one by one into a temporary file; the final tag must
    /// be on the last chunk with nothing after it, and the plaintext must have the expected size.
    /// Only then is the temporary file renamed onto `output`. (Should the file change between
    /// the hash and the decryption pass, the chunks' own authentication still holds.)
    /// - Parameters:
    ///   - ciphertextPath: the downloaded encrypted file.
    ///   - output: where the decrypted file goes (replaced only on success).
    ///   - key: the attachment's 32-byte key from its pointer.
    ///   - expectedCiphertextSHA256: the digest from the pointer.
    ///   - expectedPlaintextSize: the size from the pointer.
    ///   - progress: called after each chunk with plaintext bytes written and `expectedPlaintextSize`.
    /// - Throws: an ``AttachmentCipherError``; after any of them nothing is at `output` (a file
    ///   that was there before is left untouched).
    public static func decryptFile(
        at ciphertextPath: String, to output: String, key: SecureBytes, expectedCiphertextSHA256: [UInt8],
        expectedPlaintextSize: Int64, progress: Progress? = nil
    ) throws(AttachmentCipherError) {
        guard key.count == SecretStream.keyByteCount else { throw .invalidKeyLength(key.count) }
        let source = try AttachmentFile.openForReading(ciphertextPath)
        guard ConstantTime.equals(try sha256(of: source), expectedCiphertextSHA256) else { throw .hashMismatch }
        try source.rewind()
        try AttachmentFile.writeAtomically(to: output) { (sink) throws(AttachmentCipherError) in
            var header = [UInt8](repeating: 0, count: SecretStream.headerByteCount)
            guard try source.readFull(into: &header) == header.count else { throw .truncated }
            let puller: SecretStream.Puller
            do { puller = try SecretStream.Puller(key: key, header: header) } catch { throw .authenticationFailure }
            var sealed = [UInt8](repeating: 0, count: AttachmentFormat.sealedChunkByteCount)
            var written: Int64 = 0
            var isFinished = false
            while !isFinished {
                let count = try source.readFull(into: &sealed)
                guard count > 0 else { throw .truncated }
                let chunk: (plaintext: [UInt8], isFinal: Bool)
                do { chunk = try puller.pull(Array(sealed[0..<count])) } catch { throw .authenticationFailure }
                written += Int64(chunk.plaintext.count)
                // Stop as soon as the plaintext outgrows what the pointer announced.
                guard written <= expectedPlaintextSize else {
                    throw .sizeMismatch(expected: expectedPlaintextSize, actual: written)
                }
                try sink.writeAll(chunk.plaintext)
                progress?(written, expectedPlaintextSize)
                isFinished = chunk.isFinal
            }
            var probe: [UInt8] = [0]
            guard try source.readFull(into: &probe) == 0 else { throw .dataAfterFinal }
            guard written == expectedPlaintextSize else {
                throw .sizeMismatch(expected: expectedPlaintextSize, actual: written)
            }
        }
    }

    private static func makePusher(key: SecureBytes, random: some RandomSource) throws(AttachmentCipherError)
        -> SecretStream.Pusher
    {
        do { return try SecretStream.Pusher(key: key, random: random) } catch { throw .invalidKeyLength(key.count) }
    }

    /// SHA-256 of the rest of `file`, read a chunk at a time.
    private static func sha256(of file: AttachmentFile) throws(AttachmentCipherError) -> [UInt8] {
        var hasher = SHA256.Hasher()
        var buffer = [UInt8](repeating: 0, count: AttachmentFormat.sealedChunkByteCount)
        while true {
            let count = try file.readFull(into: &buffer)
            if count == 0 { return hasher.finalize() }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
    }
}
