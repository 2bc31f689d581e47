import ParleyCrypto
import Testing

/// Every signature meaning has its own prefix (Specs/protocol.md §11): no prefix may start another,
/// or a message signed under the longer one would also read as one signed under the shorter.
struct SignatureDomainTests {
    @Test func noPrefixStartsAnother() {
        let all = SignatureDomain.all
        #expect(all.count == 6)
        for (i, a) in all.enumerated() {
            for (j, b) in all.enumerated() where i != j {
                #expect(!b.starts(with: a), "\(String(decoding: a, as: UTF8.self)) starts \(String(decoding: b, as: UTF8.self))")
            }
        }
    }

    /// A Parley-v1 signed prekey signature covers exactly 32 bytes, and every prefixed message is a
    /// prefix followed by at least 32 bytes; so no prefixed message is 32 bytes long as long as no
    /// prefix is empty.
    @Test func noPrefixIsEmpty() {
        #expect(SignatureDomain.all.allSatisfy { !$0.isEmpty })
    }
}
