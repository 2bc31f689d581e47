import ParleyCrypto
import ParleyProtocol

/// Replays kind "session": Alice starts from Bob's bundle, then the steps run through each
/// party's ``SessionManager`` over an ``InMemoryProtocolStore``, so that the checks cover the
/// store commit path too. Parley-v2 vectors: Bob also holds PQ prekeys, Alice's encapsulations
/// come from `kem_encapsulations` (each checked against Bob's key), and both parties have
/// Parley-v1 disabled.
enum SessionVectorRunner {
    private static let aliceAddress = PeerAddress(user: "alice", device: 1)
    private static let bobAddress = PeerAddress(user: "bob", device: 1)

    /// One side of the conversation.
    private struct Party {
        let manager: SessionManager
        let store: InMemoryProtocolStore
        let random: ScriptedRandomSource
        let peer: PeerAddress
    }

    static func run(_ vector: TestVector) async throws {
        let isV2 = vector.suite == "Parley-v2"
        guard let x3dh = vector.x3dh else { throw VectorFailure("missing field x3dh") }
        guard let ratchetKeys = vector.ratchetKeys else { throw VectorFailure("missing field ratchet_keys") }
        guard let steps = vector.steps else { throw VectorFailure("missing field steps") }
        let aliceIdentity = try VectorValues.identity(vector.alice, "alice")
        let bobIdentity = try VectorValues.identity(vector.bob, "bob")

        let bobStore = InMemoryProtocolStore(identity: bobIdentity)
        let signedPreKey = SignedPreKey(
            keyPair: try VectorValues.x25519PrivateKey(vector.bob.signedPrekey, "bob.signed_prekey"), identity: bobIdentity,
            version: isV2 ? .v2 : .v1)
        await bobStore.saveSignedPreKey(signedPreKey)
        let oneTimePreKeys = try (vector.bob.oneTimePrekeys ?? []).enumerated().map { index, hex in
            OneTimePreKey(keyPair: try VectorValues.x25519PrivateKey(hex, "bob.one_time_prekeys[\(index)]"))
        }
        await bobStore.saveOneTimePreKeys(oneTimePreKeys)
        let pqPreKeys = try (vector.bob.pqPrekeys ?? []).enumerated().map { index, entry in
            PQPreKey(
                keyPair: try VectorValues.mlkemPrivateKey(entry.seed, "bob.pq_prekeys[\(index)].seed"),
                kind: try VectorValues.pqPreKeyKind(entry.kind, "bob.pq_prekeys[\(index)].kind"), identity: bobIdentity)
        }
        await bobStore.savePQPreKeys(pqPreKeys)
        let encapsulations = try (vector.kemEncapsulations?.alice ?? []).enumerated().map { index, entry in
            try VectorValues.encapsulation(entry, "kem_encapsulations.alice[\(index)]")
        }
        let makeEncapsulator = { ScriptedEncapsulator(entries: encapsulations, keys: pqPreKeys.map(\.keyPair)) }
        let versions: VersionPolicy = isV2 ? .v2Only : .all

        let aliceKeys =
            try [VectorValues.bytes(x3dh.ephemeral, "x3dh.ephemeral")]
            + ratchetKeys.alice.enumerated().map { try VectorValues.bytes($1, "ratchet_keys.alice[\($0)]") }
        let bobKeys = try ratchetKeys.bob.enumerated().map { try VectorValues.bytes($1, "ratchet_keys.bob[\($0)]") }
        let aliceEncapsulator = makeEncapsulator()
        let alice = makeParty(
            identity: aliceIdentity, store: nil, keys: aliceKeys, peer: bobAddress, encapsulator: aliceEncapsulator,
            versions: versions)
        let bob = makeParty(
            identity: bobIdentity, store: bobStore, keys: bobKeys, peer: aliceAddress, encapsulator: makeEncapsulator(),
            versions: versions)

        let oneTimePreKey = try x3dh.oneTimePrekey.map {
            try X25519.PublicKey(rawRepresentation: VectorValues.bytes($0, "x3dh.one_time_prekey"))
        }
        do {
            if isV2 {
                let pqID = try VectorValues.bytes(x3dh.pqPrekey, "x3dh.pq_prekey")
                guard let pq = pqPreKeys.first(where: { $0.id.rawRepresentation == pqID }) else {
                    throw VectorFailure("x3dh.pq_prekey names no PQ prekey of bob.pq_prekeys")
                }
                let bundle = PQXDHBundle(
                    identityKey: bobIdentity.publicKey, signedPreKey: signedPreKey.keyPair.publicKey,
                    signedPreKeySignature: signedPreKey.signature, oneTimePreKey: oneTimePreKey,
                    pqPreKey: pq.keyPair.publicKey, pqPreKeySignature: pq.signature)
                try checkHandshake(x3dh, alice: aliceIdentity, bundle: bundle, encapsulator: makeEncapsulator())
                try await alice.manager.startSession(with: bobAddress, bundle: bundle)
            } else {
                let bundle = PreKeyBundle(
                    identityKey: bobIdentity.publicKey, signedPreKey: signedPreKey.keyPair.publicKey,
                    signedPreKeySignature: signedPreKey.signature, oneTimePreKey: oneTimePreKey)
                try checkHandshake(x3dh, alice: aliceIdentity, bundle: bundle)
                try await alice.manager.startSession(with: bobAddress, bundle: bundle)
            }
        } catch let failure as VectorFailure {
            throw failure
        } catch {
            throw VectorFailure(
                "alice's session start failed: \(VectorValues.describe(error)) \(aliceEncapsulator.takeProblems())")
        }
        try X3DHVectorRunner.checkScript(alice.random, "alice's session start")
        let problems = aliceEncapsulator.takeProblems()
        guard problems.isEmpty else { throw VectorFailure("alice's session start: \(problems.joined(separator: "; "))") }

        for (index, step) in steps.enumerated() {
            let party: Party
            switch step.party {
            case "alice": party = alice
            case "bob": party = bob
            default: throw VectorFailure("step \(index): unknown party \"\(step.party)\"")
            }
            do {
                try await run(step, party: party)
            } catch let failure as VectorFailure {
                throw VectorFailure("step \(index) (\(step.op) by \(step.party)): \(failure.message)")
            }
        }
    }

