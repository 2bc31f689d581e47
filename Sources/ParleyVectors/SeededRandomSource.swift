import ParleyCrypto
import Synchronization

/// A deterministic ``RandomSource`` for tests and benchmarks: HMAC-SHA-256(seed, counter)
/// blocks. Never use it in production.
public final class SeededRandomSource: RandomSource {
    private let seed: SecureBytes
    private let counter = Mutex<UInt64>(0)

    /// The same `seed` always gives the same sequence of draws.
    public init(seed: UInt64) {
        var bytes: [UInt8] = []
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: seed >> UInt64(shift))) }
        self.seed = SecureBytes(copying: bytes + [UInt8](repeating: 0x5E, count: 24))
    }

    public func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        var offset = 0
        while offset < buffer.count {
            let index = counter.withLock { value -> UInt64 in
                defer { value += 1 }
                return value
            }
            var message: [UInt8] = []
            for shift in stride(from: 56, through: 0, by: -8) {
                message.append(UInt8(truncatingIfNeeded: index >> UInt64(shift)))
            }
            let block = HMACSHA256.authenticationCode(key: seed, message: message).unprotectedBytes()
            let take = min(block.count, buffer.count - offset)
            UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<(offset + take)]).copyBytes(from: block[0..<take])
            offset += take
        }
    }
}

/// A small deterministic generator for choosing test orders and losses (not for keys).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
