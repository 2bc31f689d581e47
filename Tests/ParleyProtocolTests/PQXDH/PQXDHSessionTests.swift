import ParleyCrypto
import ParleyProtocol
import ParleyVectors
import Testing

/// Parley-v2 sessions end to end through SessionManager and InMemoryProtocolStore: the wire
/// layout, what a new session consumes, and the PQ-specific refusals.
struct PQXDHSessionTests {
    /// A v2 conversation: the first message is a 0x02 PreKeyMessage of exactly 1813 + plaintext
    /// bytes with an OPK (the Message inside starts with 0x02 too), Bob's commit deletes OPK_B and
    /// the one-time PQ prekey, and the reply is a 0x02 Message.
    @Test func aV2SessionWithOneTimeKeysConsumesThem() async throws {
        let random = SeededRandomSource(seed: 201)
        let alice = PQDevice("alice", random: random)
        let bob = PQDevice("bob", random: random)
        let bundle = await bob.publishBundle(random: random)
        try await alice.manager.startSession(with: bob.address, bundle: bundle)
        #expect(alice.encapsulator.count == 1)

        let first = try await alice.manager.encrypt([], for: bob.address)
        #expect(first[0] == 0x02 && first[1] == 0x02)
        #expect(first.count == 1813)
        #expect(first[1731] == 0x02 && first[1732] == 0x01)  // the inner Message's version and type
        #expect(Array(first[131..<163]) == bundle.pqPreKeyID.rawRepresentation)
        #expect(await bob.store.pqPreKeyIDs() == [bundle.pqPreKeyID])

        #expect(try await bob.manager.decrypt(first, from: alice.address) == [])
        #expect(await bob.store.pqPreKeyIDs().isEmpty)
        #expect(await bob.store.oneTimePreKeyPublicKeys().isEmpty)
        #expect(await bob.store.lastResortUseCount() == 0)

        let reply = try await bob.manager.encrypt(Array("hi".utf8), for: alice.address)
        #expect(reply[0] == 0x02 && reply[1] == 0x01)
        #expect(try await alice.manager.decrypt(reply, from: bob.address) == Array("hi".utf8))
        let next = try await alice.manager.encrypt(Array("again".utf8), for: bob.address)
        #expect(next[0] == 0x02 && next[1] == 0x01)
        #expect(try await bob.manager.decrypt(next, from: alice.address) == Array("again".utf8))
        #expect(await alice.store.sessionRecord(for: bob.address)?.current?.version == .v2)
    }

    /// Without an OPK the PreKeyMessage is 1781 bytes for an empty plaintext; a last-resort PQ
    /// prekey stays held after use and the pair (PQID_B, EK_A) is recorded.
    @Test func aLastResortKeyStaysAndItsUseIsRecorded() async throws {
        let random = SeededRandomSource(seed: 202)
        let alice = PQDevice("alice", random: random)
        let bob = PQDevice("bob", random: random)
        let bundle = await bob.publishBundle(random: random, withOneTimePreKey: false, kind: .lastResort)
        try await alice.manager.startSession(with: bob.address, bundle: bundle)
        let first = try await alice.manager.encrypt([], for: bob.address)
        #expect(first.count == PreKeyMessage.minimumV2ByteCount && first.count == 1781)
        #expect(first[98] == 0x00)
        _ = try await bob.manager.decrypt(first, from: alice.address)
        #expect(await bob.store.pqPreKeyIDs() == [bundle.pqPreKeyID])
        #expect(await bob.store.lastResortUseCount() == 1)
    }

    /// Rule 2 step 4: the same first message replayed where no session routes it (here: under
    /// another address, as after the original session has left the archive) is a duplicate, and
    /// changes nothing. Without the record it would make a second session.
    @Test func aReplayedLastResortFirstMessageIsADuplicate() async throws {
        let random = SeededRandomSource(seed: 203)
        let alice = PQDevice("alice", random: random)
        let bob = PQDevice("bob", random: random)
        let bundle = await bob.publishBundle(random: random, withOneTimePreKey: false, kind: .lastResort)
        try await alice.manager.startSession(with: bob.address, bundle: bundle)
        let first = try await alice.manager.encrypt(Array("once".utf8), for: bob.address)
        _ = try await bob.manager.decrypt(first, from: alice.address)
        let elsewhere = PeerAddress(user: "alice", device: 2)
        let before = await bob.snapshot(peer: elsewhere)
        await #expect(throws: ProtocolError.duplicate) { try await bob.manager.decrypt(first, from: elsewhere) }
        #expect(await bob.snapshot(peer: elsewhere) == before)
        // Alice's second PreKeyMessage still routes to the session (rule 1), as before.
        let second = try await alice.manager.encrypt(Array("twice".utf8), for: bob.address)
        #expect(try await bob.manager.decrypt(second, from: alice.address) == Array("twice".utf8))
    }

