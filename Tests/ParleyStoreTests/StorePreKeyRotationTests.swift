import Foundation
import ParleyCrypto
import ParleyProtocol
import ParleyStore
import ParleyVectors
import Testing

/// A client's prekey rotation as one store transaction (new keys, retired keys deleted, the
/// state setting), and Parley-v2 sessions started from a bundle.
struct StorePreKeyRotationTests {
    /// A rotation adds the signed prekey, the last-resort PQ prekey and the setting together; a
    /// later one deletes them with the last-resort uses recorded for the PQ key.
    @Test func aRotationCommitsKeysAndStateTogether() async throws {
        let directory = TemporaryDirectory()
        let random = SeededRandomSource(seed: 410)
        let store = try await StoreFixtures.makeStore(directory, "bob.sqlite", seed: 410)
        let identity = try await store.identityKeyPair()
        let signed = SignedPreKey(identity: identity, version: .v2, random: random)
        let lastResort = PQPreKey(kind: .lastResort, identity: identity, random: random)
        try await store.commit(
            EncryptedStore.PreKeyRotation(
                newSignedPreKey: signed, newPQPreKeys: [lastResort], setting: (name: "state", value: "first")))
        #expect(try await store.signedPreKey(for: signed.keyPair.publicKey)?.signature == signed.signature)
        #expect(try await store.pqPreKey(for: lastResort.id)?.kind == .lastResort)
        #expect(try await store.setting("state") == "first")

        let baseKey = X25519.PrivateKey(random: random).publicKey
        let use = PQPreKeyUse.lastResort(lastResort.id, baseKey: baseKey)
        try await store.update { _ in
            (
                change: SessionChange(
                    address: StoreFixtures.alice, record: SessionRecord(), consumedOneTimePreKey: nil, consumedPQPreKey: use),
                result: ()
            )
        }
        #expect(try await store.isLastResortUseRecorded(lastResort.id, baseKey: baseKey))
        try await store.commit(
            EncryptedStore.PreKeyRotation(
                removedSignedPreKeys: [signed.keyPair.publicKey], removedPQPreKeys: [lastResort.id],
                setting: (name: "state", value: "second")))
        #expect(try await store.signedPreKey(for: signed.keyPair.publicKey) == nil)
        #expect(try await store.pqPreKey(for: lastResort.id) == nil)
        #expect(try await !store.isLastResortUseRecorded(lastResort.id, baseKey: baseKey))
        #expect(try await store.setting("state") == "second")
    }

    /// A Parley-v2 session starts from a valid bundle; a bundle whose PQ prekey signature does not
    /// verify is `bad_signature` and stores nothing.
    @Test func aV2SessionStartsOnlyFromAValidBundle() async throws {
        let directory = TemporaryDirectory()
        let random = SeededRandomSource(seed: 411)
        let alice = try await StoreFixtures.makeStore(directory, "alice.sqlite", seed: 411)
        let bob = IdentityKeyPair(random: random)
        let signed = SignedPreKey(identity: bob, version: .v2, random: random)
        let pq = PQPreKey(kind: .oneTime, identity: bob, random: random)
        func bundle(pqSignature: [UInt8]) -> PQXDHBundle {
            PQXDHBundle(
                identityKey: bob.publicKey, signedPreKey: signed.keyPair.publicKey, signedPreKeySignature: signed.signature,
                oneTimePreKey: nil, pqPreKey: pq.keyPair.publicKey, pqPreKeySignature: pqSignature)
        }
        var forged = pq.signature
        forged[0] ^= 1
        await #expect(throws: ProtocolError.badSignature) {
            try await alice.startSession(with: StoreFixtures.bob, bundle: bundle(pqSignature: forged))
        }
        #expect(try await alice.sessionRecord(for: StoreFixtures.bob) == nil)
        try await alice.startSession(with: StoreFixtures.bob, bundle: bundle(pqSignature: pq.signature))
        #expect(try await alice.sessionRecord(for: StoreFixtures.bob)?.current?.remoteIdentityKey == bob.publicKey)
    }
}
