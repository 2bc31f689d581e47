import Foundation
import ParleyCrypto
import ParleyProtocol
import ParleyStore
import ParleyVectors
import Testing

/// Parley-v2 PQ prekeys in the encrypted store: sealed rows, and their use committed in the same
/// transaction as the session (Specs/protocol.md §13.9).
struct StorePQPreKeyTests {
    /// Bob's store with a v2 signed prekey and one PQ prekey of `kind`; Alice (in memory) has
    /// started a v2 session from the matching bundle.
    struct Setup {
        let bob: EncryptedStore
        let pq: PQPreKey
        var alice: SessionRecord
        let aliceIdentity: IdentityKeyPair
        let random: SeededRandomSource

        init(_ directory: TemporaryDirectory, kind: PQPreKeyKind, seed: UInt64) async throws {
            random = SeededRandomSource(seed: seed)
            bob = try await StoreFixtures.makeStore(directory, "bob.sqlite", seed: seed)
            let identity = try await bob.identityKeyPair()
            let signed = SignedPreKey(identity: identity, version: .v2, random: random)
            pq = PQPreKey(kind: kind, identity: identity, random: random)
            try await bob.saveSignedPreKey(signed)
            try await bob.savePQPreKeys([pq])
            aliceIdentity = IdentityKeyPair(random: random)
            let bundle = PQXDHBundle(
                identityKey: identity.publicKey, signedPreKey: signed.keyPair.publicKey,
                signedPreKeySignature: signed.signature, oneTimePreKey: nil, pqPreKey: pq.keyPair.publicKey,
                pqPreKeySignature: pq.signature)
            alice = SessionRecord()
            alice.makeCurrent(
                try SessionCipher.initiate(
                    identity: aliceIdentity, bundle: bundle, random: random, encapsulator: SystemKEMEncapsulator()))
        }

        mutating func send(_ text: String) throws -> [UInt8] {
            try SessionCipher.encrypt(Array(text.utf8), record: &alice, identity: aliceIdentity, random: random)
        }

        func receive(_ body: [UInt8], id: String, from sender: PeerAddress = StoreFixtures.alice) async throws
            -> ReceiveOutcome
        {
            try await bob.receive(envelopeID: id, from: sender, body: body, conversation: "alice", timestamp: 1)
        }
    }

    /// A stored PQ prekey comes back as it went in (seed, kind, signature), also after reopening.
    @Test func pqPreKeysRoundTrip() async throws {
        let directory = TemporaryDirectory()
        let setup = try await Setup(directory, kind: .lastResort, seed: 300)
        let restored = try #require(try await setup.bob.pqPreKey(for: setup.pq.id))
        #expect(restored.keyPair.seedRepresentation == setup.pq.keyPair.seedRepresentation)
        #expect(restored.keyPair.publicKey == setup.pq.keyPair.publicKey)
        #expect(restored.kind == .lastResort)
        #expect(restored.signature == setup.pq.signature)
        #expect(try await setup.bob.pqOneTimePreKeyCount() == 0)
    }

    /// The first v2 message deletes the one-time PQ prekey in the session's transaction; a
    /// message that fails (tampered CT) before it deletes nothing and makes no session.
    @Test func aOneTimePQPreKeyIsDeletedOnlyWithTheSession() async throws {
        let directory = TemporaryDirectory()
        var setup = try await Setup(directory, kind: .oneTime, seed: 301)
        let first = try setup.send("hello")
        var tampered = first
        tampered[131 + 100] ^= 0x01
        guard case .failed(let failure) = try await setup.receive(tampered, id: "e0") else {
            Issue.record("a tampered CT did not fail")
            return
        }
        #expect(failure.failureReason == "authentication")
        #expect(try await setup.bob.pqOneTimePreKeyCount() == 1)
        #expect(try await setup.bob.sessionRecord(for: StoreFixtures.alice) == nil)

        guard case .decrypted(let message) = try await setup.receive(first, id: "e1") else {
            Issue.record("the genuine first message did not decrypt")
            return
        }
        #expect(message.body == Array("hello".utf8))
        #expect(try await setup.bob.pqPreKey(for: setup.pq.id) == nil)
        #expect(try await setup.bob.pqOneTimePreKeyCount() == 0)
        #expect(try await setup.bob.sessionRecord(for: StoreFixtures.alice)?.current?.version == .v2)
    }

    /// A last-resort PQ prekey stays; (PQID, EK_A) is recorded with the session, so the same first
    /// message from another address (no session routes it) is a duplicate; deleting the key
    /// deletes its records.
    @Test func aLastResortUseIsRecordedAndARepeatIsADuplicate() async throws {
        let directory = TemporaryDirectory()
        var setup = try await Setup(directory, kind: .lastResort, seed: 302)
        let first = try setup.send("hello")
        let baseKey = try #require(setup.alice.current?.baseKey)
        #expect(try await setup.bob.isLastResortUseRecorded(setup.pq.id, baseKey: baseKey) == false)
        guard case .decrypted = try await setup.receive(first, id: "e1") else {
            Issue.record("the first message did not decrypt")
            return
        }
        #expect(try await setup.bob.isLastResortUseRecorded(setup.pq.id, baseKey: baseKey))
        #expect(try await setup.bob.pqPreKey(for: setup.pq.id) != nil)
        let elsewhere = PeerAddress(user: "mallory", device: 9)
        #expect(try await setup.receive(first, id: "e2", from: elsewhere) == .duplicate)
        #expect(try await setup.bob.sessionRecord(for: elsewhere) == nil)

        try await setup.bob.removePQPreKey(setup.pq.id)
        #expect(try await setup.bob.pqPreKey(for: setup.pq.id) == nil)
        #expect(try await setup.bob.isLastResortUseRecorded(setup.pq.id, baseKey: baseKey) == false)
    }
}

/// The store passes the caller's version policy to the decrypt.
struct StoreVersionPolicyTests {
    /// A Parley-v1 first message to a store receiving with v1 disabled fails as
    /// unsupported_version and consumes nothing; with v1 enabled the same message decrypts.
    @Test func aV1MessageWithV1DisabledIsUnsupportedAndChangesNothing() async throws {
        let directory = TemporaryDirectory()
        let bob = try await StoreFixtures.makeStore(directory, "bob.sqlite", seed: 310)
        let bundle = try await StoreFixtures.publish(bob, seed: 311)
        let random = SeededRandomSource(seed: 312)
        let aliceIdentity = IdentityKeyPair(random: random)
        var alice = SessionRecord()
        alice.makeCurrent(try SessionCipher.initiate(identity: aliceIdentity, bundle: bundle, random: random))
        let first = try SessionCipher.encrypt([1], record: &alice, identity: aliceIdentity, random: random)
        let before = try await bob.oneTimePreKeyCount()
        let outcome = try await bob.receive(
            envelopeID: "e1", from: StoreFixtures.alice, body: first, conversation: "alice", timestamp: 1, versions: .v2Only)
        guard case .failed(let failure) = outcome else {
            Issue.record("a v1 message with v1 disabled did not fail: \(outcome)")
            return
        }
        #expect(failure.failureReason == "unsupported_version")
        #expect(try await bob.oneTimePreKeyCount() == before)
        #expect(try await bob.sessionRecord(for: StoreFixtures.alice) == nil)
        let accepted = try await bob.receive(
            envelopeID: "e2", from: StoreFixtures.alice, body: first, conversation: "alice", timestamp: 1, versions: .all)
        guard case .decrypted = accepted else {
            Issue.record("with v1 enabled the message did not decrypt: \(accepted)")
            return
        }
    }
}
