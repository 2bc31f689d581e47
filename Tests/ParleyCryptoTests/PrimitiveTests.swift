import ParleyCrypto
import Testing

private func hex(_ text: String) -> [UInt8] { Hex.decode(text) ?? [] }

/// X25519, Ed25519 and XChaCha20-Poly1305 wrappers against known answers and failure cases.
struct PrimitiveTests {
    @Test func x25519MatchesRFC7748() throws {
        let alice = try X25519.PrivateKey(
            rawRepresentation: SecureBytes(copying: hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")))
        let bob = try X25519.PrivateKey(
            rawRepresentation: SecureBytes(copying: hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")))
        #expect(
            Hex.encode(alice.publicKey.rawRepresentation) == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        #expect(Hex.encode(bob.publicKey.rawRepresentation) == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
        let shared = try alice.sharedSecret(with: bob.publicKey)
        #expect(Hex.encode(shared.unprotectedBytes()) == "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
        #expect(try bob.sharedSecret(with: alice.publicKey) == shared)
    }

    @Test func x25519RejectsNonCanonicalEncodings() throws {
        let p = hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")
        var belowP = p
        belowP[0] = 0xec
        #expect(try X25519.PublicKey(rawRepresentation: belowP).rawRepresentation == belowP)
        #expect(throws: CryptoError.nonCanonicalKey) { try X25519.PublicKey(rawRepresentation: p) }
        var highBit = [UInt8](repeating: 0, count: 32)
        highBit[0] = 9
        highBit[31] = 0x80
        #expect(throws: CryptoError.nonCanonicalKey) { try X25519.PublicKey(rawRepresentation: highBit) }
        #expect(throws: CryptoError.invalidLength(expected: 32, actual: 31)) {
            try X25519.PublicKey(rawRepresentation: [UInt8](repeating: 1, count: 31))
        }
    }

    @Test(arguments: [0, 1])
    func x25519RejectsAllZeroOutput(lowOrderValue: UInt8) throws {
        var point = [UInt8](repeating: 0, count: 32)
        point[0] = lowOrderValue
        let key = X25519.PrivateKey(random: SystemRandomSource())
        #expect(throws: CryptoError.invalidKey) { try key.sharedSecret(with: X25519.PublicKey(rawRepresentation: point)) }
    }

    @Test func ed25519MatchesRFC8032TestOne() throws {
        let key = try Ed25519.PrivateKey(
            seed: SecureBytes(copying: hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")))
        #expect(Hex.encode(key.publicKey.rawRepresentation) == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let signature = key.signature(for: [])
        #expect(
            Hex.encode(signature)
                == "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        )
        #expect(key.publicKey.isValidSignature(signature, for: []))
        var flipped = signature
        flipped[10] ^= 1
        #expect(!key.publicKey.isValidSignature(flipped, for: []))
        #expect(!key.publicKey.isValidSignature(signature, for: [0]))
        #expect(!key.publicKey.isValidSignature(Array(signature.prefix(63)), for: []))
    }

    @Test func ed25519ConversionAgreesOnBothSides() throws {
        let random = SystemRandomSource()
        let a = Ed25519.PrivateKey(random: random)
        let b = X25519.PrivateKey(random: random)
        let viaPrivate = try a.keyAgreementKey().sharedSecret(with: b.publicKey)
        let viaPublic = try b.sharedSecret(with: a.publicKey.keyAgreementKey())
        #expect(viaPrivate == viaPublic)
        #expect(a.keyAgreementKey().publicKey == (try a.publicKey.keyAgreementKey()))
    }

    @Test func aeadRoundTripsAndRejectsEveryTamper() throws {
        let key = SecureBytes(randomCount: 32, from: SystemRandomSource())
        let nonce = SystemRandomSource().bytes(24)
        let ad: [UInt8] = [1, 2, 3]
        let plaintext = Array("hello, 世界".utf8)
        let sealed = try plaintext.withUnsafeBytes { p in
            try nonce.withUnsafeBytes { n in
                try ad.withUnsafeBytes { a in try XChaCha20Poly1305.seal(p, key: key, nonce: n, associatedData: a) }
            }
        }
        func open(_ c: [UInt8], _ n: [UInt8], _ a: [UInt8]) throws -> [UInt8] {
            try c.withUnsafeBytes { c in
                try n.withUnsafeBytes { n in
                    try a.withUnsafeBytes { a in try XChaCha20Poly1305.open(c, key: key, nonce: n, associatedData: a) }
                }
            }
        }
        #expect(try open(sealed, nonce, ad) == plaintext)
        for index in sealed.indices {
            var tampered = sealed
            tampered[index] ^= 0x40
            #expect(throws: CryptoError.authenticationFailure) { try open(tampered, nonce, ad) }
        }
        var otherNonce = nonce
        otherNonce[0] ^= 1
        #expect(throws: CryptoError.authenticationFailure) { try open(sealed, otherNonce, ad) }
        #expect(throws: CryptoError.authenticationFailure) { try open(sealed, nonce, [1, 2]) }
        #expect(throws: CryptoError.authenticationFailure) { try open(Array(sealed.prefix(15)), nonce, ad) }
    }
}

/// SHA-256 against FIPS 180-2 examples.
struct SHA256Tests {
    @Test func knownAnswers() {
        #expect(Hex.encode(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Hex.encode(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
