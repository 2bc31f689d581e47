import ParleyCrypto
import ParleyProtocol
import ParleyVectors

/// Alice and Bob as plain values over ``SessionCipher``: Alice has started a session from
/// Bob's bundle; Bob holds his signed prekey and one-time prekeys.
struct TwoPartyHarness {
    enum Side { case alice, bob }

    let random: SeededRandomSource
    let aliceIdentity: IdentityKeyPair
    let bobIdentity: IdentityKeyPair
    let signedPreKey: SignedPreKey
    var bobOneTimePreKeys: [X25519.PublicKey: X25519.PrivateKey]
    var alice: SessionRecord
    var bob = SessionRecord()

    init(seed: UInt64, useOneTimePreKey: Bool = true) throws {
        let random = SeededRandomSource(seed: seed)
        self.random = random
        aliceIdentity = IdentityKeyPair(random: random)
        bobIdentity = IdentityKeyPair(random: random)
        signedPreKey = SignedPreKey(identity: bobIdentity, random: random)
        let oneTime = (0..<3).map { _ in X25519.PrivateKey(random: random) }
        bobOneTimePreKeys = Dictionary(uniqueKeysWithValues: oneTime.map { ($0.publicKey, $0) })
        let bundle = PreKeyBundle(
            identityKey: bobIdentity.publicKey, signedPreKey: signedPreKey.keyPair.publicKey,
            signedPreKeySignature: signedPreKey.signature, oneTimePreKey: useOneTimePreKey ? oneTime[1].publicKey : nil)
        alice = SessionRecord()
        alice.makeCurrent(try SessionCipher.initiate(identity: aliceIdentity, bundle: bundle, random: random))
    }

    mutating func send(_ text: String, from side: Side) throws -> [UInt8] {
        try send(Array(text.utf8), from: side)
    }

    mutating func send(_ plaintext: [UInt8], from side: Side) throws -> [UInt8] {
        switch side {
        case .alice: try SessionCipher.encrypt(plaintext, record: &alice, identity: aliceIdentity, random: random)
        case .bob: try SessionCipher.encrypt(plaintext, record: &bob, identity: bobIdentity, random: random)
        }
    }

    /// Decrypts at `side` and commits on success, as a store would.
    @discardableResult
    mutating func receive(_ wire: [UInt8], at side: Side) throws -> [UInt8] {
        let record = side == .alice ? alice : bob
        let identity = side == .alice ? aliceIdentity : bobIdentity
        let (signed, oneTime) = (signedPreKey.keyPair, bobOneTimePreKeys)
        let result = try SessionCipher.decrypt(
            wire, record: record, identity: identity, random: random,
            signedPreKey: { side == .bob && $0 == signed.publicKey ? signed : nil },
            oneTimePreKey: { side == .bob ? oneTime[$0] : nil })
        if let used = result.consumedOneTimePreKey { bobOneTimePreKeys[used] = nil }
        switch side {
        case .alice: alice = result.record
        case .bob: bob = result.record
        }
        return result.plaintext
    }

    /// Serialised state of one side, for "unchanged" checks.
    func snapshot(_ side: Side) -> SecureBytes {
        (side == .alice ? alice : bob).serialized
    }
}