    private static func makeParty(
        identity: IdentityKeyPair, store: InMemoryProtocolStore?, keys: [[UInt8]], peer: PeerAddress,
        encapsulator: ScriptedEncapsulator, versions: VersionPolicy
    ) -> Party {
        let random = ScriptedRandomSource(keys: keys)
        let store = store ?? InMemoryProtocolStore(identity: identity)
        let manager = SessionManager(store: store, random: random, encapsulator: encapsulator, versions: versions)
        return Party(manager: manager, store: store, random: random, peer: peer)
    }

    /// The vector's X3DH values must be what Alice derives from the bundle.
    private static func checkHandshake(_ x3dh: TestVector.SessionX3DH, alice: IdentityKeyPair, bundle: PreKeyBundle) throws {
        let random = ScriptedRandomSource(keys: [try VectorValues.bytes(x3dh.ephemeral, "x3dh.ephemeral")])
        let initiation = try X3DH.initiate(identity: alice, bundle: bundle, random: random)
        try checkValues(x3dh, sharedSecret: initiation.sharedSecret, associatedData: initiation.associatedData)
    }

    /// The vector's PQXDH values must be what Alice derives from the bundle (with the first
    /// scripted encapsulation).
    private static func checkHandshake(
        _ x3dh: TestVector.SessionX3DH, alice: IdentityKeyPair, bundle: PQXDHBundle, encapsulator: ScriptedEncapsulator
    ) throws {
        let random = ScriptedRandomSource(keys: [try VectorValues.bytes(x3dh.ephemeral, "x3dh.ephemeral")])
        let initiation = try PQXDH.initiate(identity: alice, bundle: bundle, random: random, encapsulator: encapsulator)
        try checkValues(x3dh, sharedSecret: initiation.sharedSecret, associatedData: initiation.associatedData)
    }

