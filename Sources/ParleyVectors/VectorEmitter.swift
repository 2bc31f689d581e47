import Foundation
import ParleyCrypto
import ParleyProtocol

/// Writes session vectors from random conversations run by this implementation, in the
/// "parley-test-vectors/1" format, so that an independent implementation can replay them
/// (the reverse direction of the committed vectors).
public enum VectorEmitter {
    /// A seeded conversation: bursts from either side, delivered shuffled with some messages
    /// held back, replays of delivered messages (duplicate), multilingual plaintexts. For
    /// Parley-v2 Bob also holds a one-time and a last-resort PQ prekey (the bundle names one of
    /// them, by seed), and Alice's real encapsulation is recorded in `kem_encapsulations`.
    public static func sessionVector(seed: UInt64, version: ProtocolVersion = .v1) throws -> [String: Any] {
        let keySource = SeededRandomSource(seed: seed)
        var order = SplitMix64(seed: seed)
        let aliceSeed = keySource.bytes(32)
        let bobSeed = keySource.bytes(32)
        let signedPreKeyBytes = keySource.bytes(32)
        let oneTimeBytes = [keySource.bytes(32), keySource.bytes(32)]
        let alice = try IdentityKeyPair(seed: SecureBytes(copying: aliceSeed))
        let bob = try IdentityKeyPair(seed: SecureBytes(copying: bobSeed))
        let pqSeeds = [keySource.bytes(64), keySource.bytes(64)]
        let signedPreKey = SignedPreKey(
            keyPair: try X25519.PrivateKey(rawRepresentation: SecureBytes(copying: signedPreKeyBytes)), identity: bob,
            version: version)
        let oneTimePreKeys = try oneTimeBytes.map { try X25519.PrivateKey(rawRepresentation: SecureBytes(copying: $0)) }
        let pqPreKeys = try zip(pqSeeds, [PQPreKeyKind.oneTime, .lastResort]).map { seed, kind in
            PQPreKey(keyPair: try MLKEM.PrivateKey(seed: SecureBytes(copying: seed)), kind: kind, identity: bob)
        }
        let chosenPQ = pqPreKeys[Int(seed % 2)]

        let aliceRandom = RecordingRandomSource(base: SeededRandomSource(seed: seed &+ 1))
        let bobRandom = RecordingRandomSource(base: SeededRandomSource(seed: seed &+ 2))
        var conversation = Conversation(
            alice: alice, bob: bob, signedPreKey: signedPreKey, oneTimePreKeys: oneTimePreKeys, pqPreKeys: pqPreKeys,
            aliceRandom: aliceRandom, bobRandom: bobRandom)
        let encapsulator = RecordingEncapsulator()
        let initiation: (sharedSecret: SecureBytes, associatedData: [UInt8])
        switch version {
        case .v1:
            let bundle = PreKeyBundle(
                identityKey: bob.publicKey, signedPreKey: signedPreKey.keyPair.publicKey,
                signedPreKeySignature: signedPreKey.signature, oneTimePreKey: oneTimePreKeys[0].publicKey)
            conversation.aliceRecord.makeCurrent(try SessionCipher.initiate(identity: alice, bundle: bundle, random: aliceRandom))
            let made = try X3DH.initiate(
                identity: alice, bundle: bundle, random: ScriptedRandomSource(keys: [aliceRandom.keyDraws[0]]))
            initiation = (made.sharedSecret, made.associatedData)
        case .v2:
            let bundle = PQXDHBundle(
                identityKey: bob.publicKey, signedPreKey: signedPreKey.keyPair.publicKey,
                signedPreKeySignature: signedPreKey.signature, oneTimePreKey: oneTimePreKeys[0].publicKey,
                pqPreKey: chosenPQ.keyPair.publicKey, pqPreKeySignature: chosenPQ.signature)
            conversation.aliceRecord.makeCurrent(
                try SessionCipher.initiate(identity: alice, bundle: bundle, random: aliceRandom, encapsulator: encapsulator))
            let made = try PQXDH.initiate(
                identity: alice, bundle: bundle, random: ScriptedRandomSource(keys: [aliceRandom.keyDraws[0]]),
                encapsulator: ScriptedEncapsulator(entries: encapsulator.encapsulations, keys: [chosenPQ.keyPair]))
            initiation = (made.sharedSecret, made.associatedData)
        }
        let ephemeral = aliceRandom.keyDraws[0]

        let texts = ["hello", "你好，世界", "مرحبا بالعالم", "👋🏽 emoji ✨", "", "x", String(repeating: "long ", count: 200)]
        var inFlight: [(to: Conversation.Side, wire: [UInt8], text: [UInt8])] = []
        var delivered: [(to: Conversation.Side, wire: [UInt8])] = []
        // Bob can only answer once he has a session: the first message goes straight through.
        let first = try conversation.encrypt(Array("first".utf8), from: .alice)
        try conversation.decrypt(first, at: .bob, expecting: Array("first".utf8))
        for round in 0..<24 {
            let from: Conversation.Side = Bool.random(using: &order) ? .alice : .bob
            for index in 0..<Int.random(in: 1...3, using: &order) {
                let text = Array("\(texts[(round + index) % texts.count]) #\(round).\(index)".utf8)
                inFlight.append((from.other, try conversation.encrypt(text, from: from), text))
            }
            inFlight.shuffle(using: &order)
            let count = Int.random(in: 0...inFlight.count, using: &order)
            for item in inFlight.prefix(count) {
                try conversation.decrypt(item.wire, at: item.to, expecting: item.text)
                delivered.append((item.to, item.wire))
            }
            inFlight.removeFirst(count)
            if let replay = delivered.randomElement(using: &order), Int.random(in: 0..<4, using: &order) == 0 {
                try conversation.expectDuplicate(replay.wire, at: replay.to)
            }
        }
        for item in inFlight { try conversation.decrypt(item.wire, at: item.to, expecting: item.text) }

        var bobFields: [String: Any] = [
            "identity_seed": Hex.encode(bobSeed), "signed_prekey": Hex.encode(signedPreKeyBytes),
            "one_time_prekeys": oneTimeBytes.map { Hex.encode($0) },
        ]
        var x3dhFields: [String: Any] = [
            "ephemeral": Hex.encode(ephemeral), "one_time_prekey": Hex.encode(oneTimePreKeys[0].publicKey.rawRepresentation),
            "shared_secret": Hex.encode(initiation.sharedSecret.unprotectedBytes()),
            "associated_data": Hex.encode(initiation.associatedData),
        ]
        var vector: [String: Any] = [:]
        if version == .v2 {
            bobFields["pq_prekeys"] = zip(pqSeeds, ["one_time", "last_resort"]).map { ["seed": Hex.encode($0), "kind": $1] }
            x3dhFields["pq_prekey"] = Hex.encode(chosenPQ.id.rawRepresentation)
            vector["kem_encapsulations"] = [
                "alice": encapsulator.encapsulations.map {
                    [
                        "ciphertext": Hex.encode($0.ciphertext.rawRepresentation),
                        "shared_secret": Hex.encode($0.sharedSecret.unprotectedBytes()),
                    ]
                }
            ]
        }
        return vector.merging([
            "format": TestVector.formatName, "suite": version == .v2 ? "Parley-v2" : "Parley-v1", "kind": "session",
            "name": "emitted-\(version == .v2 ? "v2-" : "")\(seed)",
            "description": "Random conversation (seed \(seed)) run by the Swift implementation, for replay by others.",
            "alice": ["identity_seed": Hex.encode(aliceSeed)],
            "bob": bobFields,
            "x3dh": x3dhFields,
            "ratchet_keys": [
                "alice": aliceRandom.keyDraws.dropFirst().map { Hex.encode($0) },
                "bob": bobRandom.keyDraws.map { Hex.encode($0) },
            ],
            "steps": conversation.steps,
        ]) { _, new in new }
    }

