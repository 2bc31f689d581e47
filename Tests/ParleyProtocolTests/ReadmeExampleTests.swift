import ParleyCrypto
import ParleyProtocol
import Testing

/// The README's library example, verbatim apart from the assertions, so that it keeps compiling
/// and keeps doing what it says.
struct ReadmeExampleTests {
    @Test func readmeExampleRuns() async throws {
        // Bob's device: an identity, a signed prekey and one-time prekeys, kept in a store.
        let bobIdentity = IdentityKeyPair(random: SystemRandomSource())
        let bobStore = InMemoryProtocolStore(identity: bobIdentity)
        let signedPreKey = SignedPreKey(identity: bobIdentity, random: SystemRandomSource())
        let oneTimePreKey = OneTimePreKey(random: SystemRandomSource())
        await bobStore.saveSignedPreKey(signedPreKey)
        await bobStore.saveOneTimePreKeys([oneTimePreKey])
        let bundle = PreKeyBundle(
            identityKey: bobIdentity.publicKey, signedPreKey: signedPreKey.keyPair.publicKey,
            signedPreKeySignature: signedPreKey.signature, oneTimePreKey: oneTimePreKey.keyPair.publicKey)

        // Alice starts a session from Bob's bundle and sends; Bob decrypts and answers.
        let alice = SessionManager(store: InMemoryProtocolStore(identity: IdentityKeyPair(random: SystemRandomSource())))
        let bob = SessionManager(store: bobStore)
        let (aliceAddress, bobAddress) = (PeerAddress(user: "alice", device: 1), PeerAddress(user: "bob", device: 1))
        try await alice.startSession(with: bobAddress, bundle: bundle)  // verifies the signature, runs X3DH
        let wire = try await alice.encrypt(Array("Hello Bob".utf8), for: bobAddress)
        let text = try await bob.decrypt(wire, from: aliceAddress)  // commits the new state, deletes the OPK
        let reply = try await bob.encrypt(Array("Hi Alice".utf8), for: aliceAddress)

        #expect(text == Array("Hello Bob".utf8))
        #expect(await bobStore.oneTimePreKeyPublicKeys().isEmpty)
        #expect(try await alice.decrypt(reply, from: bobAddress) == Array("Hi Alice".utf8))
    }
}
