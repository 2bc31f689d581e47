import ParleyCrypto
import ParleyProtocol
import ParleyVectors
import Testing

/// Two-party behaviour of sessions: delivery orders, replays, limits.
struct SessionTests {
    @Test func pingPongWithAndWithoutOneTimePreKey() throws {
        for useOneTimePreKey in [true, false] {
            var parties = try TwoPartyHarness(seed: 1, useOneTimePreKey: useOneTimePreKey)
            for turn in 0..<10 {
                let side: TwoPartyHarness.Side = turn % 2 == 0 ? .alice : .bob
                let other: TwoPartyHarness.Side = side == .alice ? .bob : .alice
                let text = "turn \(turn) — héllo, 世界, مرحبا 👋"
                let wire = try parties.send(text, from: side)
                #expect(try parties.receive(wire, at: other) == Array(text.utf8))
            }
            #expect(parties.bobOneTimePreKeys.count == (useOneTimePreKey ? 2 : 3))
        }
    }

    @Test func aliceSendsPreKeyMessagesUntilBobAnswers() throws {
        var parties = try TwoPartyHarness(seed: 2)
        let first = try parties.send("1", from: .alice)
        let second = try parties.send("2", from: .alice)
        #expect(first[1] == 0x02 && second[1] == 0x02)
        try parties.receive(second, at: .bob)  // out of order: the second creates the session
        try parties.receive(first, at: .bob)  // the first is routed to it by (IK_A, EK_A)
        #expect(parties.bob.archived.isEmpty)
        let reply = try parties.send("ok", from: .bob)
        #expect(reply[1] == 0x01)
        try parties.receive(reply, at: .alice)
        let third = try parties.send("3", from: .alice)
        #expect(third[1] == 0x01)
        #expect(try parties.receive(third, at: .bob) == Array("3".utf8))
    }

    /// Random delivery orders with losses: every delivered message decrypts exactly once.
    @Test(arguments: 0..<12)
    func randomDeliveryOrdersWithLosses(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var parties = try TwoPartyHarness(seed: 100 + seed)
        // Bob must receive one message to be able to answer.
        try parties.receive(try parties.send("hello", from: .alice), at: .bob)
        var inFlight: [(to: TwoPartyHarness.Side, wire: [UInt8], text: [UInt8])] = []
        for round in 0..<60 {
            let from: TwoPartyHarness.Side = Bool.random(using: &rng) ? .alice : .bob
            let burst = Int.random(in: 1...4, using: &rng)
            for index in 0..<burst {
                let text = Array("r\(round) m\(index) from \(from)".utf8)
                inFlight.append((from == .alice ? .bob : .alice, try parties.send(text, from: from), text))
            }
            inFlight.shuffle(using: &rng)
            let deliver = Int.random(in: 0...inFlight.count, using: &rng)
            for item in inFlight.prefix(deliver) {
                if Int.random(in: 0..<10, using: &rng) == 0 { continue }  // lost
                let plaintext = try parties.receive(item.wire, at: item.to)
                #expect(plaintext == item.text, "seed \(seed)")
                // Delivered twice: a duplicate, and nothing changes.
                let before = parties.snapshot(item.to)
                #expect(throws: ProtocolError.duplicate, "seed \(seed)") { try parties.receive(item.wire, at: item.to) }
                #expect(parties.snapshot(item.to) == before, "seed \(seed)")
            }
            inFlight.removeFirst(deliver)
        }
    }

    @Test func skipOfExactlyMaxSkipWorksAndOneMoreFails() throws {
        var parties = try TwoPartyHarness(seed: 3)
        try parties.receive(try parties.send("start", from: .alice), at: .bob)
        var wires: [[UInt8]] = []
        for index in 0...1001 { wires.append(try parties.send("m\(index)", from: .bob)) }
        // Alice has received nothing on Bob's chain: message 1000 needs 1000 skipped keys.
        let before = parties.snapshot(.alice)
        #expect(throws: ProtocolError.tooManySkipped(requested: 1001)) { try parties.receive(wires[1001], at: .alice) }
        #expect(parties.snapshot(.alice) == before)
        #expect(try parties.receive(wires[1000], at: .alice) == Array("m1000".utf8))
        #expect(try parties.receive(wires[0], at: .alice) == Array("m0".utf8))
        #expect(try parties.receive(wires[1001], at: .alice) == Array("m1001".utf8))
    }

