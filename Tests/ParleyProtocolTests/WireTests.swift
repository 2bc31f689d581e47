import ParleyCrypto
import ParleyProtocol
import Testing

/// Parsing of received bytes: every malformed input is a typed error, never a crash.
struct WireTests {
    @Test func validMessagesParseAndKeepTheirBytes() throws {
        var parties = try TwoPartyHarness(seed: 20)
        let preKeyWire = try parties.send("x", from: .alice)
        guard case .preKeyMessage(let preKey) = try WireMessage(serialized: preKeyWire) else {
            Issue.record("expected a PreKeyMessage")
            return
        }
        #expect(preKey.serialized == preKeyWire)
        #expect(preKey.identityKey == parties.aliceIdentity.publicKey)
        #expect(preKey.signedPreKey == parties.signedPreKey.keyPair.publicKey)
        #expect(preKey.oneTimePreKey != nil)
        #expect(preKey.message.header.messageNumber == 0)
        #expect(preKeyWire.count == 2 + 32 * 3 + 1 + 32 + RatchetMessage.minimumByteCount + 1)
    }

    @Test func everyTruncationIsMalformed() throws {
        var parties = try TwoPartyHarness(seed: 21)
        let preKeyWire = try parties.send("", from: .alice)
        try parties.receive(preKeyWire, at: .bob)
        let messageWire = try parties.send("", from: .bob)
        for wire in [preKeyWire, messageWire] {
            for length in 0..<wire.count {
                #expect(throws: WireError.self) { try WireMessage(serialized: Array(wire.prefix(length))) }
            }
        }
    }

    @Test func badVersionTypeFlagAndKeysAreNamed() throws {
        var parties = try TwoPartyHarness(seed: 22)
        let wire = try parties.send("x", from: .alice)
        var bad = wire
        bad[0] = 0x02
        #expect(throws: WireError.unsupportedVersion(2)) { try WireMessage(serialized: bad) }
        bad = wire
        bad[1] = 0x03
        #expect(throws: WireError.unknownType(3)) { try WireMessage(serialized: bad) }
        bad = wire
        bad[2 + 96] = 0x02
        #expect(throws: WireError.invalidFlag(2)) { try WireMessage(serialized: bad) }
        for (field, offset) in [("EK_A", 2 + 32), ("SPK_B", 2 + 64), ("OPK_B", 2 + 97), ("DHs", 2 + 129 + 2)] {
            bad = wire
            bad[offset + 31] |= 0x80
            #expect(throws: WireError.nonCanonicalKey(field: field)) { try WireMessage(serialized: bad) }
        }
        #expect(throws: ProtocolError.malformed(.truncated(field: "version"))) { try WireMessage.parse([]) }
    }

    /// Every single-bit flip of a valid Message or PreKeyMessage is rejected, and the receiver's
    /// state is unchanged afterwards.
    @Test func everySingleBitFlipIsRejectedWithoutStateChange() throws {
        var parties = try TwoPartyHarness(seed: 23)
        let preKeyWire = try parties.send("first message", from: .alice)
        var bob = parties
        for bit in 0..<(preKeyWire.count * 8) {
            var flipped = preKeyWire
            flipped[bit / 8] ^= 1 << (bit % 8)
            #expect(throws: ProtocolError.self, "bit \(bit)") { try bob.receive(flipped, at: .bob) }
            #expect(bob.bob.current == nil, "bit \(bit)")
            #expect(bob.bobOneTimePreKeys.count == 3, "bit \(bit)")
        }
        try parties.receive(preKeyWire, at: .bob)
        let messageWire = try parties.send("reply", from: .bob)
        let before = parties.snapshot(.alice)
        for bit in 0..<(messageWire.count * 8) {
            var flipped = messageWire
            flipped[bit / 8] ^= 1 << (bit % 8)
            #expect(throws: ProtocolError.self, "bit \(bit)") { try parties.receive(flipped, at: .alice) }
            #expect(parties.snapshot(.alice) == before, "bit \(bit)")
        }
        #expect(try parties.receive(messageWire, at: .alice) == Array("reply".utf8))
    }

    /// The same for a PreKeyMessage that goes to an existing session (Alice's second, after Bob
    /// has the session and has deleted the one-time prekey): no prefix field may be ignored.
    @Test func everySingleBitFlipOfARoutedPreKeyMessageIsRejected() throws {
        var parties = try TwoPartyHarness(seed: 24)
        try parties.receive(try parties.send("first", from: .alice), at: .bob)
        let second = try parties.send("second", from: .alice)
        let before = parties.snapshot(.bob)
        let preKeysBefore = parties.bobOneTimePreKeys.count
        for bit in 0..<(second.count * 8) {
            var flipped = second
            flipped[bit / 8] ^= 1 << (bit % 8)
            #expect(throws: ProtocolError.self, "bit \(bit)") { try parties.receive(flipped, at: .bob) }
            #expect(parties.snapshot(.bob) == before, "bit \(bit)")
            #expect(parties.bobOneTimePreKeys.count == preKeysBefore, "bit \(bit)")
        }
        #expect(try parties.receive(second, at: .bob) == Array("second".utf8))
    }
}
