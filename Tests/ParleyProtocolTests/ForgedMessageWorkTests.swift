import ParleyCrypto
import ParleyProtocol
import ParleyVectors
import Testing

/// Issue 12 item 5: what a forged Message can cost the receiver (Specs/protocol.md §4.6
/// "Authenticate first", §6.4 step 3).
struct ForgedMessageWorkTests {
    /// Decrypts `wire` at Bob without committing: the error (nil if it decrypted) and how many
    /// keys the attempt drew.
    static func decryptAtBob(_ wire: [UInt8], _ parties: TwoPartyHarness) -> (ProtocolError?, Int) {
        let recording = RecordingRandomSource(base: SystemRandomSource())
        let outcome = Result { () throws(ProtocolError) in
            try SessionCipher.decrypt(
                WireMessage.parse(wire), record: parties.bob, identity: parties.bobIdentity, preKeys: .none,
                random: recording)
        }
        guard case .failure(let error) = outcome else { return (nil, recording.keyDraws.count) }
        return (error, recording.keyDraws.count)
    }

    /// A new-chain Message whose ciphertext was altered: before, the receiver turned its ratchet
    /// (drawing a new key) before the AEAD check failed.
    @Test func aForgedNewChainMessageDrawsNothingAndChangesNothing() throws {
        var parties = try TwoPartyHarness(seed: 41)
        try parties.receive(try parties.send("hello", from: .alice), at: .bob)
        try parties.receive(try parties.send("reply", from: .bob), at: .alice)
        var forged = try parties.send("new chain", from: .alice)
        forged[forged.count - 1] ^= 0x01
        let before = parties.snapshot(.bob)
        let (error, draws) = Self.decryptAtBob(forged, parties)
        #expect(error == .authentication)
        #expect(draws == 0, "a failed attempt drew \(draws) keys")
        #expect(parties.snapshot(.bob) == before)
    }

    /// A session that has not sent since its last ratchet step cannot receive a new ratchet key:
    /// Bob, who has only received, is not tried at all (nothing is derived, the answer is
    /// `authentication`), and a genuine message on the known chain still decrypts.
    @Test func aSessionThatHasNotSentIsNotTriedForANewRatchetKey() throws {
        var parties = try TwoPartyHarness(seed: 42)
        try parties.receive(try parties.send("hello", from: .alice), at: .bob)
        // A Message with a ratchet key nobody used: Bob's only session has Ns = 0.
        let wire = try parties.send("second", from: .alice)
        let prefixLength = wire.count - (42 + 24 + 6 + 16)
        var forged = Array(wire[prefixLength...])
        forged.replaceSubrange(2..<34, with: X25519.PrivateKey(random: SystemRandomSource()).publicKey.rawRepresentation)
        let (error, draws) = Self.decryptAtBob(forged, parties)
        #expect(error == .authentication)
        #expect(draws == 0)
        #expect(try parties.receive(wire, at: .bob) == Array("second".utf8))
    }
}
