import ParleyCrypto
import ParleyProtocol
import ParleyVectors
import Testing

/// Version handling: which suites a receiver accepts, and what a refusal changes (nothing).
struct VersionPolicyTests {
    /// A well-formed Parley-v1 PreKeyMessage and a v1 Message to a receiver with v1 disabled are
    /// unsupported_version, and change nothing; the same receiver with v1 enabled decrypts them.
    @Test func aV1MessageToAV2OnlyReceiverIsUnsupportedVersion() async throws {
        let random = SeededRandomSource(seed: 230)
        let alice = PQDevice("alice", random: random, versions: .all)
        let v2Only = PQDevice("bob", random: random, versions: .v2Only)
        // A v1 bundle of bob's (the store keys are the same for both managers).
        let signed = SignedPreKey(identity: v2Only.identity, random: random)
        await v2Only.store.saveSignedPreKey(signed)
        let v1Bundle = PreKeyBundle(
            identityKey: v2Only.identity.publicKey, signedPreKey: signed.keyPair.publicKey,
            signedPreKeySignature: signed.signature, oneTimePreKey: nil)
        try await alice.manager.startSession(with: v2Only.address, bundle: v1Bundle)
        let first = try await alice.manager.encrypt([1], for: v2Only.address)
        #expect(first[0] == 0x01)
        let before = await v2Only.snapshot(peer: alice.address)
        await #expect(throws: ProtocolError.unsupportedVersion(1)) {
            try await v2Only.manager.decrypt(first, from: alice.address)
        }
        #expect(await v2Only.snapshot(peer: alice.address) == before)
        #expect(ProtocolError.unsupportedVersion(1).category == "unsupported_version")

        // The same store behind a manager that accepts v1: the message decrypts.
        let permissive = SessionManager(store: v2Only.store, random: random, versions: .all)
        #expect(try await permissive.decrypt(first, from: alice.address) == [1])
        // A v1 Message (not a PreKeyMessage) is refused the same way by the v2-only manager.
        let reply = try await permissive.encrypt([2], for: alice.address)
        _ = try await alice.manager.decrypt(reply, from: v2Only.address)
        let message = try await alice.manager.encrypt([3], for: v2Only.address)
        #expect(message[0] == 0x01 && message[1] == 0x01)
        let beforeMessage = await v2Only.snapshot(peer: alice.address)
        await #expect(throws: ProtocolError.unsupportedVersion(1)) {
            try await v2Only.manager.decrypt(message, from: alice.address)
        }
        #expect(await v2Only.snapshot(peer: alice.address) == beforeMessage)
    }

    /// A malformed v1 message is `malformed` even where v1 is disabled (parsed completely by the
    /// v1 rules first), and any version byte but 0x01 and 0x02 is `malformed`.
    @Test func malformedAndUnknownVersionsAreMalformed() async throws {
        let random = SeededRandomSource(seed: 231)
        let bob = PQDevice("bob", random: random, versions: .v2Only)
        let peer = PeerAddress(user: "alice", device: 1)
        await #expect(throws: ProtocolError.malformed(.truncated(field: "IK_A"))) {
            try await bob.manager.decrypt([0x01, 0x02, 0x00], from: peer)
        }
        for version: UInt8 in [0x00, 0x03, 0x06, 0x82, 0xff] {
            await #expect(throws: ProtocolError.malformed(.unknownVersion(version))) {
                try await bob.manager.decrypt([version, 0x01] + [UInt8](repeating: 0, count: 100), from: peer)
            }
        }
    }

    /// The policy itself: v2 is always accepted; v1 only when enabled.
    @Test func thePolicyAcceptsWhatItSays() {
        #expect(VersionPolicy.v2Only.accepts(.v2))
        #expect(!VersionPolicy.v2Only.accepts(.v1))
        #expect(VersionPolicy.all.accepts(.v1) && VersionPolicy.all.accepts(.v2))
    }
}
