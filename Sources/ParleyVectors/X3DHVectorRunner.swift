import ParleyCrypto
import ParleyProtocol

/// Replays kind "x3dh": Alice initiates from Bob's bundle with the scripted ephemeral key; on
/// success Bob responds and both must reach the expected SK and AD, and a failing initiation
/// must have drawn nothing.
enum X3DHVectorRunner {
    static func run(_ vector: TestVector) throws {
        guard let expect = vector.expect else { throw VectorFailure("missing field expect") }
        let alice = try VectorValues.identity(vector.alice, "alice")
        let bob = try VectorValues.identity(vector.bob, "bob")
        let signedPreKey = try VectorValues.x25519PrivateKey(vector.bob.signedPrekey, "bob.signed_prekey")
        let oneTimePreKey = try vector.bob.oneTimePrekey.map { try VectorValues.x25519PrivateKey($0, "bob.one_time_prekey") }
        let signature =
            try vector.signature.map { try VectorValues.bytes($0, "signature") }
            ?? SignedPreKey(keyPair: signedPreKey, identity: bob).signature
        let bundleIdentityKey =
            try vector.bob.identityKey.map {
                try Ed25519.PublicKey(rawRepresentation: VectorValues.bytes($0, "bob.identity_key"))
            } ?? bob.publicKey
        let bundle = PreKeyBundle(
            identityKey: bundleIdentityKey, signedPreKey: signedPreKey.publicKey, signedPreKeySignature: signature,
            oneTimePreKey: oneTimePreKey?.publicKey)
        let random = ScriptedRandomSource(keys: [try VectorValues.bytes(vector.ephemeral, "ephemeral")])

        let initiation: X3DH.Initiation
        do {
            initiation = try X3DH.initiate(identity: alice, bundle: bundle, random: random)
        } catch {
            guard let category = expect.error else {
                throw VectorFailure("initiate: expected success, got \(VectorValues.describe(error))")
            }
            guard VectorValues.matches(error, category: category) else {
                throw VectorFailure("initiate: expected \(category), got \(VectorValues.describe(error))")
            }
            // Test-vectors.md §2 step 3: the checks that fail come before EK_A is drawn.
            guard random.position == 0, random.takeProblems().isEmpty else {
                throw VectorFailure("initiate: failed with \(category) after drawing from the random source")
            }
            return
        }
        if let category = expect.error { throw VectorFailure("initiate: expected \(category), but it succeeded") }
        try checkScript(random, "initiate")
        let expectedSecret = try VectorValues.bytes(expect.sharedSecret, "expect.shared_secret")
        let expectedAD = try VectorValues.bytes(expect.associatedData, "expect.associated_data")
        guard initiation.sharedSecret == SecureBytes(copying: expectedSecret) else {
            throw VectorFailure("initiate: shared secret differs")
        }
        guard initiation.associatedData == expectedAD else { throw VectorFailure("initiate: associated data differs") }

        let response = try X3DH.respond(
            identity: bob, signedPreKey: signedPreKey, oneTimePreKey: oneTimePreKey,
            remoteIdentityKey: alice.publicKey, remoteBaseKey: initiation.baseKey)
        guard response.sharedSecret == SecureBytes(copying: expectedSecret) else {
            throw VectorFailure("respond: shared secret differs")
        }
        guard response.associatedData == expectedAD else { throw VectorFailure("respond: associated data differs") }
    }

    static func checkScript(_ random: ScriptedRandomSource, _ step: String) throws {
        let problems = random.takeProblems()
        guard problems.isEmpty else { throw VectorFailure("\(step): \(problems.joined(separator: "; "))") }
    }
}
