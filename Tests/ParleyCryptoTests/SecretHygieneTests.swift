import ParleyCrypto
import Testing

/// No secret can be printed, and secrets compare by content.
struct SecretHygieneTests {
    @Test func secureBytesNeverPrintContents() {
        let bytes: [UInt8] = Array(0xA0..<0xC0)
        let secret = SecureBytes(copying: bytes)
        let renderings = [
            String(describing: secret), String(reflecting: secret), "\(secret)", "\([secret])", "\(Optional(secret) as Any)",
        ]
        let hexText = Hex.encode(bytes)
        for text in renderings {
            #expect(!text.contains(hexText.prefix(8)))
            #expect(!text.contains("160"))  // 0xA0 in decimal, as an array would print it
            #expect(text.contains("redacted"))
        }
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("160"))
    }

    @Test func privateKeysNeverPrintSecretBytes() throws {
        let seedBytes: [UInt8] = Array(repeating: 0x5A, count: 32)
        let signing = try Ed25519.PrivateKey(seed: SecureBytes(copying: seedBytes))
        let agreement = signing.keyAgreementKey()
        let secretHexes = [Hex.encode(seedBytes), Hex.encode(agreement.rawRepresentation.unprotectedBytes())]
        for value in [signing as Any, agreement as Any] {
            var dumped = ""
            dump(value, to: &dumped)
            for text in [String(describing: value), String(reflecting: value), dumped] {
                for secretHex in secretHexes { #expect(!text.contains(secretHex.prefix(16))) }
                #expect(!text.contains("90, 90"))  // 0x5A as decimal array elements
                #expect(text.contains("redacted"))
            }
        }
    }

    @Test func equalityIsByContent() {
        let a = SecureBytes(copying: [1, 2, 3])
        #expect(a == SecureBytes(copying: [1, 2, 3]))
        #expect(a != SecureBytes(copying: [1, 2, 4]))
        #expect(a != SecureBytes(copying: [1, 2]))
        #expect(SecureBytes(copying: []) == SecureBytes(copying: []))
        #expect(ConstantTime.equals([1, 2], [1, 2]))
        #expect(!ConstantTime.equals([1, 2], [1, 3]))
    }

    @Test func zeroingAfterCopyClearsTheSource() {
        var raw: [UInt8] = [9, 9, 9]
        let secret = SecureBytes(zeroingAfterCopy: &raw)
        #expect(raw.isEmpty)
        #expect(secret.unprotectedBytes() == [9, 9, 9])
    }
}
