import ParleyCrypto
import ParleyProtocol
import ParleyVectors
import Testing

/// The order of Bob's rule 2 where it is observable through the category, and the failures of
/// the key agreement itself: each leaves the store as it was.
struct RuleTwoOrderTests {
    /// The identity point: a valid encoding that libsodium refuses to convert to X25519.
    private static let unconvertibleIdentityKey: [UInt8] = [1] + [UInt8](repeating: 0, count: 31)

    private func replace(_ bytes: [UInt8], at offset: Int, with field: [UInt8]) -> [UInt8] {
        var out = bytes
        out.replaceSubrange(offset..<(offset + field.count), with: field)
        return out
    }

    /// Step 4 before step 5: a message repeating a recorded (last-resort PQID_B, EK_A) pair is a
    /// duplicate even when its IK_A could not be used (which step 5 would report as invalid_key).
    @Test func aRecordedLastResortUseComesBeforeTheIdentityKeyCheck() async throws {
        let random = SeededRandomSource(seed: 240)
        let alice = PQDevice("alice", random: random)
        let bob = PQDevice("bob", random: random)
        try await alice.manager.startSession(
            with: bob.address, bundle: await bob.publishBundle(random: random, withOneTimePreKey: false, kind: .lastResort))
        let first = try await alice.manager.encrypt([1], for: bob.address)
        _ = try await bob.manager.decrypt(first, from: alice.address)
        let badIdentity = replace(first, at: 2, with: Self.unconvertibleIdentityKey)
        let elsewhere = PeerAddress(user: "alice", device: 2)
        let before = await bob.snapshot(peer: elsewhere)
        await #expect(throws: ProtocolError.duplicate) { try await bob.manager.decrypt(badIdentity, from: elsewhere) }
        #expect(await bob.snapshot(peer: elsewhere) == before)
    }

    /// Steps 3 before 5: an unknown PQID_B is unknown_prekey even with an unusable IK_A; with the
    /// genuine PQID_B the same IK_A is invalid_key. An all-zero DH (EK_A = 0) is invalid_key.
    /// None of them consumes a prekey.
    @Test func unknownPQPreKeyComesBeforeTheKeyAgreementAndItsFailuresChangeNothing() async throws {
        let random = SeededRandomSource(seed: 241)
        let alice = PQDevice("alice", random: random)
        let bob = PQDevice("bob", random: random)
        try await alice.manager.startSession(with: bob.address, bundle: await bob.publishBundle(random: random))
        let first = try await alice.manager.encrypt([1], for: bob.address)
        let badIdentity = replace(first, at: 2, with: Self.unconvertibleIdentityKey)
        let unknownPQ = replace(badIdentity, at: 131, with: [UInt8](repeating: 0x5A, count: 32))
        let zeroBaseKey = replace(first, at: 34, with: [UInt8](repeating: 0, count: 32))
        let before = await bob.snapshot(peer: alice.address)
        await #expect(throws: ProtocolError.unknownPreKey) { try await bob.manager.decrypt(unknownPQ, from: alice.address) }
        await #expect(throws: ProtocolError.invalidKey) { try await bob.manager.decrypt(badIdentity, from: alice.address) }
        await #expect(throws: ProtocolError.invalidKey) { try await bob.manager.decrypt(zeroBaseKey, from: alice.address) }
        #expect(await bob.snapshot(peer: alice.address) == before)
        #expect(try await bob.manager.decrypt(first, from: alice.address) == [1])
    }

    /// Alice's refusals store nothing: a bundle with a bad PQ signature, or with a PQ prekey that
    /// is not a valid ML-KEM encoding (invalid_key after the draw of EK_A), leaves her record empty.
    @Test func aRefusedBundleStoresNothing() async throws {
        let random = SeededRandomSource(seed: 242)
        let alice = PQDevice("alice", random: random)
        let bob = PQDevice("bob", random: random)
        let good = await bob.publishBundle(random: random)
        let badSignature = PQXDHBundle(
            identityKey: good.identityKey, signedPreKey: good.signedPreKey, signedPreKeySignature: good.signedPreKeySignature,
            oneTimePreKey: good.oneTimePreKey, pqPreKey: good.pqPreKey, pqPreKeySignature: good.signedPreKeySignature)
        await #expect(throws: ProtocolError.badSignature) {
            try await alice.manager.startSession(with: bob.address, bundle: badSignature)
        }
        let invalidKey = try MLKEM.PublicKey(rawRepresentation: [UInt8](repeating: 0xFF, count: MLKEM.publicKeyByteCount))
        let invalid = PQXDHBundle(
            identityKey: good.identityKey, signedPreKey: good.signedPreKey, signedPreKeySignature: good.signedPreKeySignature,
            oneTimePreKey: good.oneTimePreKey, pqPreKey: invalidKey,
            pqPreKeySignature: bob.identity.signingKey.signature(for: PQPreKey.signedMessage(for: invalidKey)))
        await #expect(throws: ProtocolError.invalidKey) {
            try await alice.manager.startSession(with: bob.address, bundle: invalid)
        }
        #expect(await alice.store.sessionRecord(for: bob.address) == nil)
    }
}
