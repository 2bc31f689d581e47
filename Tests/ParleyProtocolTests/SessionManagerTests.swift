import ParleyCrypto
import ParleyProtocol
import ParleyVectors
import Testing

/// The store-backed API: atomic commits, prekey consumption, serialised operations.
struct SessionManagerTests {
    struct Device {
        let identity: IdentityKeyPair
        let store: InMemoryProtocolStore
        let manager: SessionManager
        let address: PeerAddress

        init(_ name: String, random: SeededRandomSource) {
            identity = IdentityKeyPair(random: random)
            store = InMemoryProtocolStore(identity: identity)
            manager = SessionManager(store: store, random: random)
            address = PeerAddress(user: name, device: 1)
        }

        func publishBundle(random: SeededRandomSource) async -> PreKeyBundle {
            let signed = SignedPreKey(identity: identity, random: random)
            let oneTime = OneTimePreKey(random: random)
            await store.saveSignedPreKey(signed)
            await store.saveOneTimePreKeys([oneTime])
            return PreKeyBundle(
                identityKey: identity.publicKey, signedPreKey: signed.keyPair.publicKey,
                signedPreKeySignature: signed.signature, oneTimePreKey: oneTime.keyPair.publicKey)
        }
    }

    /// A PreKeyMessage that arrives for alice/1 but was made with a third party's identity key
    /// cannot take the address over: it fails as untrusted_identity, bob's record for alice and
    /// his one-time prekeys are exactly as before, and his next message still goes to alice.
    @Test func aPreKeyMessageFromAnotherIdentityIsRefusedAndChangesNothing() async throws {
        let random = SeededRandomSource(seed: 45)
        let alice = Device("alice", random: random)
        let bob = Device("bob", random: random)
        let intruder = Device("intruder", random: random)
        try await alice.manager.startSession(with: bob.address, bundle: await bob.publishBundle(random: random))
        let hello = try await alice.manager.encrypt(Array("hello".utf8), for: bob.address)
        #expect(try await bob.manager.decrypt(hello, from: alice.address) == Array("hello".utf8))

        try await intruder.manager.startSession(with: bob.address, bundle: await bob.publishBundle(random: random))
        let forged = try await intruder.manager.encrypt(Array("it's alice, really".utf8), for: bob.address)
        let recordBefore = try #require(await bob.store.sessionRecord(for: alice.address)).serialized
        let preKeysBefore = await bob.store.oneTimePreKeyPublicKeys()
        await #expect(throws: ProtocolError.untrustedIdentity) { try await bob.manager.decrypt(forged, from: alice.address) }
        #expect(try #require(await bob.store.sessionRecord(for: alice.address)).serialized == recordBefore)
        #expect(await bob.store.oneTimePreKeyPublicKeys() == preKeysBefore)

        let reply = try await bob.manager.encrypt(Array("only alice reads this".utf8), for: alice.address)
        #expect(try await alice.manager.decrypt(reply, from: bob.address) == Array("only alice reads this".utf8))
        // The same message under a policy that trusts the intruder's key is accepted: the
        // decision is the caller's, made inside the decrypt.
        #expect(
            try await bob.manager.decrypt(forged, from: alice.address, trust: .only(intruder.identity.publicKey))
                == Array("it's alice, really".utf8))
    }

    /// Under `.only(K)` a plain Message that decrypts only in a session made with another key
    /// is refused after the attempt (which ran on a copy), and nothing changes.
    @Test func aMessageWhoseSessionHasAnUntrustedKeyIsRefused() async throws {
        var parties = try TwoPartyHarness(seed: 46)
        try parties.receive(try parties.send("hello", from: .alice), at: .bob)
        try parties.receive(try parties.send("reply", from: .bob), at: .alice)
        let late = try parties.send("late", from: .alice)
        let newIdentity = IdentityKeyPair(random: parties.random)
        let before = parties.snapshot(.bob)
        let result = #expect(throws: ProtocolError.untrustedIdentity) {
            try SessionCipher.decrypt(
                late, record: parties.bob, identity: parties.bobIdentity, random: parties.random,
                signedPreKey: { _ in nil }, oneTimePreKey: { _ in nil }, trust: .only(newIdentity.publicKey))
        }
        #expect(result != nil)
        #expect(parties.snapshot(.bob) == before)
        #expect(try parties.receive(late, at: .bob) == Array("late".utf8))
    }

    @Test func oneTimePreKeyIsDeletedOnlyWhenTheFirstMessageDecrypts() async throws {
        let random = SeededRandomSource(seed: 40)
        let alice = Device("alice", random: random)
        let bob = Device("bob", random: random)
        let bundle = await bob.publishBundle(random: random)
        try await alice.manager.startSession(with: bob.address, bundle: bundle)
        let wire = try await alice.manager.encrypt(Array("hi".utf8), for: bob.address)

        var forged = wire
        forged[forged.count - 1] ^= 1
        await #expect(throws: ProtocolError.authentication) { try await bob.manager.decrypt(forged, from: alice.address) }
        #expect(await bob.store.oneTimePreKeyPublicKeys().count == 1)
        #expect(await bob.store.sessionRecord(for: alice.address)?.serialized == nil)

        #expect(try await bob.manager.decrypt(wire, from: alice.address) == Array("hi".utf8))
        #expect(await bob.store.oneTimePreKeyPublicKeys().isEmpty)
        // Alice's second PreKeyMessage reaches the same session although the OPK is gone.
        let second = try await alice.manager.encrypt(Array("again".utf8), for: bob.address)
        #expect(try await bob.manager.decrypt(second, from: alice.address) == Array("again".utf8))
    }

    @Test func concurrentEncryptsNeverReuseAMessageNumber() async throws {
        let random = SeededRandomSource(seed: 41)
        let alice = Device("alice", random: random)
        let bob = Device("bob", random: random)
        try await alice.manager.startSession(with: bob.address, bundle: await bob.publishBundle(random: random))
        let wires = try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for index in 0..<50 {
                group.addTask { try await alice.manager.encrypt(Array("m\(index)".utf8), for: bob.address) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        var numbers = Set<UInt32>()
        for wire in wires {
            guard case .preKeyMessage(let message) = try WireMessage(serialized: wire) else {
                Issue.record("expected PreKeyMessages")
                continue
            }
            numbers.insert(message.message.header.messageNumber)
        }
        #expect(numbers == Set(0..<50))
        for wire in wires { _ = try await bob.manager.decrypt(wire, from: alice.address) }
    }

    @Test func encryptWithoutSessionFails() async throws {
        let random = SeededRandomSource(seed: 42)
        let alice = Device("alice", random: random)
        await #expect(throws: ProtocolError.noSession) {
            try await alice.manager.encrypt([1], for: PeerAddress(user: "nobody", device: 1))
        }
        await #expect(throws: ProtocolError.malformed(.unknownVersion(9))) {
            try await alice.manager.decrypt([9, 1, 2], from: PeerAddress(user: "nobody", device: 1))
        }
    }
}
