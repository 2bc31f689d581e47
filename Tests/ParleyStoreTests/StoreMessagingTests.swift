import Foundation
import GRDB
import ParleyCrypto
import ParleyProtocol
import ParleyStore
import ParleyVectors
import Testing

/// Sending and receiving through two stores, each step committed with its ratchet state.
struct StoreMessagingTests {
    /// Alice's and Bob's stores, with Alice's session started from Bob's bundle.
    struct Pair {
        let directory = TemporaryDirectory()
        let alice: EncryptedStore
        let bob: EncryptedStore

        init(seed: UInt64) async throws {
            alice = try await StoreFixtures.makeStore(directory, "alice.sqlite", seed: seed)
            bob = try await StoreFixtures.makeStore(directory, "bob.sqlite", seed: seed + 1)
            let bundle = try await StoreFixtures.publish(bob, seed: seed + 2)
            try await alice.startSession(with: StoreFixtures.bob, bundle: bundle)
        }

        /// Sends from `sender` and delivers to `receiver` under `envelopeID`.
        func deliver(_ text: String, from sender: EncryptedStore, to receiver: EncryptedStore, envelopeID: String) async throws
            -> ReceiveOutcome
        {
            let (from, to) =
                sender === alice ? (StoreFixtures.alice, StoreFixtures.bob) : (StoreFixtures.bob, StoreFixtures.alice)
            let item = try await sender.send(
                Array(text.utf8), to: to, conversation: to.user, historyBody: Array(text.utf8), timestamp: 1)
            try await sender.markSent(item)
            return try await receiver.receive(
                envelopeID: envelopeID, from: from, body: item.wire, conversation: from.user, timestamp: 2)
        }
    }

    /// The attack on a real store file: a third party's PreKeyMessage delivered as alice/1's is
    /// refused inside the receiving transaction (untrusted_identity, a failed history row), and
    /// bob's session record for alice, his one-time prekeys and what he sends next are as before:
    /// alice, not the intruder, reads it.
    @Test func aThirdPartysPreKeyMessageForAliceIsRefusedAndChangesNoSession() async throws {
        let pair = try await Pair(seed: 50)
        _ = try await pair.deliver("hello", from: pair.alice, to: pair.bob, envelopeID: "e1")
        let intruderRandom = SeededRandomSource(seed: 53)
        let intruderIdentity = IdentityKeyPair(random: intruderRandom)
        var intruder = SessionRecord()
        intruder.makeCurrent(
            try SessionCipher.initiate(
                identity: intruderIdentity, bundle: try await StoreFixtures.publish(pair.bob, count: 1, seed: 54),
                random: intruderRandom))
        let forged = try SessionCipher.encrypt(
            Array("it's alice, really".utf8), record: &intruder, identity: intruderIdentity, random: intruderRandom)
        let recordBefore = try #require(try await pair.bob.sessionRecord(for: StoreFixtures.alice)).serialized
        let preKeysBefore = try await pair.bob.oneTimePreKeyCount()

        let outcome = try await pair.bob.receive(
            envelopeID: "forged", from: StoreFixtures.alice, body: forged, conversation: "alice", timestamp: 3)
        guard case .failed(let failure) = outcome else {
            Issue.record("the forged PreKeyMessage was \(outcome)")
            return
        }
        #expect(failure.failureReason == "untrusted_identity")
        #expect(try #require(try await pair.bob.sessionRecord(for: StoreFixtures.alice)).serialized == recordBefore)
        #expect(try await pair.bob.oneTimePreKeyCount() == preKeysBefore)
        let next = try await pair.deliver("still only for alice", from: pair.bob, to: pair.alice, envelopeID: "e2")
        guard case .decrypted(let message) = next else {
            Issue.record("alice could not read bob's next message: \(next)")
            return
        }
        #expect(message.body == Array("still only for alice".utf8))
    }

