import Testing

@testable import ParleyKeyServer

/// The per-sender quota at the storage level, on every backend: what holds it and what releases it.
@Suite("Sender quota storage")
struct SenderQuotaStorageTests {
    @Test(arguments: Backend.allCases)
    func acksExpiryAndRemovalReleaseTheQuota(backend: Backend) async throws {
        try await backend.withStorage { storage in
            let bob = try await storage.registerUser("bob")
            let alice = try await storage.registerUser("alice")
            let mallory = try await storage.registerUser("mallory")
            func send(_ count: Int, from sender: DeviceAddress, at time: Int64, to recipient: DeviceAddress? = nil)
                async throws -> [Int64]
            {
                try await storage.enqueue(
                    (0..<count).map { OutgoingEnvelope(recipient: recipient ?? bob, body: [UInt8($0 + 1)]) }, from: sender,
                    at: time,
                    mailboxLimit: 10, senderQuota: 3)
            }
            func pending() async throws -> Int {
                try await storage.pendingEnvelopes(for: bob, limit: 100, notBefore: 0, after: 0).count
            }
            let first = try await send(3, from: mallory, at: 1)
            await #expect(throws: DirectoryError.senderQuota(limit: 3)) { _ = try await send(1, from: mallory, at: 2) }
            #expect(try await pending() == 3)
            // A batch that would pass the quota stores none of it.
            _ = try await storage.acknowledge([first[0]], for: bob)
            await #expect(throws: DirectoryError.senderQuota(limit: 3)) { _ = try await send(2, from: mallory, at: 2) }
            #expect(try await pending() == 2)
            // Other senders have their own share.
            _ = try await send(3, from: alice, at: 2)
            // The acknowledged one is free again, and only it.
            _ = try await send(1, from: mallory, at: 3)
            await #expect(throws: DirectoryError.senderQuota(limit: 3)) { _ = try await send(1, from: mallory, at: 4) }
            // Expiry frees what it removes: mallory's two messages of time 1.
            try await storage.purgeExpired(messagesBefore: 2, now: 5)
            _ = try await send(2, from: mallory, at: 5)
            await #expect(throws: DirectoryError.senderQuota(limit: 3)) { _ = try await send(1, from: mallory, at: 6) }
            // The mailbox limit still holds over all senders: 6 + 3 of 10, then full.
            let carol = try await storage.registerUser("carol")
            _ = try await send(3, from: carol, at: 6)
            #expect(try await pending() == 9)
            let dave = try await storage.registerUser("dave")
            await #expect(throws: DirectoryError.mailboxFull(limit: 10)) { _ = try await send(2, from: dave, at: 7) }
            // A removed and re-registered device starts with an empty mailbox and full quotas.
            try await storage.removeDevice(bob)
            let newBob = try await storage.registerUser("bob")
            #expect(try await send(3, from: mallory, at: 8, to: newBob).count == 3)
            await #expect(throws: DirectoryError.senderQuota(limit: 3)) {
                _ = try await send(1, from: mallory, at: 9, to: newBob)
            }
        }
    }
}

extension SenderQuotaStorageTests {
    /// Concurrent sends of one device through two storage instances on one database (two server
    /// processes sharing PostgreSQL; two storages on one SQLite file): the quota holds exactly.
    @Test(arguments: Backend.sharedCases)
    func theQuotaHoldsAcrossInstances(backend: Backend) async throws {
        try await backend.withSharedStorages(2) { storages in
            let bob = try await storages[0].registerUser("bob")
            let mallory = try await storages[1].registerUser("mallory")
            // 40 sends of 2 messages at once against a quota of 25: exactly 12 fit.
            let accepted = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<40 {
                    let storage = storages[index % 2]
                    group.addTask {
                        do {
                            return try await storage.enqueue(
                                [OutgoingEnvelope(recipient: bob, body: [1]), OutgoingEnvelope(recipient: bob, body: [2])],
                                from: mallory, at: 1, mailboxLimit: 1000, senderQuota: 25
                            ).count
                        } catch DirectoryError.senderQuota(limit: 25) {
                            return 0
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(accepted == 24)
            #expect(try await storages[1].pendingEnvelopes(for: bob, limit: 1000, notBefore: 0, after: 0).count == 24)
        }
    }
}