    private static func checkValues(_ x3dh: TestVector.SessionX3DH, sharedSecret: SecureBytes, associatedData: [UInt8]) throws {
        guard sharedSecret == (try VectorValues.secret(x3dh.sharedSecret, "x3dh.shared_secret")) else {
            throw VectorFailure("x3dh: shared secret differs")
        }
        guard associatedData == (try VectorValues.bytes(x3dh.associatedData, "x3dh.associated_data")) else {
            throw VectorFailure("x3dh: associated data differs")
        }
    }

    private static func run(_ step: TestVector.Step, party: Party) async throws {
        let wire = try VectorValues.bytes(step.wire, "wire")
        switch step.op {
        case "encrypt":
            let plaintext = try VectorValues.bytes(step.plaintext, "plaintext")
            party.random.setNextNonce(try VectorValues.bytes(step.nonce, "nonce"))
            let produced: [UInt8]
            do {
                produced = try await party.manager.encrypt(plaintext, for: party.peer)
            } catch {
                throw VectorFailure("encrypt failed: \(VectorValues.describe(error))")
            }
            try X3DHVectorRunner.checkScript(party.random, "encrypt")
            guard produced == wire else {
                let offset =
                    zip(produced, wire).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                    ?? min(produced.count, wire.count)
                let window = offset..<(offset + 16)
                throw VectorFailure(
                    "wire differs from byte \(offset) (lengths \(wire.count) expected, \(produced.count) produced): "
                        + "expected \(Hex.encode(wire[window.clamped(to: wire.indices)])), "
                        + "got \(Hex.encode(produced[window.clamped(to: produced.indices)]))")
            }
        case "decrypt":
            let before = await PartySnapshot(party.store, peer: party.peer)
            let position = party.random.position
            do {
                let plaintext = try await party.manager.decrypt(wire, from: party.peer)
                if let category = step.error { throw VectorFailure("expected \(category), but it decrypted") }
                guard plaintext == (try VectorValues.bytes(step.plaintext, "plaintext")) else {
                    throw VectorFailure("plaintext differs")
                }
                try X3DHVectorRunner.checkScript(party.random, "decrypt")
            } catch let failure as VectorFailure {
                throw failure
            } catch {
                guard let category = step.error else {
                    throw VectorFailure("expected success, got \(VectorValues.describe(error))")
                }
                guard VectorValues.matches(error, category: category) else {
                    throw VectorFailure("expected \(category), got \(VectorValues.describe(error))")
                }
                // A failed decrypt may or may not have drawn a ratchet key; give it back.
                party.random.rewind(to: position)
                _ = party.random.takeProblems()
                let after = await PartySnapshot(party.store, peer: party.peer)
                guard after == before else { throw VectorFailure("state changed by a failed decrypt (\(category))") }
            }
        default:
            throw VectorFailure("unknown op \"\(step.op)\"")
        }
    }
}

/// What a failed decrypt must not change: the serialised session record, the prekeys held
/// (X25519 and PQ) and the last-resort records.
private struct PartySnapshot: Equatable {
    let record: SecureBytes?
    let oneTimePreKeys: Set<X25519.PublicKey>
    let pqPreKeys: Set<PQPreKeyID>
    let lastResortUses: Int

    init(_ store: InMemoryProtocolStore, peer: PeerAddress) async {
        record = await store.sessionRecord(for: peer)?.serialized
        oneTimePreKeys = await store.oneTimePreKeyPublicKeys()
        pqPreKeys = await store.pqPreKeyIDs()
        lastResortUses = await store.lastResortUseCount()
    }
}