    /// A one-time PQ prekey is deleted at first use, so a replay elsewhere is unknown_prekey.
    @Test func aUsedOneTimePQPreKeyIsUnknown() async throws {
        let random = SeededRandomSource(seed: 204)
        let alice = PQDevice("alice", random: random)
        let bob = PQDevice("bob", random: random)
        try await alice.manager.startSession(
            with: bob.address, bundle: await bob.publishBundle(random: random, withOneTimePreKey: false))
        let first = try await alice.manager.encrypt([1], for: bob.address)
        _ = try await bob.manager.decrypt(first, from: alice.address)
        let elsewhere = PeerAddress(user: "alice", device: 2)
        let before = await bob.snapshot(peer: elsewhere)
        await #expect(throws: ProtocolError.unknownPreKey) { try await bob.manager.decrypt(first, from: elsewhere) }
        #expect(await bob.snapshot(peer: elsewhere) == before)
    }

    /// Rule 2 order: an unknown SPK_B is reported before an unknown PQID_B, and a PQID_B that
    /// Bob never held is unknown_prekey; both change nothing.
    @Test func unknownPreKeysInRuleTwoOrder() async throws {
        let random = SeededRandomSource(seed: 205)
        let alice = PQDevice("alice", random: random)
        let bob = PQDevice("bob", random: random)
        let bundle = await bob.publishBundle(random: random, withOneTimePreKey: false)
        let stranger = PQPreKey(kind: .oneTime, identity: bob.identity, random: random)
        let foreign = PQXDHBundle(
            identityKey: bundle.identityKey, signedPreKey: bundle.signedPreKey,
            signedPreKeySignature: bundle.signedPreKeySignature, oneTimePreKey: nil,
            pqPreKey: stranger.keyPair.publicKey, pqPreKeySignature: stranger.signature)
        try await alice.manager.startSession(with: bob.address, bundle: foreign)
        let first = try await alice.manager.encrypt([1], for: bob.address)
        let before = await bob.snapshot(peer: alice.address)
        await #expect(throws: ProtocolError.unknownPreKey) { try await bob.manager.decrypt(first, from: alice.address) }
        #expect(await bob.snapshot(peer: alice.address) == before)
    }

    /// A tampered CT is well formed: Decaps gives another SS and the message fails
    /// `authentication`; nothing changes, and the genuine message still decrypts afterwards.
    @Test func aTamperedCiphertextFailsAuthentication() async throws {
        let random = SeededRandomSource(seed: 206)
        let alice = PQDevice("alice", random: random)
        let bob = PQDevice("bob", random: random)
        try await alice.manager.startSession(with: bob.address, bundle: await bob.publishBundle(random: random))
        let first = try await alice.manager.encrypt([7], for: bob.address)
        var tampered = first
        tampered[163 + 700] ^= 0x10
        let before = await bob.snapshot(peer: alice.address)
        await #expect(throws: ProtocolError.authentication) { try await bob.manager.decrypt(tampered, from: alice.address) }
        #expect(await bob.snapshot(peer: alice.address) == before)
        #expect(try await bob.manager.decrypt(first, from: alice.address) == [7])
    }

