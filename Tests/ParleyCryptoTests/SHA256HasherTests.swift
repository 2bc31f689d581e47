import ParleyCrypto
import Testing

/// The incremental SHA-256 agrees with the one-shot digest however the input is split.
struct SHA256HasherTests {
    @Test func emptyInputMatchesFIPS180Vector() {
        #expect(Hex.encode(SHA256.Hasher().finalize()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func anySplitGivesTheOneShotDigest() {
        let input = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        for chunk in [1, 63, 64, 65, 1000, 10_000] {
            var hasher = SHA256.Hasher()
            var start = 0
            while start < input.count {
                let end = min(start + chunk, input.count)
                hasher.update(Array(input[start..<end]))
                start = end
            }
            #expect(hasher.finalize() == SHA256.hash(input), "chunk \(chunk)")
        }
    }
}