    @Test func storedSkippedKeysAreCappedOldestFirst() throws {
        var parties = try TwoPartyHarness(seed: 4)
        try parties.receive(try parties.send("start", from: .alice), at: .bob)
        // Three chains of Bob's with 1000 skipped messages each: 3000 keys, 2000 kept.
        var firsts: [[UInt8]] = []
        var lasts: [[UInt8]] = []
        for chain in 0..<3 {
            var wires: [[UInt8]] = []
            for index in 0...1000 { wires.append(try parties.send("c\(chain) m\(index)", from: .bob)) }
            try parties.receive(wires[1000], at: .alice)
            firsts.append(wires[0])
            lasts.append(wires[999])
            try parties.receive(try parties.send("next", from: .alice), at: .bob)
        }
        #expect(throws: ProtocolError.duplicate) { try parties.receive(firsts[0], at: .alice) }
        #expect(throws: ProtocolError.duplicate) { try parties.receive(lasts[0], at: .alice) }
        #expect(try parties.receive(firsts[1], at: .alice) == Array("c1 m0".utf8))
        #expect(try parties.receive(lasts[2], at: .alice) == Array("c2 m999".utf8))
    }

    @Test func replayOnCurrentAndOldChainIsDuplicate() throws {
        var parties = try TwoPartyHarness(seed: 5)
        let first = try parties.send("a", from: .alice)
        try parties.receive(first, at: .bob)
        let reply = try parties.send("b", from: .bob)
        try parties.receive(reply, at: .alice)
        #expect(throws: ProtocolError.duplicate) { try parties.receive(reply, at: .alice) }
        for _ in 0..<3 {
            try parties.receive(try parties.send("x", from: .alice), at: .bob)
            try parties.receive(try parties.send("y", from: .bob), at: .alice)
        }
        #expect(throws: ProtocolError.duplicate) { try parties.receive(reply, at: .alice) }
        #expect(throws: ProtocolError.duplicate) { try parties.receive(first, at: .bob) }
    }

    @Test func unknownPreKeysAreRejectedWithoutChange() throws {
        var parties = try TwoPartyHarness(seed: 6)
        let wire = try parties.send("hi", from: .alice)
        let saved = parties.bobOneTimePreKeys
        parties.bobOneTimePreKeys = [:]
        #expect(throws: ProtocolError.unknownPreKey) { try parties.receive(wire, at: .bob) }
        #expect(parties.bob.current == nil)
        parties.bobOneTimePreKeys = saved
        #expect(try parties.receive(wire, at: .bob) == Array("hi".utf8))
        #expect(parties.bobOneTimePreKeys.count == saved.count - 1)
    }

    @Test func newSessionArchivesTheOldOneWhichStillDecryptsLateMessages() throws {
        var parties = try TwoPartyHarness(seed: 7)
        let late = try Self.restartWithALateMessageOnTheFirstSession(&parties)
        #expect(parties.bob.archived.count == 1)
        #expect(try parties.receive(late, at: .bob) == Array("late on the first session".utf8))
    }

