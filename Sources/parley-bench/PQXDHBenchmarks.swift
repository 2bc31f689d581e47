import CSodium
import Crypto
import ParleyCrypto
import ParleyProtocol

/// A Parley-v2 bundle with a one-time prekey and a PQ prekey, and the keys behind it.
struct PQXDHFixture {
    let random = SystemRandomSource()
    let alice: IdentityKeyPair
    let bob: IdentityKeyPair
    let signedPreKey: SignedPreKey
    let oneTimePreKey: X25519.PrivateKey
    let pqPreKey: PQPreKey
    let bundle: PQXDHBundle

    init() {
        alice = IdentityKeyPair(random: random)
        bob = IdentityKeyPair(random: random)
        signedPreKey = SignedPreKey(identity: bob, version: .v2, random: random)
        oneTimePreKey = X25519.PrivateKey(random: random)
        pqPreKey = PQPreKey(kind: .oneTime, identity: bob, random: random)
        bundle = PQXDHBundle(
            identityKey: bob.publicKey, signedPreKey: signedPreKey.keyPair.publicKey,
            signedPreKeySignature: signedPreKey.signature, oneTimePreKey: oneTimePreKey.publicKey,
            pqPreKey: pqPreKey.keyPair.publicKey, pqPreKeySignature: pqPreKey.signature)
    }
}

/// Alice's PQXDH with a one-time prekey: two signature checks, x(IK_B), EK_A, PQID, ML-KEM
/// encapsulation, four DHs, HKDF. Floor: the same libsodium calls plus raw swift-crypto
/// `MLKEM1024` parsing and encapsulation.
struct PQXDHInitiateBenchmark: OperationBenchmark {
    let name = "pqxdh-initiate"
    let summary = "PQXDH initiation with OPK (2 verify, EK, PQID, ML-KEM-1024 encaps, 4 DH, HKDF)"
    let isHeavy = true
    let fixture = PQXDHFixture()
    var floor = SodiumFloor()
    var digest = [UInt8](repeating: 0, count: 32)

    mutating func runParley(iterations: Int) throws {
        let encapsulator = SystemKEMEncapsulator()
        for _ in 0..<iterations {
            _ = try PQXDH.initiate(
                identity: fixture.alice, bundle: fixture.bundle, random: fixture.random, encapsulator: encapsulator)
        }
    }

    mutating func runFloor(iterations: Int) throws {
        let spkMessage = SignatureDomain.signedPreKeyV2 + fixture.signedPreKey.keyPair.publicKey.rawRepresentation
        let pqKey = fixture.pqPreKey.keyPair.publicKey.rawRepresentation
        let pqMessage = SignatureDomain.pqPreKeyV2 + pqKey
        let identity = fixture.bob.publicKey.rawRepresentation
        for _ in 0..<iterations {
            guard floor.verify(signature: fixture.signedPreKey.signature, message: spkMessage, publicKey: identity),
                floor.verify(signature: fixture.pqPreKey.signature, message: pqMessage, publicKey: identity)
            else { throw BenchmarkError(description: "floor verify failed") }
            floor.convertPublicKey(identity)
            floor.generateKey()
            _ = crypto_hash_sha256(&digest, pqKey, UInt64(pqKey.count))
            _ = try Crypto.MLKEM1024.PublicKey(rawRepresentation: pqKey).encapsulate()
            for _ in 0..<4 { floor.dh() }
            floor.hkdf(inputLength: 32 * 6, length: 32)
        }
    }
}

/// Bob's PQXDH with a one-time prekey: x(IK_A), four DHs, ML-KEM decapsulation from the stored
/// seed, HKDF. Floor: the same libsodium calls plus raw swift-crypto `MLKEM1024` key expansion
/// from the seed and decapsulation.
struct PQXDHRespondBenchmark: OperationBenchmark {
    let name = "pqxdh-respond"
    let summary = "PQXDH response with OPK (4 DH, ML-KEM-1024 decaps from the seed, HKDF)"
    let isHeavy = true
    let fixture = PQXDHFixture()
    var floor = SodiumFloor()
    var initiation: PQXDH.Initiation?

    mutating func runParley(iterations: Int) throws {
        let initiation =
            try self.initiation
            ?? PQXDH.initiate(
                identity: fixture.alice, bundle: fixture.bundle, random: fixture.random, encapsulator: SystemKEMEncapsulator())
        self.initiation = initiation
        for _ in 0..<iterations {
            _ = try PQXDH.respond(
                identity: fixture.bob, signedPreKey: fixture.signedPreKey.keyPair, oneTimePreKey: fixture.oneTimePreKey,
                pqPreKey: fixture.pqPreKey.keyPair, ciphertext: initiation.pqxdh.ciphertext,
                remoteIdentityKey: fixture.alice.publicKey, remoteBaseKey: initiation.baseKey)
        }
    }

    mutating func runFloor(iterations: Int) throws {
        let identity = fixture.alice.publicKey.rawRepresentation
        let seed = fixture.pqPreKey.keyPair.seedRepresentation.unprotectedBytes()
        let ciphertext = try Crypto.MLKEM1024.PublicKey(
            rawRepresentation: fixture.pqPreKey.keyPair.publicKey.rawRepresentation
        ).encapsulate().encapsulated
        for _ in 0..<iterations {
            floor.convertPublicKey(identity)
            for _ in 0..<4 { floor.dh() }
            _ = try Crypto.MLKEM1024.PrivateKey(seedRepresentation: seed, publicKey: nil).decapsulate(ciphertext)
            floor.hkdf(inputLength: 32 * 6, length: 32)
        }
    }
}