    /// A resend of a message that belongs to an archived session (Alice started a new session
    /// since) is `duplicate`, as Specs/store.md §6.5 promises: no failed history row, although
    /// the current session fails it with `authentication` (protocol.md §6.4 step 3).
    @Test func aResendIntoAnArchivedSessionIsADuplicateWithoutAFailedRow() async throws {
        let pair = try await Pair(seed: 60)
        _ = try await pair.deliver("hello", from: pair.alice, to: pair.bob, envelopeID: "e1")
        _ = try await pair.deliver("hi", from: pair.bob, to: pair.alice, envelopeID: "e2")
        let plain = try await pair.alice.send(
            Array("plain".utf8), to: StoreFixtures.bob, conversation: "bob", historyBody: nil, timestamp: 1)
        _ = try await pair.bob.receive(
            envelopeID: "e3", from: StoreFixtures.alice, body: plain.wire, conversation: "alice", timestamp: 2)
        try await pair.alice.startSession(
            with: StoreFixtures.bob, bundle: try await StoreFixtures.publish(pair.bob, count: 1, seed: 63))
        _ = try await pair.deliver("second session", from: pair.alice, to: pair.bob, envelopeID: "e4")
        let historyBefore = try await pair.bob.history(conversation: "alice")

        let outcome = try await pair.bob.receive(
            envelopeID: "e5", from: StoreFixtures.alice, body: plain.wire, conversation: "alice", timestamp: 3)
        #expect(outcome == .duplicate)
        #expect(try await pair.bob.history(conversation: "alice") == historyBefore)
    }

    @Test func conversationIsStoredAndSurvivesReopening() async throws {
        let pair = try await Pair(seed: 10)
        let first = try await pair.deliver("hello 你好", from: pair.alice, to: pair.bob, envelopeID: "e1")
        guard case .decrypted(let message) = first else {
            Issue.record("expected a decrypted message, got \(first)")
            return
        }
        #expect(message.body == Array("hello 你好".utf8))
        #expect(try await pair.bob.oneTimePreKeyCount() == 2)
        _ = try await pair.deliver("reply مرحبا", from: pair.bob, to: pair.alice, envelopeID: "e2")
        let bobPath = pair.bob.path
        try pair.bob.close()
        let bob = try await EncryptedStore.open(at: bobPath, passphrase: StoreFixtures.passphrase)
        let item = try await pair.alice.send(
            Array("after restart".utf8), to: StoreFixtures.bob, conversation: "bob", historyBody: nil, timestamp: 3)
        let outcome = try await bob.receive(
            envelopeID: "e3", from: StoreFixtures.alice, body: item.wire, conversation: "alice", timestamp: 4)
        #expect(outcome == .decrypted(try #require(try await bob.history(conversation: "alice").last)))
        let history = try await bob.history(conversation: "alice")
        #expect(history.map { String(decoding: $0.body, as: UTF8.self) } == ["hello 你好", "reply مرحبا", "after restart"])
        #expect(history.map(\.direction) == [.incoming, .outgoing, .incoming])
        #expect(try await pair.alice.history(conversation: "bob").map(\.state) == [.sent, .received])
    }

    @Test func aProcessedEnvelopeIsAcknowledgedAgainButNotStoredTwice() async throws {
        let pair = try await Pair(seed: 20)
        let item = try await pair.alice.send(
            Array("once".utf8), to: StoreFixtures.bob, conversation: "bob", historyBody: nil, timestamp: 1)
        let first = try await pair.bob.receive(
            envelopeID: "e1", from: StoreFixtures.alice, body: item.wire, conversation: "alice", timestamp: 2)
        guard case .decrypted = first else {
            Issue.record("expected a decrypted message")
            return
        }
        let again = try await pair.bob.receive(
            envelopeID: "e1", from: StoreFixtures.alice, body: item.wire, conversation: "alice", timestamp: 3)
        #expect(again == .alreadyProcessed)
        #expect(try await pair.bob.history(conversation: "alice").count == 1)
        // The same id for another envelope (a server whose ids started over) is not skipped.
        let reused = try await pair.deliver("twice", from: pair.alice, to: pair.bob, envelopeID: "e1")
        #expect(reused != .alreadyProcessed)
        #expect(try await pair.bob.history(conversation: "alice").map(\.body) == [Array("once".utf8), Array("twice".utf8)])
    }

    @Test func onlyTheLatestProcessedEnvelopesAreRemembered() async throws {
        let pair = try await Pair(seed: 25)
        let retention = EncryptedStore.processedEnvelopeRetention
        // Undecryptable bytes are processed too (as failed), which is enough here.
        let envelopes = (0...retention).map { index in
            IncomingEnvelope(id: "n\(index)", sender: StoreFixtures.alice, body: [1, 2, 3], conversation: "alice", timestamp: 1)
        }
        _ = try await pair.bob.receive(envelopes)
        // The oldest is forgotten; the rest are remembered (asked first: receiving the oldest
        // again makes it the newest and pushes the next one out).
        let outcomes = try await pair.bob.receive([envelopes[1], envelopes[retention], envelopes[0]])
        #expect(outcomes[0] == .alreadyProcessed)
        #expect(outcomes[1] == .alreadyProcessed)
        #expect(outcomes[2] != .alreadyProcessed)
    }

