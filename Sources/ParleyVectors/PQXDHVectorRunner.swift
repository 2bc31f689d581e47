import ParleyCrypto
import ParleyProtocol

/// Replays kind "x3dh" of Parley-v2 (PQXDH): Alice initiates from Bob's bundle with the
/// scripted ephemeral key and the vector's encapsulation (checked: Decaps under Bob's PQ prekey
/// gives its shared secret); on success Bob responds and both must reach the expected SK and AD.
/// A failing initiation must have drawn nothing and encapsulated nothing.
enum PQXDHVectorRunner {
    static func run(_ vector: TestVector) throws {
        guard let expect = vector.expect else { throw VectorFailure("missing field expect") }
        guard let encapsulationEntry = vector.encapsulation else { throw VectorFailure("missing field encapsulation") }
        let alice = try VectorValues.identity(vector.alice, "alice")
        let bob = try VectorValues.identity(vector.bob, "bob")
        let signedPreKey = try VectorValues.x25519PrivateKey(vector.bob.signedPrekey, "bob.signed_prekey")
        let oneTimePreKey = try vector.bob.oneTimePrekey.map { try VectorValues.x25519PrivateKey($0, "bob.one_time_prekey") }
        let pqKey = try VectorValues.mlkemPrivateKey(vector.bob.pqPrekeySeed, "bob.pq_prekey_seed")
        let signature =
            try vector.signature.map { try VectorValues.bytes($0, "signature") }
            ?? SignedPreKey(keyPair: signedPreKey, identity: bob, version: .v2).signature
        let pqSignature =
            try vector.pqSignature.map { try VectorValues.bytes($0, "pq_signature") }
            ?? PQPreKey(keyPair: pqKey, kind: .oneTime, identity: bob).signature
        let bundleIdentityKey =
            try vector.bob.identityKey.map {
                try Ed25519.PublicKey(rawRepresentation: VectorValues.bytes($0, "bob.identity_key"))
            } ?? bob.publicKey
        let bundle = PQXDHBundle(
            identityKey: bundleIdentityKey, signedPreKey: signedPreKey.publicKey, signedPreKeySignature: signature,
            oneTimePreKey: oneTimePreKey?.publicKey, pqPreKey: pqKey.publicKey, pqPreKeySignature: pqSignature)
        let random = ScriptedRandomSource(keys: [try VectorValues.bytes(vector.ephemeral, "ephemeral")])
        let encapsulator = ScriptedEncapsulator(
            entries: [try VectorValues.encapsulation(encapsulationEntry, "encapsulation")], keys: [pqKey])

        let initiation: PQXDH.Initiation
        do {
            initiation = try PQXDH.initiate(identity: alice, bundle: bundle, random: random, encapsulator: encapsulator)
        } catch {
            guard let category = expect.error else {
                throw VectorFailure(
                    "initiate: expected success, got \(VectorValues.describe(error)) \(encapsulator.takeProblems())")
            }
            guard VectorValues.matches(error, category: category) else {
                throw VectorFailure("initiate: expected \(category), got \(VectorValues.describe(error))")
            }
            guard random.position == 0, random.takeProblems().isEmpty, encapsulator.position == 0 else {
                throw VectorFailure("initiate: failed with \(category) after drawing or encapsulating")
            }
            return
        }
        if let category = expect.error { throw VectorFailure("initiate: expected \(category), but it succeeded") }
        try X3DHVectorRunner.checkScript(random, "initiate")
        let problems = encapsulator.takeProblems()
        guard problems.isEmpty else { throw VectorFailure("initiate: \(problems.joined(separator: "; "))") }
        let expectedSecret = SecureBytes(copying: try VectorValues.bytes(expect.sharedSecret, "expect.shared_secret"))
        let expectedAD = try VectorValues.bytes(expect.associatedData, "expect.associated_data")
        guard initiation.sharedSecret == expectedSecret else { throw VectorFailure("initiate: shared secret differs") }
        guard initiation.associatedData == expectedAD else { throw VectorFailure("initiate: associated data differs") }

        let response = try PQXDH.respond(
            identity: bob, signedPreKey: signedPreKey, oneTimePreKey: oneTimePreKey, pqPreKey: pqKey,
            ciphertext: initiation.pqxdh.ciphertext, remoteIdentityKey: alice.publicKey, remoteBaseKey: initiation.baseKey)
        guard response.sharedSecret == expectedSecret else { throw VectorFailure("respond: shared secret differs") }
        guard response.associatedData == expectedAD else { throw VectorFailure("respond: associated data differs") }
    }
}