    /// Writes `count` vectors from consecutive seeds into `directory`; returns their URLs.
    public static func write(count: Int, firstSeed: UInt64, to directory: URL, version: ProtocolVersion = .v1) throws
        -> [URL]
    {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try (0..<UInt64(count)).map { offset in
            let vector = try sessionVector(seed: firstSeed + offset, version: version)
            let prefix = version == .v2 ? "session-emitted-v2-" : "session-emitted-"
            let url = directory.appendingPathComponent("\(prefix)\(firstSeed + offset).json")
            let data = try JSONSerialization.data(withJSONObject: vector, options: [.prettyPrinted, .sortedKeys])
            try (data + Data("\n".utf8)).write(to: url)
            return url
        }
    }
}

/// Two parties over ``SessionCipher`` that log every operation as a vector step.
private struct Conversation {
    enum Side {
        case alice, bob
        var other: Side { self == .alice ? .bob : .alice }
        var name: String { self == .alice ? "alice" : "bob" }
    }

    let alice: IdentityKeyPair
    let bob: IdentityKeyPair
    let signedPreKey: SignedPreKey
    var oneTimePreKeys: [X25519.PrivateKey]
    var pqPreKeys: [PQPreKey]
    var lastResortUses: Set<[UInt8]> = []
    let aliceRandom: RecordingRandomSource
    let bobRandom: RecordingRandomSource
    var aliceRecord = SessionRecord()
    var bobRecord = SessionRecord()
    var steps: [[String: Any]] = []