    @Test func aFailedDecryptIsRecordedAndChangesNoSessionOrPreKey() async throws {
        let pair = try await Pair(seed: 30)
        var item = try await pair.alice.send(
            Array("tampered".utf8), to: StoreFixtures.bob, conversation: "bob", historyBody: nil, timestamp: 1)
        item.wire[item.wire.count - 1] ^= 1
        let outcome = try await pair.bob.receive(
            envelopeID: "bad", from: StoreFixtures.alice, body: item.wire, conversation: "alice", timestamp: 2)
        guard case .failed(let failure) = outcome else {
            Issue.record("expected a failure, got \(outcome)")
            return
        }
        #expect(failure.failureReason == "authentication")
        #expect(try await pair.bob.sessionRecord(for: StoreFixtures.alice)?.serialized == nil)
        #expect(try await pair.bob.oneTimePreKeyCount() == 3)
        let good = try await pair.alice.send(
            Array("good".utf8), to: StoreFixtures.bob, conversation: "bob", historyBody: nil, timestamp: 3)
        let ok = try await pair.bob.receive(
            envelopeID: "good", from: StoreFixtures.alice, body: good.wire, conversation: "alice", timestamp: 4)
        guard case .decrypted = ok else {
            Issue.record("expected the next message to decrypt")
            return
        }
        #expect(try await pair.bob.oneTimePreKeyCount() == 2)
    }

    @Test func theOutboxKeepsMessagesUntilTheServerAcceptsThem() async throws {
        let pair = try await Pair(seed: 40)
        let a = try await pair.alice.send(
            Array("a".utf8), to: StoreFixtures.bob, conversation: "bob", historyBody: Array("a".utf8), timestamp: 1)
        let b = try await pair.alice.send(
            Array("b".utf8), to: StoreFixtures.bob, conversation: "bob", historyBody: nil, timestamp: 2)
        #expect(try await pair.alice.outbox() == [a, b])
        try await pair.alice.markSent(a)
        #expect(try await pair.alice.outbox() == [b])
        #expect(try await pair.alice.history(conversation: "bob").map(\.state) == [.sent])
        // Resending the same bytes is safe: a second envelope id with the same message is a
        // duplicate, acknowledged and not stored.
        var outcomes: [ReceiveOutcome] = []
        for envelope in ["x", "y"] {
            outcomes.append(
                try await pair.bob.receive(
                    envelopeID: envelope, from: StoreFixtures.alice, body: b.wire, conversation: "alice", timestamp: 3))
        }
        #expect(outcomes.last == .duplicate)
        #expect(try await pair.bob.history(conversation: "alice").count == 1)
        // Marking an item sent twice, or after its row id was reused, changes nothing.
        try await pair.alice.markSent(b)
        let c = try await pair.alice.send(
            Array("c".utf8), to: StoreFixtures.bob, conversation: "bob", historyBody: nil, timestamp: 4)
        #expect(c.rowID == a.rowID)  // the outbox was empty, so the id came back
        try await pair.alice.markSent(a)
        try await pair.alice.markSent(b)
        #expect(try await pair.alice.outbox() == [c])
    }

    @Test func aBatchCommitsTogetherAndSkipsProcessedEnvelopes() async throws {
        let pair = try await Pair(seed: 50)
        var envelopes: [IncomingEnvelope] = []
        for index in 0..<4 {
            let item = try await pair.alice.send(
                Array("batch \(index)".utf8), to: StoreFixtures.bob, conversation: "bob", historyBody: nil,
                timestamp: Int64(index))
            envelopes.append(
                IncomingEnvelope(
                    id: "b\(index)", sender: StoreFixtures.alice, body: item.wire, conversation: "alice", timestamp: 9))
        }
        envelopes.append(envelopes[1])  // the same envelope twice in one batch
        let outcomes = try await pair.bob.receive(envelopes.shuffled())
        #expect(outcomes.filter { $0 == .alreadyProcessed }.count == 1)
        #expect(outcomes.filter { if case .decrypted = $0 { true } else { false } }.count == 4)
        let texts = try await pair.bob.history(conversation: "alice").map { String(decoding: $0.body, as: UTF8.self) }
        #expect(Set(texts) == Set((0..<4).map { "batch \($0)" }))
        #expect(try await pair.bob.receive(envelopes) == Array(repeating: .alreadyProcessed, count: 5))
    }
}
