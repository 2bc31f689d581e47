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
        await #expect(throws: ProtocolError.malformed(.unsupportedVersion(9))) {
            try await alice.manager.decrypt([9, 1, 2], from: PeerAddress(user: "nobody", device: 1))
        }
    }
}
