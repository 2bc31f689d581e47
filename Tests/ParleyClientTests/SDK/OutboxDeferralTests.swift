import Foundation
import ParleyProtocol
import Testing

@testable import ParleyClient

/// An envelope the server refuses for now (the recipient's mailbox is full, or the sender is over
/// its quota there) waits in the outbox and blocks nothing else: not other recipients, not
/// receiving (issue 12 item 14; Specs/client.md, "Sending and receiving").
@Suite("Outbox deferral against a live server", .serialized)
struct OutboxDeferralTests {
    /// The recipient devices of the deferral events, in order.
    static func deferred(_ events: [ClientEvent]) -> [PeerAddress] {
        events.compactMap { event in
            if case .deliveryDeferred(let recipient, _) = event { return recipient }
            return nil
        }
    }

    @Test func aFullMailboxDefersOnlyItsOwnEnvelopes() async throws {
        // Every device's mailbox holds at most 3 messages.
        try await ClientWorld.run(serverArguments: ["--mailbox-limit", "3"]) { world in
            let alice = try await world.client("alice")
            let bob = try await world.client("bob")
            let carol = try await world.client("carol")
            let vic = try await world.client("vic")
            let mallory = try await world.client("mallory")
            for index in 0..<3 { try await mallory.send(text: "junk \(index)", to: "vic") }

            // Alice's message to vic is committed and queued, and the refusal says so.
            await #expect(throws: ClientError.deliveryDeferred(user: "vic", code: "mailbox_full")) {
                try await alice.send(text: "hello vic", to: "vic")
            }
            #expect(try await alice.store.outbox().map(\.recipientUser) == ["vic"])
            // Alice still sends to carol, with the refused envelope ahead of it in the outbox.
            try await alice.send(text: "hello carol", to: "carol")
            #expect(ClientBehaviourTests.texts(try await carol.sync()) == ["hello carol"])
            // Alice's sync still receives bob's message, and reports the deferral.
            try await bob.send(text: "hi alice", to: "alice")
            let events = try await alice.sync()
            #expect(ClientBehaviourTests.texts(events) == ["hi alice"])
            #expect(Self.deferred(events) == [PeerAddress(user: "vic", device: 1)])
            #expect(try await alice.store.outbox().map(\.recipientUser) == ["vic"])
            #expect(try await alice.history(with: "vic").map(\.state) == [.pending])

            // Once vic has drained the junk, the next sync delivers the queued message.
            #expect(ClientBehaviourTests.texts(try await vic.sync()).count == 3)
            #expect(Self.deferred(try await alice.sync()).isEmpty)
            #expect(try await alice.store.outbox().isEmpty)
            #expect(ClientBehaviourTests.texts(try await vic.sync()) == ["hello vic"])
        }
    }

    @Test func anOutboxFailureDoesNotStopReceiving() async throws {
        // Alice is over her quota in vic's mailbox after one message: the next waits.
        try await ClientWorld.run(serverArguments: ["--sender-quota", "1"]) { world in
            let alice = try await world.client("alice")
            let bob = try await world.client("bob")
            _ = try await world.client("vic")
            try await alice.send(text: "one", to: "vic")
            await #expect(throws: ClientError.deliveryDeferred(user: "vic", code: "sender_quota")) {
                try await alice.send(text: "two", to: "vic")
            }
            try await bob.send(text: "from bob", to: "alice")
            let events = try await alice.sync()
            #expect(ClientBehaviourTests.texts(events) == ["from bob"])
            #expect(Self.deferred(events) == [PeerAddress(user: "vic", device: 1)])
            #expect(try await alice.store.outbox().count == 1)
        }
    }

    @Test func aRateLimitedSenderKeepsEverythingQueuedAndStillReceives() async throws {
        // One send call, then one a minute: alice's second send is refused with 429.
        try await ClientWorld.run(serverArguments: ["--send-burst", "1", "--send-per-minute", "1"]) { world in
            let alice = try await world.client("alice")
            let bob = try await world.client("bob")
            _ = try await world.client("carol")
            try await alice.send(text: "one", to: "carol")
            await #expect(throws: ClientError.deliveryDeferred(user: "carol", code: "rate_limited")) {
                try await alice.send(text: "two", to: "carol")
            }
            try await bob.send(text: "from bob", to: "alice")
            let events = try await alice.sync()
            #expect(ClientBehaviourTests.texts(events) == ["from bob"])
            // Carol's envelope and the receipt to bob both wait; each device is reported once.
            #expect(Set(Self.deferred(events)) == [PeerAddress(user: "carol", device: 1), PeerAddress(user: "bob", device: 1)])
            #expect(Set(try await alice.store.outbox().map(\.recipientUser)) == ["carol", "bob"])
        }
    }
}
