import Foundation
import ParleyCrypto
import ParleyProtocol
import ParleyStore
import Testing

/// Issue 12 item 17 (crash window): a received message's file pointer is recorded by the
/// transaction that accepts the message, not afterwards, so that a crash between the commit (after
/// which the server forgets the envelope) and the download cannot lose the file.
struct StoreAttachmentPointerTests {
    static func record(id: String, hash: UInt8) -> AttachmentRecord {
        AttachmentRecord(
            id: id, key: SecureBytes(copying: [UInt8](repeating: 7, count: 32)), size: 10,
            ciphertextSHA256: [UInt8](repeating: hash, count: 32), fileName: "photo.jpg", mediaType: "image/jpeg")
    }

    @Test func theReceivingTransactionRecordsThePointer() async throws {
        let pair = try await StoreMessagingTests.Pair(seed: 90)
        let item = try await pair.alice.send(
            Array("file a1".utf8), to: StoreFixtures.bob, conversation: "bob", historyBody: [], timestamp: 1)
        let outcomes = try await pair.bob.receive([
            IncomingEnvelope(
                id: "e1", sender: StoreFixtures.alice, body: item.wire, conversation: "alice", timestamp: 2,
                attachment: { String(decoding: $0, as: UTF8.self) == "file a1" ? Self.record(id: "a1", hash: 1) : nil })
        ])
        guard case .decrypted = outcomes.first else {
            Issue.record("not decrypted: \(String(describing: outcomes.first))")
            return
        }
        // Nothing else ran after the store's receive: the pointer is there already.
        let stored = try #require(try await pair.bob.attachment("a1"))
        #expect(stored.ciphertextSHA256 == [UInt8](repeating: 1, count: 32))

        // A later message naming the same id with other contents does not replace it.
        let second = try await pair.alice.send(
            Array("file a1 again".utf8), to: StoreFixtures.bob, conversation: "bob", historyBody: [], timestamp: 3)
        _ = try await pair.bob.receive([
            IncomingEnvelope(
                id: "e2", sender: StoreFixtures.alice, body: second.wire, conversation: "alice", timestamp: 4,
                attachment: { _ in Self.record(id: "a1", hash: 2) })
        ])
        #expect(try await pair.bob.attachment("a1")?.ciphertextSHA256 == [UInt8](repeating: 1, count: 32))
    }

    /// A message that fails to decrypt records nothing.
    @Test func aFailedMessageRecordsNoPointer() async throws {
        let pair = try await StoreMessagingTests.Pair(seed: 95)
        let item = try await pair.alice.send(
            Array("file".utf8), to: StoreFixtures.bob, conversation: "bob", historyBody: [], timestamp: 1)
        var forged = item.wire
        forged[forged.count - 1] ^= 1
        _ = try await pair.bob.receive([
            IncomingEnvelope(
                id: "e1", sender: StoreFixtures.alice, body: forged, conversation: "alice", timestamp: 2,
                attachment: { _ in Self.record(id: "a9", hash: 1) })
        ])
        #expect(try await pair.bob.attachment("a9") == nil)
    }
}
