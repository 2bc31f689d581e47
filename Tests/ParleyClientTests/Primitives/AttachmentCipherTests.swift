import Foundation
import ParleyCrypto
import Testing

@testable import ParleyClient

/// Attachment files: round trips at chunk boundaries, and every failure leaves nothing behind.
@Suite struct AttachmentCipherTests {
    /// Writes `count` bytes of a fixed pattern to `path`.
    func writeInput(_ path: String, count: Int) throws {
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    @Test(arguments: [0, 1, 65_535, 65_536, 65_537, 3 * 1_048_576 + 123])
    func roundTrip(size: Int) throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try writeInput(dir.path("in"), count: size)
        var encryptProgress: [(Int64, Int64)] = []
        let encrypted = try AttachmentCipher.encryptFile(
            at: dir.path("in"), to: dir.path("enc"), random: SystemRandomSource(), progress: { encryptProgress.append(($0, $1)) })
        let ciphertext = try read(dir.path("enc"))
        #expect(encrypted.plaintextSize == Int64(size))
        #expect(encrypted.ciphertextSize == Int64(ciphertext.count))
        #expect(encrypted.ciphertextSize == AttachmentFormat.ciphertextSize(plaintextSize: Int64(size)))
        #expect(encrypted.ciphertextSHA256 == SHA256.hash(ciphertext))
        #expect(encryptProgress.last.map { $0 == (Int64(size), Int64(size)) } == true)

        var decryptProgress: [(Int64, Int64)] = []
        try AttachmentCipher.decryptFile(
            at: dir.path("enc"), to: dir.path("out"), key: encrypted.key, expectedCiphertextSHA256: encrypted.ciphertextSHA256,
            expectedPlaintextSize: Int64(size), progress: { decryptProgress.append(($0, $1)) })
        #expect(try read(dir.path("out")) == read(dir.path("in")))
        #expect(decryptProgress.last.map { $0 == (Int64(size), Int64(size)) } == true)
        #expect(decryptProgress.count == Int(AttachmentFormat.chunkCount(plaintextSize: Int64(size))))
        #expect(try dir.contents() == ["enc", "in", "out"])
    }

