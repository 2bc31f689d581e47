import Foundation
import ParleyCrypto
import Testing

/// HKDF-SHA-256 against RFC 5869 Appendix A.
struct HKDFTests {
    struct Case: Decodable, CustomTestStringConvertible {
        let name, ikm, salt, info, prk, okm: String
        let length: Int
        var testDescription: String { name }
    }

    struct File: Decodable { let cases: [Case] }

    static let cases: [Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Vectors/rfc5869-sha256.json")
        guard let data = try? Data(contentsOf: url), let file = try? JSONDecoder().decode(File.self, from: data) else {
            return []
        }
        return file.cases
    }()

    @Test func vectorFileIsPresent() {
        #expect(Self.cases.count == 3)
    }

    @Test(arguments: cases)
    func rfc5869(_ vector: Case) throws {
        let ikm = SecureBytes(copying: try #require(Hex.decode(vector.ikm)))
        let salt = try #require(Hex.decode(vector.salt))
        let info = try #require(Hex.decode(vector.info))
        let prk = HKDF.extract(salt: salt, inputKeyMaterial: ikm)
        #expect(Hex.encode(prk.unprotectedBytes()) == vector.prk)
        let okm = try HKDF.deriveKey(inputKeyMaterial: ikm, salt: salt, info: info, length: vector.length)
        #expect(Hex.encode(okm.unprotectedBytes()) == vector.okm)
        let okmWithSecretSalt = try HKDF.deriveKey(
            inputKeyMaterial: ikm, salt: SecureBytes(copying: salt.isEmpty ? [UInt8](repeating: 0, count: 32) : salt),
            info: info, length: vector.length)
        #expect(okmWithSecretSalt == okm)
    }

    @Test func rejectsTooLongOutput() {
        #expect(throws: CryptoError.self) {
            _ = try HKDF.deriveKey(inputKeyMaterial: SecureBytes(copying: [1]), salt: [], info: [], length: 255 * 32 + 1)
        }
    }
}
