import ParleyCrypto
import Testing

private func hex(_ text: String) -> [UInt8] { Hex.decode(text) ?? [] }

/// Hands out scripted bytes, so that a stream header is chosen by the test.
private struct ScriptedRandomSource: RandomSource {
    let bytes: [UInt8]
    func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        for index in buffer.indices { buffer[index] = bytes[index % bytes.count] }
    }
}

/// Seals `chunks` (the last one final) and returns the header and the sealed chunks.
private func seal(_ chunks: [[UInt8]], key: SecureBytes) throws -> (header: [UInt8], sealed: [[UInt8]]) {
    let pusher = try SecretStream.Pusher(key: key, random: SystemRandomSource())
    let sealed = chunks.enumerated().map { index, chunk in pusher.push(chunk, final: index == chunks.count - 1) }
    #expect(pusher.isFinished)
    return (pusher.header, sealed)
}

/// secretstream: round trips, libsodium interop, and every kind of tampering rejected.
struct SecretStreamTests {
    let key = SecretStream.makeKey(random: SystemRandomSource())
    let chunks: [[UInt8]] = [Array("first".utf8), [], Array(repeating: 0xAB, count: 70_000), Array("last".utf8)]

    @Test func roundTrip() throws {
        let (header, sealed) = try seal(chunks, key: key)
        #expect(header.count == SecretStream.headerByteCount)
        let puller = try SecretStream.Puller(key: key, header: header)
        for (index, chunk) in sealed.enumerated() {
            #expect(chunk.count == chunks[index].count + SecretStream.chunkOverheadByteCount)
            let opened = try puller.pull(chunk)
            #expect(opened.plaintext == chunks[index])
            #expect(opened.isFinal == (index == chunks.count - 1))
        }
        #expect(puller.isFinished)
    }

    /// The vector was sealed by libsodium's own `init_push` and `push` through Python ctypes
    /// (key bytes 0...31; chunk "Parley chunk one" with TAG_MESSAGE, then "last" with TAG_FINAL):
    /// our puller opens it, and our pusher given the same header seals the same bytes.
    @Test func interoperatesWithLibsodiumInitPush() throws {
        let key = SecureBytes(copying: Array(0..<32))
        let header = hex("265c6ba761beda5664170a45a7183f87ba9848bee4a9941e")
        let sealed = [
            hex("e7eb75c5b204468c1cc997b87085ce5f2ee47940087f5776af3f5bbfa55bc4b6d5"),
            hex("a865973bbeac295544eac50bf91e91602ede6f1c9d"),
        ]
        let puller = try SecretStream.Puller(key: key, header: header)
        let first = try puller.pull(sealed[0])
        let last = try puller.pull(sealed[1])
        #expect(first.plaintext == Array("Parley chunk one".utf8) && !first.isFinal)
        #expect(last.plaintext == Array("last".utf8) && last.isFinal)

        let pusher = try SecretStream.Pusher(key: key, random: ScriptedRandomSource(bytes: header))
        #expect(pusher.header == header)
        #expect(pusher.push(Array("Parley chunk one".utf8), final: false) == sealed[0])
        #expect(pusher.push(Array("last".utf8), final: true) == sealed[1])
    }

    @Test func tamperedChunkIsRejected() throws {
        let (header, sealed) = try seal(chunks, key: key)
        for position in [0, 1, sealed[2].count / 2, sealed[2].count - 1] {
            var altered = sealed
            altered[2][position] ^= 0x01
            let puller = try SecretStream.Puller(key: key, header: header)
            _ = try puller.pull(altered[0])
            _ = try puller.pull(altered[1])
            #expect(throws: CryptoError.authenticationFailure) { try puller.pull(altered[2]) }
            // A failed stream stays failed, even for the genuine next chunk.
            #expect(throws: CryptoError.authenticationFailure) { try puller.pull(sealed[2]) }
        }
    }

    @Test func tamperedHeaderIsRejected() throws {
        let (header, sealed) = try seal(chunks, key: key)
        var altered = header
        altered[5] ^= 0x80
        let puller = try SecretStream.Puller(key: key, header: altered)
        #expect(throws: CryptoError.authenticationFailure) { try puller.pull(sealed[0]) }
    }

    /// Delivery orders whose last chunk is out of place: skipped ahead, dropped, replayed, swapped.
    @Test(arguments: [[0, 2], [1], [0, 0], [0, 1, 3], [0, 1, 2, 1], [0, 1, 2, 3, 3]])
    func outOfOrderChunkIsRejected(order: [Int]) throws {
        let (header, sealed) = try seal(chunks, key: key)
        let puller = try SecretStream.Puller(key: key, header: header)
        for index in order.dropLast() {
            _ = try puller.pull(sealed[index])
        }
        #expect(throws: CryptoError.authenticationFailure) { try puller.pull(sealed[order[order.count - 1]]) }
    }

    @Test func truncationLeavesTheStreamUnfinished() throws {
        let (header, sealed) = try seal(chunks, key: key)
        let puller = try SecretStream.Puller(key: key, header: header)
        for chunk in sealed.dropLast() {
            #expect(try !puller.pull(chunk).isFinal)
        }
        #expect(!puller.isFinished)
        // A truncated last chunk fails authentication too.
        #expect(throws: CryptoError.authenticationFailure) { try puller.pull(Array(sealed[3].dropLast())) }
    }

    @Test func nothingIsAcceptedAfterTheFinalChunk() throws {
        let pusher = try SecretStream.Pusher(key: key, random: SystemRandomSource())
        let only = pusher.push([1, 2, 3], final: true)
        let puller = try SecretStream.Puller(key: key, header: pusher.header)
        #expect(try puller.pull(only).isFinal)
        #expect(throws: CryptoError.authenticationFailure) { try puller.pull(only) }
        #expect(throws: CryptoError.authenticationFailure) { try puller.pull([UInt8](repeating: 0, count: 40)) }
    }

    @Test func wrongKeyIsRejected() throws {
        let (header, sealed) = try seal(chunks, key: key)
        let other = SecretStream.makeKey(random: SystemRandomSource())
        #expect(other != key)
        let puller = try SecretStream.Puller(key: other, header: header)
        #expect(throws: CryptoError.authenticationFailure) { try puller.pull(sealed[0]) }
    }

    @Test func shortChunkAndBadLengthsAreRejected() throws {
        let (header, _) = try seal(chunks, key: key)
        let puller = try SecretStream.Puller(key: key, header: header)
        #expect(throws: CryptoError.authenticationFailure) { try puller.pull([UInt8](repeating: 0, count: 16)) }
        #expect(throws: CryptoError.invalidLength(expected: 32, actual: 31)) {
            try SecretStream.Pusher(key: SecureBytes(copying: [UInt8](repeating: 1, count: 31)), random: SystemRandomSource())
        }
        #expect(throws: CryptoError.invalidLength(expected: 24, actual: 23)) {
            try SecretStream.Puller(key: key, header: Array(header.prefix(23)))
        }
    }

    @Test func headerComesFromTheInjectedRandomSource() throws {
        let random = ScriptedRandomSource(bytes: [7, 1, 9])
        let first = try SecretStream.Pusher(key: key, random: random)
        let second = try SecretStream.Pusher(key: key, random: random)
        #expect(first.header == second.header)
        #expect(first.push([42], final: true) == second.push([42], final: true))
        #expect(SecretStream.makeKey(random: random).unprotectedBytes() == random.bytes(32))
    }
}
