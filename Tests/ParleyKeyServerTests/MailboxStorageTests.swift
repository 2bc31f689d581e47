import Testing

@testable import ParleyKeyServer

/// Mailbox queries at the storage level, on every backend.
@Suite("Mailbox storage")
struct MailboxStorageTests {
    @Test(arguments: Backend.allCases)
    func newestEnvelopeIDFollowsTheMailbox(backend: Backend) async throws {
        try await backend.withStorage { storage in
            let bob = try await storage.registerUser("bob")
            let alice = try await storage.registerUser("alice")
            #expect(try await storage.newestEnvelopeID(for: bob) == nil)
            let ids = try await storage.enqueue(
                (1...3).map { OutgoingEnvelope(recipient: bob, body: [UInt8($0)]) }, from: alice, at: 1, mailboxLimit: 100)
            _ = try await storage.enqueue([OutgoingEnvelope(recipient: alice, body: [9])], from: bob, at: 1, mailboxLimit: 100)
            #expect(try await storage.newestEnvelopeID(for: bob) == ids.last)
            _ = try await storage.acknowledge([ids[2]], for: bob)
            #expect(try await storage.newestEnvelopeID(for: bob) == ids[1])
            _ = try await storage.acknowledge(ids, for: bob)
            #expect(try await storage.newestEnvelopeID(for: bob) == nil)
            #expect(try await storage.newestEnvelopeID(for: DeviceAddress(user: try UserID("nobody"), device: 1)) == nil)
        }
    }
}
