import Foundation
import ParleyCrypto
import Testing

/// ML-KEM-1024 through ParleyCrypto's wrapper: known answers from an independent implementation
/// (kyber-py, cross-checked against `cryptography`), round trips, and the input checks.
struct MLKEMTests {
    struct Case: Decodable, CustomTestStringConvertible {
        let name, seed, ciphertext: String
        let publicKeySHA256, sharedSecret: String
        var testDescription: String { name }

        enum CodingKeys: String, CodingKey {
            case name, seed, ciphertext
            case publicKeySHA256 = "public_key_sha256"
            case sharedSecret = "shared_secret"
        }
    }

    struct File: Decodable { let cases: [Case] }

    static let cases: [Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors/mlkem1024.json")
        guard let data = try? Data(contentsOf: url), let file = try? JSONDecoder().decode(File.self, from: data) else {
            return []
        }
        return file.cases
    }()

    @Test func vectorFileIsPresent() {
        #expect(Self.cases.count == 3)
    }

    /// KeyGen_internal(d, z) gives the same encapsulation key, and Decaps the same shared secret
    /// (including the implicit-rejection secret of a forged ciphertext).
    @Test(arguments: cases)
    func knownAnswers(_ vector: Case) throws {
        let key = try MLKEM.PrivateKey(seed: SecureBytes(copying: try #require(Hex.decode(vector.seed))))
        #expect(key.publicKey.rawRepresentation.count == MLKEM.publicKeyByteCount)
        #expect(Hex.encode(SHA256.hash(key.publicKey.rawRepresentation)) == vector.publicKeySHA256)
        let ciphertext = try MLKEM.Ciphertext(rawRepresentation: try #require(Hex.decode(vector.ciphertext)))
        #expect(Hex.encode(try key.decapsulate(ciphertext).unprotectedBytes()) == vector.sharedSecret)
    }

    /// Real encapsulation to a key made from a random-source seed decapsulates to the same
    /// secret; the seed comes from the injected source, so the same source gives the same key.
    @Test func encapsulationRoundTripsAndKeysComeFromTheRandomSource() throws {
        struct Fixed: RandomSource {
            let byte: UInt8
            func fill(_ buffer: UnsafeMutableRawBufferPointer) { buffer.initializeMemory(as: UInt8.self, repeating: byte) }
        }
        let key = MLKEM.PrivateKey(random: Fixed(byte: 0x42))
        #expect(key.publicKey == MLKEM.PrivateKey(random: Fixed(byte: 0x42)).publicKey)
        #expect(key.seedRepresentation == SecureBytes(copying: [UInt8](repeating: 0x42, count: 64)))
        let encapsulation = try SystemKEMEncapsulator().encapsulate(to: key.publicKey)
        #expect(encapsulation.ciphertext.rawRepresentation.count == MLKEM.ciphertextByteCount)
        #expect(try key.decapsulate(encapsulation.ciphertext) == encapsulation.sharedSecret)
        let restored = try MLKEM.PrivateKey(restoringSeed: key.seedRepresentation, publicKey: key.publicKey)
        #expect(try restored.decapsulate(encapsulation.ciphertext) == encapsulation.sharedSecret)
    }

    /// Lengths are checked with typed errors; an encapsulation key whose coefficients are not
    /// below q (all 0xFF) is refused as invalidKey when used.
    @Test func inputsAreChecked() throws {
        #expect(throws: CryptoError.invalidLength(expected: 1568, actual: 1567)) {
            try MLKEM.PublicKey(rawRepresentation: [UInt8](repeating: 0, count: 1567))
        }
        #expect(throws: CryptoError.invalidLength(expected: 1568, actual: 1569)) {
            try MLKEM.Ciphertext(rawRepresentation: [UInt8](repeating: 0, count: 1569))
        }
        #expect(throws: CryptoError.invalidLength(expected: 64, actual: 32)) {
            try MLKEM.PrivateKey(seed: SecureBytes(copying: [UInt8](repeating: 1, count: 32)))
        }
        let invalid = try MLKEM.PublicKey(rawRepresentation: [UInt8](repeating: 0xFF, count: 1568))
        #expect(throws: CryptoError.invalidKey) { try SystemKEMEncapsulator().encapsulate(to: invalid) }
    }

    /// The private key and an encapsulation print no secret bytes.
    @Test func secretsDoNotPrint() throws {
        let key = MLKEM.PrivateKey(random: SystemRandomSource())
        let seedHex = Hex.encode(key.seedRepresentation.unprotectedBytes())
        for text in [String(describing: key), String(reflecting: key), "\(key)"] {
            #expect(!text.contains(seedHex.prefix(16)))
            #expect(text.contains("redacted"))
        }
        let encapsulation = try SystemKEMEncapsulator().encapsulate(to: key.publicKey)
        let secretHex = Hex.encode(encapsulation.sharedSecret.unprotectedBytes())
        #expect(!String(describing: encapsulation).contains(secretHex.prefix(16)))
    }
}
