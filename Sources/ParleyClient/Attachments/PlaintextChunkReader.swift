/// Reads a file in ``AttachmentFormat/plaintextChunkByteCount`` pieces, one chunk ahead, so that
/// the last chunk is known when it is sealed (it gets the final tag). An empty file yields one
/// empty last chunk; a file of an exact multiple of the chunk size yields no trailing empty one.
struct PlaintextChunkReader {
    private let source: AttachmentFile
    private var pending: [UInt8]?

    /// Reads the first chunk.
    init(source: AttachmentFile) throws(AttachmentCipherError) {
        self.source = source
        pending = try Self.readChunk(from: source)
    }

    /// The next chunk and whether it is the last, or nil after the last.
    mutating func next() throws(AttachmentCipherError) -> (bytes: [UInt8], isLast: Bool)? {
        guard let current = pending else { return nil }
        let following = current.count < AttachmentFormat.plaintextChunkByteCount ? [] : try Self.readChunk(from: source)
        pending = following.isEmpty ? nil : following
        return (current, following.isEmpty)
    }

    private static func readChunk(from source: AttachmentFile) throws(AttachmentCipherError) -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: AttachmentFormat.plaintextChunkByteCount)
        let count = try source.readFull(into: &chunk)
        chunk.removeSubrange(count...)
        return chunk
    }
}
