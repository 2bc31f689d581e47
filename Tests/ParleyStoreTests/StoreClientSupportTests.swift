import Foundation
import ParleyCrypto
import ParleyProtocol
import ParleyStore
import ParleyVectors
import Testing

/// What the client SDK needs from the store: secrets, placement of received messages,
/// delivery states, removal of retired signed prekeys.
struct StoreClientSupportTests {
    @Test func secretsAreSealedAndSeparateFromSettings() async throws {
        let directory = TemporaryDirectory()
        let store = try await StoreFixtures.makeStore(directory, "s.sqlite", seed: 70)
        let secret = SecureBytes(copying: Array(repeating: 0xA5, count: 32))
        try await store.setSecret("account", to: secret)
        try await store.setSetting("account", to: "plain value")
        #expect(try await store.secret("account") == secret)
        #expect(try await store.setting("account") == "plain value")
        #expect(try await store.secret("missing") == nil)
        try store.close()
        // The secret's bytes are nowhere in the file.
        let file = try Data(contentsOf: URL(fileURLWithPath: directory.path("s.sqlite")))
        #expect(file.range(of: Data(repeating: 0xA5, count: 32)) == nil)
        let reopened = try await EncryptedStore.open(at: directory.path("s.sqlite"), passphrase: StoreFixtures.passphrase)
        #expect(try await reopened.secret("account") == secret)
    }

    @Test func placementDecidesConversationAndDirection() async throws {
        let pair = try await StoreMessagingTests.Pair(seed: 80)
        var delivered: [String: [UInt8]] = [:]
        func deliver(_ text: String, id: String, placement: MessagePlacement) async throws -> ReceiveOutcome {
            let item = try await pair.alice.send(
                Array(text.utf8), to: StoreFixtures.bob, conversation: "bob", historyBody: nil, timestamp: 1)
            delivered[id] = item.wire
            let envelope = IncomingEnvelope(
                id: id, sender: StoreFixtures.alice, body: item.wire, conversation: "alice", timestamp: 2,
                placement: { _ in placement })
            return try #require(try await pair.bob.receive([envelope]).first)
        }
        guard case .decrypted(let receipt) = try await deliver("receipt", id: "p1", placement: .none) else {
            Issue.record("not decrypted")
            return
        }
        #expect(receipt.body == Array("receipt".utf8))
        _ = try await deliver("copy", id: "p2", placement: .history(conversation: "carol", direction: .outgoing))
        _ = try await deliver("normal", id: "p3", placement: .history(conversation: "alice", direction: .incoming))
        #expect(try await pair.bob.history(conversation: "alice").map { String(decoding: $0.body, as: UTF8.self) } == ["normal"])
        let carol = try await pair.bob.history(conversation: "carol")
        #expect(carol.map(\.direction) == [.outgoing])
        #expect(carol.map(\.state) == [.sent])
        // A receipt placed nowhere was still processed: the same envelope again changes nothing.
        let again = IncomingEnvelope(
            id: "p1", sender: StoreFixtures.alice, body: try #require(delivered["p1"]), conversation: "alice", timestamp: 4)
        #expect(try await pair.bob.receive([again]) == [.alreadyProcessed])
    }

    @Test func aFanOutCommitsWhollyOrNotAtAll() async throws {
        let pair = try await StoreMessagingTests.Pair(seed: 95)
        let nobody = PeerAddress(user: "carol", device: 1)
        // The second envelope cannot be encrypted (no session with carol): nothing is kept, not
        // even the first envelope or the history row.
        await #expect(throws: (any Error).self) {
            try await pair.alice.send(
                [OutgoingPlaintext([1], to: StoreFixtures.bob), OutgoingPlaintext([1], to: nobody)], conversation: "bob",
                historyBody: [1], timestamp: 1)
        }
        #expect(try await pair.alice.outbox().isEmpty)
        #expect(try await pair.alice.history(conversation: "bob").isEmpty)
        // Both to bob's device: two outbox rows, one history row tied to the first.
        let items = try await pair.alice.send(
            [OutgoingPlaintext([2], to: StoreFixtures.bob), OutgoingPlaintext([3], to: StoreFixtures.bob)], conversation: "bob",
            historyBody: [2], timestamp: 2)
        #expect(try await pair.alice.outbox().map(\.rowID) == items.map(\.rowID))
        #expect(items.map { $0.messageRowID != nil } == [true, false])
        #expect(try await pair.alice.history(conversation: "bob").map(\.body) == [[2]])
        // The session state advanced under both: bob reads them in order.
        for (index, item) in items.enumerated() {
            let outcome = try await pair.bob.receive(
                envelopeID: "f\(index)", from: StoreFixtures.alice, body: item.wire, conversation: "alice", timestamp: 3)
            guard case .decrypted(let message) = outcome else {
                Issue.record("envelope \(index) not decrypted: \(outcome)")
                return
            }
            #expect(message.body == [[2], [3]][index])
        }
    }

    @Test func deliveryStateAndRetiredSignedPreKeys() async throws {
        let pair = try await StoreMessagingTests.Pair(seed: 90)
        let item = try await pair.alice.send([7], to: StoreFixtures.bob, conversation: "bob", historyBody: [7], timestamp: 1)
        try await pair.alice.markSent(item)
        let rowID = try #require(item.messageRowID)
        try await pair.alice.setDeliveryState(.delivered, ofMessage: rowID)
        #expect(try await pair.alice.history(conversation: "bob").map(\.state) == [.delivered])
        try await pair.alice.setDeliveryState(.delivered, ofMessage: rowID + 1000)  // no such row: nothing happens

        let identity = try await pair.bob.identityKeyPair()
        let preKey = SignedPreKey(identity: identity, random: SeededRandomSource(seed: 91))
        try await pair.bob.saveSignedPreKey(preKey)
        #expect(try await pair.bob.signedPreKey(for: preKey.keyPair.publicKey) != nil)
        try await pair.bob.removeSignedPreKey(preKey.keyPair.publicKey)
        #expect(try await pair.bob.signedPreKey(for: preKey.keyPair.publicKey) == nil)
    }
}
