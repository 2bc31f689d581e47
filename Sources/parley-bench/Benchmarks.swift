import ParleyCrypto
import ParleyProtocol

/// Failures of the benchmark's own set-up (never expected).
struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
}

/// An established Alice–Bob pair over ``SessionCipher`` (Alice has had Bob's answer, so both
/// send plain Messages).
struct EstablishedPair {
    let random = SystemRandomSource()
    let aliceIdentity: IdentityKeyPair
    let bobIdentity: IdentityKeyPair
    var alice = SessionRecord()
    var bob = SessionRecord()

    init() throws {
        aliceIdentity = IdentityKeyPair(random: random)
        bobIdentity = IdentityKeyPair(random: random)
        let signed = SignedPreKey(identity: bobIdentity, random: random)
        let bundle = PreKeyBundle(
            identityKey: bobIdentity.publicKey, signedPreKey: signed.keyPair.publicKey,
            signedPreKeySignature: signed.signature, oneTimePreKey: nil)
        alice.makeCurrent(try SessionCipher.initiate(identity: aliceIdentity, bundle: bundle, random: random))
        let first = try SessionCipher.encrypt([1], record: &alice, identity: aliceIdentity, random: random)
        bob = try SessionCipher.decrypt(
            WireMessage.parse(first), record: bob, identity: bobIdentity,
            preKeys: PreKeyMaterial(signedPreKey: signed.keyPair), random: random
        ).record
        let reply = try SessionCipher.encrypt([2], record: &bob, identity: bobIdentity, random: random)
        alice = try SessionCipher.decrypt(
            WireMessage.parse(reply), record: alice, identity: aliceIdentity, preKeys: .none, random: random
        ).record
    }

    mutating func aliceToBob(_ plaintext: [UInt8]) throws {
        let wire = try SessionCipher.encrypt(plaintext, record: &alice, identity: aliceIdentity, random: random)
        bob = try SessionCipher.decrypt(
            WireMessage.parse(wire), record: bob, identity: bobIdentity, preKeys: .none, random: random
        ).record
    }

    mutating func bobToAlice(_ plaintext: [UInt8]) throws {
        let wire = try SessionCipher.encrypt(plaintext, record: &bob, identity: bobIdentity, random: random)
        alice = try SessionCipher.decrypt(
            WireMessage.parse(wire), record: alice, identity: aliceIdentity, preKeys: .none, random: random
        ).record
    }
}

/// A 100-byte message on an unchanged chain: encrypt + decrypt.
struct SteadyBenchmark: OperationBenchmark {
    let name = "steady"
    let summary = "100-byte message, encrypt + decrypt, same chain"
    let isHeavy = false
    var pair: EstablishedPair?
    var floor = SodiumFloor()
    let plaintext = [UInt8](repeating: 0x61, count: 100)

    mutating func runParley(iterations: Int) throws {
        var pair = try self.pair ?? EstablishedPair()
        for _ in 0..<iterations { try pair.aliceToBob(plaintext) }
        self.pair = pair
    }

    mutating func runFloor(iterations: Int) throws {
        for _ in 0..<iterations {
            floor.chainStep()
            floor.seal()
            floor.chainStep()
            guard floor.open() else { throw BenchmarkError(description: "floor open failed") }
        }
    }
}

/// Messages that each turn the ratchet (strict alternation): per message, encrypt + decrypt
/// with a DH ratchet step at the receiver.
struct PingPongBenchmark: OperationBenchmark {
    let name = "pingpong"
    let summary = "100-byte message that turns the ratchet, encrypt + decrypt"
    let isHeavy = false
    var pair: EstablishedPair?
    var floor = SodiumFloor()
    let plaintext = [UInt8](repeating: 0x62, count: 100)

    mutating func runParley(iterations: Int) throws {
        var pair = try self.pair ?? EstablishedPair()
        for index in 0..<iterations {
            if index % 2 == 0 { try pair.aliceToBob(plaintext) } else { try pair.bobToAlice(plaintext) }
        }
        self.pair = pair
    }