    init(
        alice: IdentityKeyPair, bob: IdentityKeyPair, signedPreKey: SignedPreKey, oneTimePreKeys: [X25519.PrivateKey],
        pqPreKeys: [PQPreKey], aliceRandom: RecordingRandomSource, bobRandom: RecordingRandomSource
    ) {
        self.alice = alice
        self.bob = bob
        self.signedPreKey = signedPreKey
        self.oneTimePreKeys = oneTimePreKeys
        self.pqPreKeys = pqPreKeys
        self.aliceRandom = aliceRandom
        self.bobRandom = bobRandom
    }

    mutating func encrypt(_ plaintext: [UInt8], from side: Side) throws -> [UInt8] {
        let wire: [UInt8]
        let random = side == .alice ? aliceRandom : bobRandom
        switch side {
        case .alice: wire = try SessionCipher.encrypt(plaintext, record: &aliceRecord, identity: alice, random: random)
        case .bob: wire = try SessionCipher.encrypt(plaintext, record: &bobRecord, identity: bob, random: random)
        }
        steps.append([
            "op": "encrypt", "party": side.name, "plaintext": Hex.encode(plaintext),
            "nonce": Hex.encode(random.lastNonce ?? []), "wire": Hex.encode(wire),
        ])
        return wire
    }

    mutating func decrypt(_ wire: [UInt8], at side: Side, expecting plaintext: [UInt8]) throws {
        let result = try open(wire, at: side)
        guard result.plaintext == plaintext else { throw VectorFailure("emitter: plaintext mismatch") }
        switch side {
        case .alice: aliceRecord = result.record
        case .bob: bobRecord = result.record
        }
        if let used = result.consumedOneTimePreKey { oneTimePreKeys.removeAll { $0.publicKey == used } }
        switch result.consumedPQPreKey {
        case .oneTime(let id): pqPreKeys.removeAll { $0.id == id }
        case .lastResort(let id, let baseKey): lastResortUses.insert(id.rawRepresentation + baseKey.rawRepresentation)
        case nil: break
        }
        steps.append(["op": "decrypt", "party": side.name, "wire": Hex.encode(wire), "plaintext": Hex.encode(plaintext)])
    }

    mutating func expectDuplicate(_ wire: [UInt8], at side: Side) throws {
        do {
            _ = try open(wire, at: side)
            throw VectorFailure("emitter: a replay decrypted")
        } catch ProtocolError.duplicate {
            steps.append(["op": "decrypt", "party": side.name, "wire": Hex.encode(wire), "error": "duplicate"])
        }
    }

    private func open(_ wire: [UInt8], at side: Side) throws -> DecryptResult {
        let (signed, oneTime, pq, uses) = (signedPreKey.keyPair, oneTimePreKeys, pqPreKeys, lastResortUses)
        return try SessionCipher.decrypt(
            wire, record: side == .alice ? aliceRecord : bobRecord, identity: side == .alice ? alice : bob,
            random: side == .alice ? aliceRandom : bobRandom,
            signedPreKey: { side == .bob && $0 == signed.publicKey ? signed : nil },
            oneTimePreKey: { key in side == .bob ? oneTime.first { $0.publicKey == key } : nil },
            pqPreKey: { id in side == .bob ? pq.first { $0.id == id } : nil },
            isLastResortUseRecorded: { id, baseKey in uses.contains(id.rawRepresentation + baseKey.rawRepresentation) })
    }
}
