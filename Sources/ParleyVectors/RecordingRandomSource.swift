import ParleyCrypto
import Synchronization

/// Wraps a ``RandomSource`` and records every draw, so that a run can be written out as a test
/// vector: 32-byte draws are keys (ephemeral and ratchet keys), 24-byte draws are nonces.
public final class RecordingRandomSource: RandomSource {
    private let base: any RandomSource
    private let draws = Mutex<[[UInt8]]>([])

    public init(base: any RandomSource) { self.base = base }

    public func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        base.fill(buffer)
        let value = Array(UnsafeRawBufferPointer(buffer))
        draws.withLock { $0.append(value) }
    }

    /// All 32-byte draws so far, in order.
    public var keyDraws: [[UInt8]] { draws.withLock { $0.filter { $0.count == 32 } } }

    /// The most recent 24-byte draw.
    public var lastNonce: [UInt8]? { draws.withLock { $0.last { $0.count == 24 } } }
}
