import ParleyCrypto
import ParleyProtocol

/// Issue 12 item 5's worst case: one forged 82-byte-header Message with a ratchet key no session
/// knows, `PN` and `N` at the MAX_SKIP bound, against a record holding the current session and
/// 40 archived ones, every one of them able to receive a new ratchet key (this side has sent in
/// it) and at its skipped-key bound (2,000 keys). Routing (Specs/protocol.md §6.4 step 3) tries
/// it on two sessions; each attempt is one X25519, KDF_RK, 1,000 chain steps and one AEAD open,
/// and nothing is stored or drawn. The floor is that primitive work, twice.
struct ForgedMessageBenchmark: OperationBenchmark {
    let name = "forged-worst"
    let summary = "forged Message, new ratchet key, N = PN = 1000, record of 41 full sessions"
    let isHeavy = true
    var record: SessionRecord?
    var forged: WireMessage?
    var floor = SodiumFloor()
    let random = SystemRandomSource()

    mutating func runParley(iterations: Int) throws {
        let record = try self.record ?? Self.worstRecord()
        let forged = try self.forged ?? Self.forgedMessage()
        self.record = record
        self.forged = forged
        let identity = IdentityKeyPair(random: random)
        for _ in 0..<iterations {
            let outcome = Result { () throws(ProtocolError) in
                try SessionCipher.decrypt(forged, record: record, identity: identity, preKeys: .none, random: random)
            }
            guard case .failure(.authentication) = outcome else {
                throw BenchmarkError(description: "the forged message did not fail authentication: \(outcome)")
            }
        }
    }

    mutating func runFloor(iterations: Int) throws {
        for _ in 0..<iterations {
            for _ in 0..<ParleyV1.maxNewRatchetKeyAttempts {
                floor.dh()
                floor.hkdf(inputLength: 32, length: 64)
                for _ in 0..<ParleyV1.maxSkip { floor.chainStepOnly() }
                floor.chainStep()
                _ = floor.open()
            }
        }
    }

    /// 41 sessions, each made by its own pair: Bob's side holds 2,000 skipped keys (two chains
    /// of Alice's, 1,000 undelivered messages each) and has sent since its last DH step.
    static func worstRecord() throws -> SessionRecord {
        var record = SessionRecord()
        for _ in 0...ParleyV1.maxArchivedSessions {
            var pair = try EstablishedPair()
            for _ in 0..<2 {
                var undelivered: [UInt8] = []
                for index in 0...Int(ParleyV1.maxSkip) {
                    undelivered = try SessionCipher.encrypt(
                        [UInt8(index & 0xFF)], record: &pair.alice, identity: pair.aliceIdentity, random: pair.random)
                }
                pair.bob = try SessionCipher.decrypt(
                    WireMessage.parse(undelivered), record: pair.bob, identity: pair.bobIdentity, preKeys: .none,
                    random: pair.random
                ).record
                try pair.bobToAlice([0])
            }
            guard let session = pair.bob.current else { throw BenchmarkError(description: "no session built") }
            record.makeCurrent(session)
        }
        return record
    }

    /// A Message header with a fresh ratchet key, PN = N = MAX_SKIP, and 100 random bytes
    /// sealed under no key.
    static func forgedMessage() throws -> WireMessage {
        let random = SystemRandomSource()
        var bytes: [UInt8] = [ParleyV1.version, 0x01]
        bytes += X25519.PrivateKey(random: random).publicKey.rawRepresentation
        let bound = UInt32(ParleyV1.maxSkip)
        for value in [bound, bound] {
            bytes += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) }
        }
        bytes += random.bytes(24 + 100 + 16)
        return try WireMessage.parse(bytes)
    }
}
