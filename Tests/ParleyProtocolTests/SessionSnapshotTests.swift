import ParleyCrypto
import ParleyProtocol
import Testing

/// The versioned serialised form of session records.
struct SessionSnapshotTests {
    @Test func roundTripContinuesTheConversation() throws {
        var parties = try TwoPartyHarness(seed: 30)
        try parties.receive(try parties.send("a", from: .alice), at: .bob)
        let skippedLater = try parties.send("b1", from: .bob)
        try parties.receive(try parties.send("b2", from: .bob), at: .alice)
        let aliceBytes = parties.snapshot(.alice)
        let bobBytes = parties.snapshot(.bob)
        parties.alice = try SessionRecord(serialized: aliceBytes)
        parties.bob = try SessionRecord(serialized: bobBytes)
        #expect(parties.snapshot(.alice) == aliceBytes)
        #expect(parties.snapshot(.bob) == bobBytes)
        #expect(try parties.receive(skippedLater, at: .alice) == Array("b1".utf8))
        #expect(try parties.receive(try parties.send("c", from: .alice), at: .bob) == Array("c".utf8))
    }

    @Test func damagedBytesGiveTypedErrors() throws {
        var parties = try TwoPartyHarness(seed: 31)
        try parties.receive(try parties.send("a", from: .alice), at: .bob)
        let bytes = parties.snapshot(.bob).unprotectedBytes()
        for length in 0..<bytes.count {
            #expect(throws: SessionSnapshotError.self) {
                try SessionRecord(serialized: SecureBytes(copying: bytes.prefix(length)))
            }
        }
        #expect(throws: SessionSnapshotError.trailingBytes) { try SessionRecord(serialized: SecureBytes(copying: bytes + [0])) }
        var newer = bytes
        newer[0] = SessionRecord.serializationVersion + 1
        #expect(throws: SessionSnapshotError.unsupportedVersion(SessionRecord.serializationVersion + 1)) {
            try SessionRecord(serialized: SecureBytes(copying: newer))
        }
        var badFlag = bytes
        badFlag[1] = 7
        #expect(throws: SessionSnapshotError.invalidValue(field: "current")) {
            try SessionRecord(serialized: SecureBytes(copying: badFlag))
        }
    }

    @Test func duplicateSkippedKeyEntriesAreRejected() throws {
        var parties = try TwoPartyHarness(seed: 33)
        try parties.receive(try parties.send("a", from: .alice), at: .bob)
        let wires = try (0..<3).map { try parties.send("b\($0)", from: .bob) }
        try parties.receive(wires[2], at: .alice)  // Alice now holds two skipped keys
        var bytes = parties.snapshot(.alice).unprotectedBytes()
        // The record ends with: skipped entries (72 bytes each), previous-chain count 0, archived count 0.
        let second = bytes.count - 2 - 72
        let first = second - 72
        #expect(Array(bytes[(first - 4)..<first]) == [0, 0, 0, 2])
        bytes.replaceSubrange(second..<(second + 40), with: bytes[first..<(first + 40)])
        #expect(throws: SessionSnapshotError.invalidValue(field: "skipped key (duplicate entry)")) {
            try SessionRecord(serialized: SecureBytes(copying: bytes))
        }
    }

    @Test func serialisedSessionsNeverPrint() throws {
        let parties = try TwoPartyHarness(seed: 32)
        let record = parties.alice
        var dumped = ""
        dump(record, to: &dumped)
        let secretBytes = parties.snapshot(.alice).unprotectedBytes()
        // The root key sits after AD, identity, base key and the pending-prekey fields.
        let rootKeyOffset: Int = 2 + 64 + 32 + 32 + 1 + 32 + 1 + 32
        let rootKeyHex = Hex.encode(secretBytes[rootKeyOffset..<(rootKeyOffset + 32)])
        #expect(!dumped.contains(rootKeyHex.prefix(16)))
        #expect(!String(describing: record).contains(rootKeyHex.prefix(16)))
    }
}
