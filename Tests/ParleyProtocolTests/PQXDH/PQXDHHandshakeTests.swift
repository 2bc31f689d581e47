import ParleyCrypto
import ParleyProtocol
import ParleyVectors
import Testing

/// Alice's side of PQXDH: the order of checks, and what is drawn or encapsulated before them.
struct PQXDHHandshakeTests {
    /// A bundle as fetched, with the signatures replaceable.
    private func bundle(
        _ base: PQXDHBundle, signedPreKeySignature: [UInt8]? = nil, pqPreKeySignature: [UInt8]? = nil
    ) -> PQXDHBundle {
        PQXDHBundle(
            identityKey: base.identityKey, signedPreKey: base.signedPreKey,
            signedPreKeySignature: signedPreKeySignature ?? base.signedPreKeySignature, oneTimePreKey: base.oneTimePreKey,
            pqPreKey: base.pqPreKey, pqPreKeySignature: pqPreKeySignature ?? base.pqPreKeySignature)
    }

    /// The SPK signature must be the v2 one over "parley-spk-v2" || SPK: the v1 signature over the
    /// bare key (valid for Parley-v1) is refused as bad_signature, before EK_A is drawn and
    /// before any encapsulation.
    @Test func aParleyV1SignedPreKeySignatureIsRefused() async throws {
        let random = SeededRandomSource(seed: 220)
        let alice = IdentityKeyPair(random: random)
        let bob = PQDevice("bob", random: random)
        let good = await bob.publishBundle(random: random)
        let v1Signature = bob.identity.signingKey.signature(for: good.signedPreKey.rawRepresentation)
        let scripted = ScriptedRandomSource(keys: [])
        let encapsulator = CountingEncapsulator()
        #expect(throws: ProtocolError.badSignature) {
            try PQXDH.initiate(
                identity: alice, bundle: bundle(good, signedPreKeySignature: v1Signature), random: scripted,
                encapsulator: encapsulator)
        }
        #expect(scripted.position == 0)
        #expect(encapsulator.count == 0)
        // The same bundle with the v2 signature is accepted.
        _ = try PQXDH.initiate(identity: alice, bundle: good, random: random, encapsulator: encapsulator)
        #expect(encapsulator.count == 1)
    }

    /// The PQ prekey signature is checked (over "parley-pqpk-v2" || PQPK): a signature over the
    /// bare key, or one by another identity, is bad_signature with nothing drawn or encapsulated.
    @Test func aBadPQPreKeySignatureIsRefusedBeforeEncapsulation() async throws {
        let random = SeededRandomSource(seed: 221)
        let alice = IdentityKeyPair(random: random)
        let bob = PQDevice("bob", random: random)
        let good = await bob.publishBundle(random: random)
        let other = IdentityKeyPair(random: random)
        for signature in [
            bob.identity.signingKey.signature(for: good.pqPreKey.rawRepresentation),
            other.signingKey.signature(for: PQPreKey.signedMessage(for: good.pqPreKey)),
            [UInt8](repeating: 0, count: 64),
        ] {
            let scripted = ScriptedRandomSource(keys: [])
            let encapsulator = CountingEncapsulator()
            #expect(throws: ProtocolError.badSignature) {
                try PQXDH.initiate(
                    identity: alice, bundle: bundle(good, pqPreKeySignature: signature), random: scripted,
                    encapsulator: encapsulator)
            }
            #expect(scripted.position == 0)
            #expect(encapsulator.count == 0)
        }
    }

    /// Both sides derive the same SK and AD, and SK depends on SS: the same DH inputs with
    /// another encapsulation give another SK.
    @Test func bothSidesAgreeAndTheSecretDependsOnTheKEM() async throws {
        let random = SeededRandomSource(seed: 222)
        let alice = IdentityKeyPair(random: random)
        let bobIdentity = IdentityKeyPair(random: random)
        let signed = SignedPreKey(identity: bobIdentity, version: .v2, random: random)
        let pq = PQPreKey(kind: .oneTime, identity: bobIdentity, random: random)
        let bundle = PQXDHBundle(
            identityKey: bobIdentity.publicKey, signedPreKey: signed.keyPair.publicKey,
            signedPreKeySignature: signed.signature, oneTimePreKey: nil, pqPreKey: pq.keyPair.publicKey,
            pqPreKeySignature: pq.signature)
        let ephemeral = random.bytes(32)
        let first = try PQXDH.initiate(
            identity: alice, bundle: bundle, random: ScriptedRandomSource(keys: [ephemeral]),
            encapsulator: SystemKEMEncapsulator())
        let second = try PQXDH.initiate(
            identity: alice, bundle: bundle, random: ScriptedRandomSource(keys: [ephemeral]),
            encapsulator: SystemKEMEncapsulator())
        #expect(first.baseKey == second.baseKey)
        #expect(first.sharedSecret != second.sharedSecret)
        let response = try PQXDH.respond(
            identity: bobIdentity, signedPreKey: signed.keyPair, oneTimePreKey: nil, pqPreKey: pq.keyPair,
            ciphertext: first.pqxdh.ciphertext, remoteIdentityKey: alice.publicKey, remoteBaseKey: first.baseKey)
        #expect(response.sharedSecret == first.sharedSecret)
        #expect(response.associatedData == first.associatedData)
        #expect(first.associatedData == alice.publicKey.rawRepresentation + bobIdentity.publicKey.rawRepresentation)
        #expect(first.pqxdh.preKeyID == PQPreKeyID(publicKey: pq.keyPair.publicKey))
        #expect(first.pqxdh.preKeyID.rawRepresentation == SHA256.hash(pq.keyPair.publicKey.rawRepresentation))
    }
}
