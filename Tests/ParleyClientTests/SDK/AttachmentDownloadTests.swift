import Foundation
import ParleyCrypto
import ParleyPayload
import Testing

@testable import ParleyClient

/// Issue 12 items 17 and 18: received files are recorded before anything else, downloaded by
/// themselves only up to a limit (larger ones wait for `downloadAttachment`), and one upload named
/// by several messages is downloaded once.
@Suite("Received files: automatic download limit and de-duplication", .serialized)
struct AttachmentDownloadTests {
    static func file(_ world: ClientWorld, size: Int) throws -> (path: String, bytes: [UInt8]) {
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let path = "\(world.folder)/photo-\(size).bin"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (path, bytes)
    }

    static func files(_ events: [ClientEvent]) -> [(savedAt: String?, error: String?)] {
        events.compactMap { event in
            guard case .message(let message) = event, case .file(_, _, let savedAt, let error) = message.content else {
                return nil
            }
            return (savedAt, error)
        }
    }

    @Test func aFileOverTheLimitWaitsForAnExplicitDownload() async throws {
        try await ClientWorld.run { world in
            let alice = try await world.client("alice")
            let bob = try await world.client("bob")
            await bob.setAutoDownloadLimit(1000)
            let (path, bytes) = try Self.file(world, size: 3000)
            _ = try await alice.send(fileAt: path, to: "bob")
            let received = Self.files(try await bob.sync())
            #expect(received.count == 1)
            #expect(received.first?.savedAt == nil)
            let reason = try #require(received.first?.error)
            #expect(reason.contains("parley download"))
            #expect((try? FileManager.default.contentsOfDirectory(atPath: bob.downloadsDirectory)) ?? [] == [])
            // The message was acknowledged and the file is still to be had.
            #expect(try await bob.sync().isEmpty)
            let id = try #require(
                reason.split(separator: "`").first { $0.hasPrefix("parley download ") }?.split(separator: " ").last)
            let saved = try await bob.downloadAttachment(String(id))
            #expect(Array(try Data(contentsOf: URL(fileURLWithPath: saved))) == bytes)
            // Asked again: the same file, not a second download.
            #expect(try await bob.downloadAttachment(String(id)) == saved)
            await #expect(throws: ClientError.unknownAttachment("nothing-like-this")) {
                _ = try await bob.downloadAttachment("nothing-like-this")
            }
        }
    }

    @Test func oneUploadNamedTwiceIsSavedOnce() async throws {
        try await ClientWorld.run { world in
            let alice = try await world.client("alice")
            let bob = try await world.client("bob")
            let (path, bytes) = try Self.file(world, size: 2000)
            // One upload, two messages naming it (as a hostile sender would, to make bob write it N times).
            let sealed = "\(world.folder)/sealed"
            let encrypted = try AttachmentCipher.encryptFile(at: path, to: sealed, random: SystemRandomSource(), progress: nil)
            let id = try await alice.server.uploadAttachment(
                fileAt: sealed, size: encrypted.ciphertextSize, digest: encrypted.ciphertextSHA256, progress: nil)
            let pointer = try AttachmentPointer(
                attachmentID: id, encrypted: encrypted, fileName: "photo.bin", mediaType: "application/octet-stream")
            _ = try await alice.send(.attachment(pointer), to: "bob")
            _ = try await alice.send(.attachment(pointer), to: "bob")
            let received = Self.files(try await bob.sync())
            #expect(received.count == 2)
            let first = try #require(received.first?.savedAt)
            #expect(received.map(\.savedAt) == [first, first])
            #expect(try FileManager.default.contentsOfDirectory(atPath: bob.downloadsDirectory) == ["photo.bin"])
            #expect(Array(try Data(contentsOf: URL(fileURLWithPath: first))) == bytes)
        }
    }
}