    @Test func emptyFileIsOneFinalChunk() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try writeInput(dir.path("in"), count: 0)
        let encrypted = try AttachmentCipher.encryptFile(at: dir.path("in"), to: dir.path("enc"), random: SystemRandomSource())
        let ciphertext = try read(dir.path("enc"))
        #expect(ciphertext.count == 24 + 17)
        let puller = try SecretStream.Puller(key: encrypted.key, header: Array(ciphertext.prefix(24)))
        let only = try puller.pull(Array(ciphertext.dropFirst(24)))
        #expect(only.plaintext.isEmpty && only.isFinal)
    }

    @Test func keyAndHeaderComeFromTheRandomSource() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try writeInput(dir.path("in"), count: 1000)
        let first = try AttachmentCipher.encryptFile(at: dir.path("in"), to: dir.path("a"), random: CountingRandomSource())
        let second = try AttachmentCipher.encryptFile(at: dir.path("in"), to: dir.path("b"), random: CountingRandomSource())
        #expect(first == second)
        #expect(first.key.unprotectedBytes() == Array(0..<32))
        #expect(try read(dir.path("a")).prefix(24) == ArraySlice(32..<56))
    }

    /// Encrypts `inputSize` bytes (by default 200,000: 4 chunks), lets `tamper` change the ciphertext (and, unless told
    /// otherwise, updates the digest), and expects decryption to fail with `expected`, leaving
    /// no output and no temporary file.
    func expectFailure(
        _ expected: AttachmentCipherError, inputSize: Int = 200_000, plaintextSize: Int64 = 200_000, key: SecureBytes? = nil,
        digest: [UInt8]? = nil, tamper: (inout [UInt8]) -> Void = { _ in }
    ) throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try writeInput(dir.path("in"), count: inputSize)
        let encrypted = try AttachmentCipher.encryptFile(at: dir.path("in"), to: dir.path("enc"), random: SystemRandomSource())
        var ciphertext = try read(dir.path("enc"))
        tamper(&ciphertext)
        try Data(ciphertext).write(to: URL(fileURLWithPath: dir.path("enc")))
        #expect(throws: expected) {
            try AttachmentCipher.decryptFile(
                at: dir.path("enc"), to: dir.path("out"), key: key ?? encrypted.key,
                expectedCiphertextSHA256: digest ?? SHA256.hash(ciphertext), expectedPlaintextSize: plaintextSize)
        }
        #expect(try dir.contents() == ["enc", "in"])
    }

    @Test func wrongHashIsRejectedBeforeDecrypting() throws {
        try expectFailure(.hashMismatch, digest: SHA256.hash([1]))
        try expectFailure(.hashMismatch, digest: [])
    }

    @Test func flippedByteInsideAChunkIsRejected() throws {
        try expectFailure(.authenticationFailure) { $0[24 + 65_553 + 100] ^= 0x04 }
        try expectFailure(.authenticationFailure) { $0[3] ^= 0x01 }  // header
    }

    @Test func truncationIsRejected() throws {
        // Cut at a chunk boundary: every remaining chunk is authentic, the final one is missing.
        try expectFailure(.truncated) { $0.removeSubrange((24 + 2 * 65_553)...) }
        try expectFailure(.authenticationFailure) { $0.removeLast() }
        try expectFailure(.truncated) { $0.removeSubrange(10...) }
        try expectFailure(.truncated) { $0.removeSubrange(24...) }
    }

    @Test func dataAfterTheFinalChunkIsRejected() throws {
        // After a full-size final chunk, any further byte is trailing data.
        try expectFailure(.dataAfterFinal, inputSize: 131_072, plaintextSize: 131_072) { $0.append(0) }
        try expectFailure(.dataAfterFinal, inputSize: 131_072, plaintextSize: 131_072) {
            $0.append(contentsOf: [UInt8](repeating: 9, count: 65_553))
        }
        // After a short final chunk, the extra bytes are read as part of it and fail authentication.
        try expectFailure(.authenticationFailure) { $0.append(0) }
    }

    @Test func reorderedChunksAreRejected() throws {
        try expectFailure(.authenticationFailure) { bytes in
            let first = Array(bytes[24..<(24 + 65_553)])
            let second = Array(bytes[(24 + 65_553)..<(24 + 2 * 65_553)])
            bytes.replaceSubrange(24..<(24 + 2 * 65_553), with: second + first)
        }
    }

    @Test func wrongKeyIsRejected() throws {
        try expectFailure(.authenticationFailure, key: SecretStream.makeKey(random: SystemRandomSource()))
        try expectFailure(.invalidKeyLength(16), key: SecureBytes(copying: [UInt8](repeating: 0, count: 16)))
    }

    @Test func sizeMismatchIsRejected() throws {
        try expectFailure(.sizeMismatch(expected: 200_001, actual: 200_000), plaintextSize: 200_001)
        try expectFailure(.sizeMismatch(expected: 100_000, actual: 131_072), plaintextSize: 100_000)
    }

    @Test func failureLeavesAnExistingOutputUntouched() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try writeInput(dir.path("in"), count: 10)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: dir.path("out")))
        let encrypted = try AttachmentCipher.encryptFile(at: dir.path("in"), to: dir.path("enc"), random: SystemRandomSource())
        #expect(throws: AttachmentCipherError.sizeMismatch(expected: 11, actual: 10)) {
            try AttachmentCipher.decryptFile(
                at: dir.path("enc"), to: dir.path("out"), key: encrypted.key,
                expectedCiphertextSHA256: encrypted.ciphertextSHA256, expectedPlaintextSize: 11)
        }
        #expect(try read(dir.path("out")) == [1, 2, 3])
        #expect(try dir.contents() == ["enc", "in", "out"])
    }

    @Test func missingFilesAreReported() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        #expect(throws: AttachmentCipherError.fileAccess(path: dir.path("nope"), errno: ENOENT)) {
            try AttachmentCipher.encryptFile(at: dir.path("nope"), to: dir.path("enc"), random: SystemRandomSource())
        }
        try writeInput(dir.path("in"), count: 10)
        #expect(throws: AttachmentCipherError.self) {
            try AttachmentCipher.encryptFile(at: dir.path("in"), to: dir.path("no-dir/enc"), random: SystemRandomSource())
        }
        #expect(try dir.contents() == ["in"])
    }

    @Test func pointerFromAnEncryptedFileRoundTripsInAPayload() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try writeInput(dir.path("in"), count: 100_000)
        let encrypted = try AttachmentCipher.encryptFile(at: dir.path("in"), to: dir.path("enc"), random: SystemRandomSource())
        let pointer = try AttachmentPointer(
            attachmentID: String(repeating: "0f", count: 32), encrypted: encrypted, fileName: "photo.jpg", mediaType: "image/jpeg"
        )
        let payload = try MessagePayload(random: SystemRandomSource(), sentAt: 5, body: .attachment(pointer))
        guard case .attachment(let received) = try MessagePayload(decoding: payload.encode()).body else {
            Issue.record("not an attachment")
            return
        }
        try AttachmentCipher.decryptFile(
            at: dir.path("enc"), to: dir.path("out"), key: received.key, expectedCiphertextSHA256: received.ciphertextSHA256,
            expectedPlaintextSize: received.plaintextSize)
        #expect(try read(dir.path("out")) == read(dir.path("in")))
    }
}