    /// A Message that fails on the current session and then decrypts on an archived one
    /// promotes that session (protocol.md §6.4) and archives the former current session exactly
    /// as it was: byte-identical as the newest archived session (the attempt on it ran on a
    /// scratch copy). The promoted session then carries the conversation both ways.
    @Test func decryptingOnAnArchivedSessionArchivesTheCurrentOneAsItWas() throws {
        var parties = try TwoPartyHarness(seed: 9)
        let late = try Self.restartWithALateMessageOnTheFirstSession(&parties)
        try parties.receive(try parties.send("on the second session", from: .bob), at: .alice)
        let currentBefore = try #require(parties.bob.current)

        #expect(try parties.receive(late, at: .bob) == Array("late on the first session".utf8))
        let archivedAfter = try #require(parties.bob.archived.first)
        #expect(Self.serialized(archivedAfter) == Self.serialized(currentBefore), "the former current session changed")
        // Bob now answers in the promoted first session; Alice still holds it archived, so her
        // reply promotes it too, and both are back on the first session.
        #expect(try parties.receive(try parties.send("in the first", from: .bob), at: .alice) == Array("in the first".utf8))
        #expect(parties.alice.current?.baseKey == parties.bob.current?.baseKey)
        #expect(try parties.receive(try parties.send("and back", from: .alice), at: .bob) == Array("and back".utf8))
        #expect(parties.bob.archived.count == 1)
    }

    /// After simultaneous initiation each side makes the other's session current; the first
    /// message each receives in its own (archived) session promotes it, and both end up sending
    /// in one session instead of each decrypting in an archived session for ever.
    @Test func simultaneousInitiationConvergesOnOneSession() throws {
        let random = SeededRandomSource(seed: 13)
        let aliceIdentity = IdentityKeyPair(random: random)
        let bobIdentity = IdentityKeyPair(random: random)
        let alicePreKey = SignedPreKey(identity: aliceIdentity, random: random)
        let bobPreKey = SignedPreKey(identity: bobIdentity, random: random)
        func bundle(_ identity: IdentityKeyPair, _ preKey: SignedPreKey) -> PreKeyBundle {
            PreKeyBundle(
                identityKey: identity.publicKey, signedPreKey: preKey.keyPair.publicKey,
                signedPreKeySignature: preKey.signature, oneTimePreKey: nil)
        }
        func receive(_ wire: [UInt8], _ record: inout SessionRecord, _ identity: IdentityKeyPair, _ preKey: SignedPreKey)
            throws -> [UInt8]
        {
            let result = try SessionCipher.decrypt(
                wire, record: record, identity: identity, random: random,
                signedPreKey: { $0 == preKey.keyPair.publicKey ? preKey.keyPair : nil }, oneTimePreKey: { _ in nil })
            record = result.record
            return result.plaintext
        }
        var alice = SessionRecord()
        var bob = SessionRecord()
        alice.makeCurrent(
            try SessionCipher.initiate(identity: aliceIdentity, bundle: bundle(bobIdentity, bobPreKey), random: random))
        bob.makeCurrent(
            try SessionCipher.initiate(identity: bobIdentity, bundle: bundle(aliceIdentity, alicePreKey), random: random))
        let fromAlice = try SessionCipher.encrypt(Array("hi bob".utf8), record: &alice, identity: aliceIdentity, random: random)
        let fromBob = try SessionCipher.encrypt(Array("hi alice".utf8), record: &bob, identity: bobIdentity, random: random)
        #expect(try receive(fromAlice, &bob, bobIdentity, bobPreKey) == Array("hi bob".utf8))
        #expect(try receive(fromBob, &alice, aliceIdentity, alicePreKey) == Array("hi alice".utf8))
        for round in 0..<3 {
            let a = Array("alice \(round)".utf8)
            let b = Array("bob \(round)".utf8)
            let fromAlice = try SessionCipher.encrypt(a, record: &alice, identity: aliceIdentity, random: random)
            #expect(try receive(fromAlice, &bob, bobIdentity, bobPreKey) == a)
            let fromBob = try SessionCipher.encrypt(b, record: &bob, identity: bobIdentity, random: random)
            #expect(try receive(fromBob, &alice, aliceIdentity, alicePreKey) == b)
        }
        let aliceCurrent = try #require(alice.current)
        let bobCurrent = try #require(bob.current)
        #expect(aliceCurrent.baseKey == bobCurrent.baseKey, "the two sides send in different sessions")
        #expect(alice.archived.count == 1 && bob.archived.count == 1)
    }

