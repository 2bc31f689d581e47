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
        bad[0] = 0x09
        #expect(throws: WireError.unknownVersion(9)) { try WireMessage(serialized: bad) }
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
        for flip in try Self.flips(of: preKeyWire) {
            try Self.expectRejected(flip) { try bob.receive(flip.wire, at: .bob) }
            #expect(bob.bob.current == nil, "bit \(flip.bit)")
            #expect(bob.bobOneTimePreKeys.count == 3, "bit \(flip.bit)")
        }
        try parties.receive(preKeyWire, at: .bob)
        let messageWire = try parties.send("reply", from: .bob)
        let before = parties.snapshot(.alice)
        for flip in try Self.flips(of: messageWire) {
            try Self.expectRejected(flip) { try parties.receive(flip.wire, at: .alice) }
            #expect(parties.snapshot(.alice) == before, "bit \(flip.bit)")
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
        for flip in try Self.flips(of: second) {
            try Self.expectRejected(flip) { try parties.receive(flip.wire, at: .bob) }
            #expect(parties.snapshot(.bob) == before, "bit \(flip.bit)")
            #expect(parties.bobOneTimePreKeys.count == preKeysBefore, "bit \(flip.bit)")
        }
        #expect(try parties.receive(second, at: .bob) == Array("second".utf8))
    }

    /// One single-bit flip of a wire message, and how far it moves the header's message number.
    struct Flip {
        let bit: Int
        let wire: [UInt8]
        /// |N' − N|: how many more message keys the flipped header asks the receiver to derive.
        let skip: UInt64
    }

    /// Every single-bit flip of `wire`, those that ask for the fewest skipped message keys first.
    /// A flip in the high bits of N asks for up to 2^31 skipped keys: with the MAX_SKIP bound that
    /// fails at once, without it the receiver would derive them for minutes (and gigabytes). In
    /// this order the first flip past the bound (N moved by 1024) comes before any costly one, and
    /// ``expectRejected(_:_:)`` stops the sweep there, so such a bug fails in milliseconds.
    static func flips(of wire: [UInt8]) throws -> [Flip] {
        let number = try header(of: wire).messageNumber
        return (0..<(wire.count * 8)).map { bit in
            var flipped = wire
            flipped[bit / 8] ^= 1 << (bit % 8)
            let moved = (try? header(of: flipped)).map { UInt64(number.distance(to: $0.messageNumber).magnitude) } ?? 0
            return Flip(bit: bit, wire: flipped, skip: moved)
        }.sorted { ($0.skip, $0.bit) < ($1.skip, $1.bit) }
    }

    /// Expects `receive` to throw a ``ProtocolError``: `tooManySkipped` when the flip moves N past
    /// MAX_SKIP. A wrong answer there throws (ending the sweep before a costlier flip runs).
    static func expectRejected(_ flip: Flip, _ receive: () throws -> Void) throws {
        let error = #expect(throws: ProtocolError.self, "bit \(flip.bit)") { try receive() }
        guard flip.skip > ParleyV1.maxSkip else { return }
        guard case .tooManySkipped = error else {
            throw FlipSweepError.unbounded(bit: flip.bit, skip: flip.skip, got: error.map { "\($0)" } ?? "no error")
        }
    }

    private static func header(of wire: [UInt8]) throws -> MessageHeader {
        switch try WireMessage.parse(wire) {
        case .message(let message): message.header
        case .preKeyMessage(let message): message.message.header
        }
    }

    enum FlipSweepError: Error, CustomStringConvertible {
        case unbounded(bit: Int, skip: UInt64, got: String)

        var description: String {
            switch self {
            case .unbounded(let bit, let skip, let got):
                "bit \(bit) moves N by \(skip) (past MAX_SKIP \(ParleyV1.maxSkip)) but the receiver answered \(got), not tooManySkipped: the sweep stops before a costlier flip"
            }
        }
    }
}