    /// Every bit of the v2 prefix matters: flipping one bit in any field (version, type, IK_A,
    /// EK_A, SPK_B, flag, OPK_B, PQID_B, CT) never decrypts and never changes state; a flipped
    /// version bit is `malformed` (no flip of 0x02 gives 0x01).
    @Test func aFlippedBitInEveryPrefixFieldIsRefusedWithoutChange() async throws {
        let random = SeededRandomSource(seed: 207)
        let alice = PQDevice("alice", random: random)
        let bob = PQDevice("bob", random: random)
        try await alice.manager.startSession(with: bob.address, bundle: await bob.publishBundle(random: random))
        let first = try await alice.manager.encrypt([9], for: bob.address)
        let fields: [(String, Int)] = [
            ("version", 0), ("type", 1), ("IK_A", 2), ("EK_A", 34), ("SPK_B", 66), ("flag", 98), ("OPK_B", 99),
            ("PQID_B", 131), ("CT", 163), ("CT end", 1730),
        ]
        let before = await bob.snapshot(peer: alice.address)
        for (name, offset) in fields {
            for bit in [0, 5] {
                var flipped = first
                flipped[offset] ^= UInt8(1 << bit)
                do {
                    _ = try await bob.manager.decrypt(flipped, from: alice.address)
                    Issue.record("\(name) bit \(bit): decrypted")
                } catch let error as ProtocolError {
                    if name == "version" { #expect(error.category == "malformed", "\(name) bit \(bit): \(error)") }
                }
                #expect(await bob.snapshot(peer: alice.address) == before, "\(name) bit \(bit) changed state")
            }
        }
        #expect(try await bob.manager.decrypt(first, from: alice.address) == [9])
        // Rule 1 on the whole prefix: once the session exists, a flipped CT or PQID_B is not routed
        // to it (it would be a new session with an unknown or reused key), and changes nothing.
        let second = try await alice.manager.encrypt([10], for: bob.address)
        let after = await bob.snapshot(peer: alice.address)
        for offset in [131, 163, 1000] {
            var flipped = second
            flipped[offset] ^= 0x01
            await #expect(throws: ProtocolError.self) { try await bob.manager.decrypt(flipped, from: alice.address) }
            #expect(await bob.snapshot(peer: alice.address) == after)
        }
        #expect(try await bob.manager.decrypt(second, from: alice.address) == [10])
    }

    /// The inner Message must carry the outer version byte: a v2 PreKeyMessage whose inner
    /// header says 0x01 is malformed (versionMismatch), before any cryptography.
    @Test func anInnerMessageOfAnotherVersionIsMalformed() async throws {
        let random = SeededRandomSource(seed: 208)
        let alice = PQDevice("alice", random: random)
        let bob = PQDevice("bob", random: random)
        try await alice.manager.startSession(with: bob.address, bundle: await bob.publishBundle(random: random))
        var first = try await alice.manager.encrypt([1], for: bob.address)
        first[1731] = 0x01
        #expect(throws: WireError.versionMismatch(outer: 2, inner: 1)) { try PreKeyMessage(serialized: first) }
        let before = await bob.snapshot(peer: alice.address)
        await #expect(throws: ProtocolError.malformed(.versionMismatch(outer: 2, inner: 1))) {
            try await bob.manager.decrypt(first, from: alice.address)
        }
        #expect(await bob.snapshot(peer: alice.address) == before)
    }

    /// A v2 PreKeyMessage one byte short of the minimum, or cut inside PQID_B or CT, is
    /// malformed (truncated), never a crash.
    @Test func truncatedV2PreKeyMessagesAreMalformed() async throws {
        let random = SeededRandomSource(seed: 209)
        let alice = PQDevice("alice", random: random)
        let bob = PQDevice("bob", random: random)
        try await alice.manager.startSession(
            with: bob.address, bundle: await bob.publishBundle(random: random, withOneTimePreKey: false))
        let first = try await alice.manager.encrypt([], for: bob.address)
        for length in [0, 1, 2, 98, 99, 100, 130, 131, 1000, 1698, 1699, 1780] {
            #expect(throws: WireError.self, "length \(length)") { try WireMessage(serialized: Array(first.prefix(length))) }
        }
        #expect(throws: WireError.truncated(field: "CT")) { try WireMessage(serialized: Array(first.prefix(1000))) }
        #expect(throws: WireError.truncated(field: "PQID_B")) { try WireMessage(serialized: Array(first.prefix(120))) }
    }

    /// A v2 session survives the stored form: serialised and restored on both sides (format 2,
    /// with the suite and the PQXDH prefix), the conversation goes on.
    @Test func aV2SessionRoundTripsThroughItsSnapshot() async throws {
        let random = SeededRandomSource(seed: 210)
        let alice = PQDevice("alice", random: random)
        let bob = PQDevice("bob", random: random)
        try await alice.manager.startSession(with: bob.address, bundle: await bob.publishBundle(random: random))
        let first = try await alice.manager.encrypt([1], for: bob.address)
        _ = try await bob.manager.decrypt(first, from: alice.address)
        let aliceRecord = try #require(await alice.store.sessionRecord(for: bob.address))
        let restored = try SessionRecord(serialized: aliceRecord.serialized)
        #expect(restored.serialized == aliceRecord.serialized)
        #expect(restored.current?.version == .v2)
        var sending = restored
        let wire = try SessionCipher.encrypt([2], record: &sending, identity: alice.identity, random: random)
        #expect(wire[0] == 0x02 && wire[1] == 0x02)  // still a PreKeyMessage: no answer yet
        #expect(try await bob.manager.decrypt(wire, from: alice.address) == [2])
    }
}