    /// A replay of a Message that belongs to an archived session is `duplicate` (the archived
    /// session's verdict), not the current session's `authentication`; nothing changes.
    @Test func replayIntoAnArchivedSessionIsDuplicate() throws {
        var parties = try TwoPartyHarness(seed: 14)
        try parties.receive(try parties.send("a", from: .alice), at: .bob)
        try parties.receive(try parties.send("b", from: .bob), at: .alice)
        let plain = try parties.send("plain on the first session", from: .alice)
        try parties.receive(plain, at: .bob)
        _ = try Self.restartWithALateMessageOnTheFirstSession(&parties)
        let before = parties.snapshot(.bob)
        #expect(throws: ProtocolError.duplicate) { try parties.receive(plain, at: .bob) }
        #expect(parties.snapshot(.bob) == before)
    }

    /// A PreKeyMessage prefix wrapped around a genuine Message of Bob's reaches no session of
    /// Alice's: her session was made by her as initiator, so no prefix was made from it, neither
    /// one naming Bob as IK_A (roles reflected) nor her own genuine one. Both are a new X3DH for
    /// which she holds no prekey; her state is unchanged and the genuine Message then decrypts.
    @Test func reflectedPrefixesAroundAGenuineMessageAreRefused() throws {
        var parties = try TwoPartyHarness(seed: 15)
        let first = try parties.send("first", from: .alice)
        try parties.receive(first, at: .bob)
        let reply = try parties.send("reply", from: .bob)
        let prefixEnd = first[98] == 0x01 ? 131 : 99
        let reflected = Array(first[0..<2]) + parties.bobIdentity.publicKey.rawRepresentation + first[34..<prefixEnd] + reply
        let rewrapped = Array(first[0..<prefixEnd]) + reply
        let before = parties.snapshot(.alice)
        for wire in [reflected, rewrapped] {
            #expect(throws: ProtocolError.unknownPreKey) { try parties.receive(wire, at: .alice) }
            #expect(parties.snapshot(.alice) == before)
        }
        #expect(try parties.receive(reply, at: .alice) == Array("reply".utf8))
    }

    private static func serialized(_ session: SessionState) -> SecureBytes {
        var record = SessionRecord()
        record.makeCurrent(session)
        return record.serialized
    }

    /// Alice and Bob talk on a first session; Alice writes one more message on it (returned,
    /// undelivered), then restarts with a fresh X3DH (as after reinstalling her session store)
    /// and Bob receives her first message on the second session, which archives the first.
    private static func restartWithALateMessageOnTheFirstSession(_ parties: inout TwoPartyHarness) throws -> [UInt8] {
        try parties.receive(try parties.send("first session", from: .alice), at: .bob)
        try parties.receive(try parties.send("ack", from: .bob), at: .alice)
        let late = try parties.send("late on the first session", from: .alice)
        let bundle = PreKeyBundle(
            identityKey: parties.bobIdentity.publicKey, signedPreKey: parties.signedPreKey.keyPair.publicKey,
            signedPreKeySignature: parties.signedPreKey.signature, oneTimePreKey: nil)
        parties.alice.makeCurrent(
            try SessionCipher.initiate(identity: parties.aliceIdentity, bundle: bundle, random: parties.random))
        try parties.receive(try parties.send("second session", from: .alice), at: .bob)
        return late
    }

    @Test func badSignatureMakesNoSession() throws {
        let random = SeededRandomSource(seed: 8)
        let alice = IdentityKeyPair(random: random)
        let bob = IdentityKeyPair(random: random)
        let spk = SignedPreKey(identity: bob, random: random)
        var signature = spk.signature
        signature[0] ^= 1
        let bundle = PreKeyBundle(
            identityKey: bob.publicKey, signedPreKey: spk.keyPair.publicKey, signedPreKeySignature: signature, oneTimePreKey: nil)
        #expect(throws: ProtocolError.badSignature) {
            try SessionCipher.initiate(identity: alice, bundle: bundle, random: random)
        }
    }
}
