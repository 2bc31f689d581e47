import Foundation

/// Token buckets per calling device for one kind of request (claims, sends).
///
/// Per server process: with several instances each keeps its own buckets, so a device gets at
/// most the rate times the number of instances. Only authenticated devices get a bucket, and full
/// buckets are forgotten when the table grows, so memory stays bounded by active devices.
final class RateLimiter: @unchecked Sendable {
    /// Table size that triggers forgetting full buckets; doubles when most buckets are busy.
    private static let initialPruneThreshold = 10_000

    let rate: RateLimit
    private let clock: ServerClock
    // Guarded by `lock`: buckets are taken from every request task.
    private let lock = NSLock()
    private var buckets: [DeviceAddress: TokenBucket] = [:]
    private var pruneThreshold = RateLimiter.initialPruneThreshold

    /// A limiter allowing `rate` per device.
    init(rate: RateLimit, clock: ServerClock) {
        // Out-of-range numbers from library callers are clamped (the executable rejects them).
        self.rate = RateLimit(
            capacity: min(max(0, rate.capacity), RateLimit.maximum),
            refillPerMinute: min(max(1, rate.refillPerMinute), RateLimit.maximum))
        self.clock = clock
    }

    /// Takes a token for `device`.
    /// - Throws: ``ServerError/rateLimited(retryAfterSeconds:)`` when its bucket is empty.
    func take(for device: DeviceAddress) throws(ServerError) {
        let now = clock.now()
        let decision: TokenBucket.Decision = lock.withLock {
            var bucket = buckets[device] ?? TokenBucket(rate: rate, now: now)
            let decision = bucket.take(at: now)
            buckets[device] = bucket
            if buckets.count > pruneThreshold {
                buckets = buckets.filter { !$0.value.isFull(at: now) }
                pruneThreshold = max(Self.initialPruneThreshold, buckets.count * 2)
            }
            return decision
        }
        if case .limited(let seconds) = decision { throw .rateLimited(retryAfterSeconds: seconds) }
    }
}