    mutating func runFloor(iterations: Int) throws {
        for _ in 0..<iterations {
            floor.chainStep()
            floor.seal()
            floor.dh()  // DH(ours, their new key)
            floor.hkdf(inputLength: 32, length: 64)  // KDF_RK
            floor.generateKey()  // our next ratchet key
            floor.dh()
            floor.hkdf(inputLength: 32, length: 64)
            floor.chainStep()
            guard floor.open() else { throw BenchmarkError(description: "floor open failed") }
        }
    }
}

/// Bob's published keys, shared by the X3DH benchmarks.
struct X3DHFixture {
    let random = SystemRandomSource()
    let alice: IdentityKeyPair
    let bob: IdentityKeyPair
    let signedPreKey: SignedPreKey
    let oneTimePreKey: X25519.PrivateKey
    let bundle: PreKeyBundle

    init() {
        alice = IdentityKeyPair(random: random)
        bob = IdentityKeyPair(random: random)
        signedPreKey = SignedPreKey(identity: bob, random: random)
        oneTimePreKey = X25519.PrivateKey(random: random)
        bundle = PreKeyBundle(
            identityKey: bob.publicKey, signedPreKey: signedPreKey.keyPair.publicKey,
            signedPreKeySignature: signedPreKey.signature, oneTimePreKey: oneTimePreKey.publicKey)
    }
}

/// Alice's X3DH with a one-time prekey: verify, ephemeral key, four DHs, HKDF.
struct X3DHInitiateBenchmark: OperationBenchmark {
    let name = "x3dh-initiate"
    let summary = "X3DH initiation with OPK (verify SPK signature, EK, 4 DH, HKDF)"
    let isHeavy = true
    let fixture = X3DHFixture()
    var floor = SodiumFloor()

    mutating func runParley(iterations: Int) throws {
        for _ in 0..<iterations { _ = try X3DH.initiate(identity: fixture.alice, bundle: fixture.bundle, random: fixture.random) }
    }

    mutating func runFloor(iterations: Int) throws {
        let signature = fixture.signedPreKey.signature
        let spk = fixture.signedPreKey.keyPair.publicKey.rawRepresentation
        let identity = fixture.bob.publicKey.rawRepresentation
        for _ in 0..<iterations {
            guard floor.verify(signature: signature, message: spk, publicKey: identity) else {
                throw BenchmarkError(description: "floor verify failed")
            }
            floor.convertPublicKey(identity)
            floor.generateKey()
            for _ in 0..<4 { floor.dh() }
            floor.hkdf(inputLength: 32 * 5, length: 32)
        }
    }
}

/// Bob's X3DH with a one-time prekey: four DHs and HKDF.
struct X3DHRespondBenchmark: OperationBenchmark {
    let name = "x3dh-respond"
    let summary = "X3DH response with OPK (4 DH, HKDF)"
    let isHeavy = true
    let fixture = X3DHFixture()
    var floor = SodiumFloor()
    var baseKey: X25519.PublicKey?

    mutating func runParley(iterations: Int) throws {
        let baseKey =
            try self.baseKey ?? X3DH.initiate(identity: fixture.alice, bundle: fixture.bundle, random: fixture.random).baseKey
        self.baseKey = baseKey
        for _ in 0..<iterations {
            _ = try X3DH.respond(
                identity: fixture.bob, signedPreKey: fixture.signedPreKey.keyPair, oneTimePreKey: fixture.oneTimePreKey,
                remoteIdentityKey: fixture.alice.publicKey, remoteBaseKey: baseKey)
        }
    }

    mutating func runFloor(iterations: Int) throws {
        let identity = fixture.alice.publicKey.rawRepresentation
        for _ in 0..<iterations {
            floor.convertPublicKey(identity)
            for _ in 0..<4 { floor.dh() }
            floor.hkdf(inputLength: 32 * 5, length: 32)
        }
    }
}
