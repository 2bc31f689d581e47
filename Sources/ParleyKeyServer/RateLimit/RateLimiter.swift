import Foundation

/// Token buckets per key for one kind of request: per calling device (claims, sends, lookups), per
/// target device (one-time prekeys handed out) or per client address (registrations).
///
/// Per server process: with several instances each keeps its own buckets, so a key gets at most
/// the rate times the number of instances. Full buckets are forgotten when the table grows, so
/// memory stays bounded by the keys active within one refill of a bucket.
final class RateLimiter<Key: Hashable & Sendable>: @unchecked Sendable {
    /// Table size that triggers forgetting full buckets; doubles when most buckets are busy.
    // Computed: a generic class has no static stored properties.
    private static var initialPruneThreshold: Int { 10_000 }

    let rate: RateLimit
    private let clock: ServerClock
    // Guarded by `lock`: buckets are taken from every request task.
    private let lock = NSLock()
    private var buckets: [Key: TokenBucket] = [:]
    private var pruneThreshold = RateLimiter.initialPruneThreshold

    /// A limiter allowing `rate` per key.
    init(rate: RateLimit, clock: ServerClock) {
        // Out-of-range numbers from library callers are clamped (the executable rejects them).
        self.rate = RateLimit(
            capacity: min(max(0, rate.capacity), RateLimit.maximum),
            refillPerMinute: min(max(1, rate.refillPerMinute), RateLimit.maximum))
        self.clock = clock
    }

    /// Takes a token for `key`.
    /// - Throws: ``ServerError/rateLimited(retryAfterSeconds:)`` when its bucket is empty.
    func take(for key: Key) throws(ServerError) {
        if case .limited(let seconds) = decide(for: key) { throw .rateLimited(retryAfterSeconds: seconds) }
    }

    /// Throws as ``take(for:)`` would, without taking a token (a key's budget is spent elsewhere,
    /// by ``tryTake(for:)``).
    /// - Throws: ``ServerError/rateLimited(retryAfterSeconds:)`` when its bucket is empty.
    func check(for key: Key) throws(ServerError) {
        let now = clock.now()
        let decision = lock.withLock { (buckets[key] ?? TokenBucket(rate: rate, now: now)).peek(at: now) }
        if case .limited(let seconds) = decision { throw .rateLimited(retryAfterSeconds: seconds) }
    }

    /// Takes a token for `key` if there is one.
    /// - Returns: whether a token was taken.
    func tryTake(for key: Key) -> Bool {
        decide(for: key) == .allowed
    }

    private func decide(for key: Key) -> TokenBucket.Decision {
        let now = clock.now()
        let decision: TokenBucket.Decision = lock.withLock {
            var bucket = buckets[key] ?? TokenBucket(rate: rate, now: now)
            let decision = bucket.take(at: now)
            buckets[key] = bucket
            if buckets.count > pruneThreshold {
                buckets = buckets.filter { !$0.value.isFull(at: now) }
                pruneThreshold = max(Self.initialPruneThreshold, buckets.count * 2)
            }
            return decision
        }
        return decision
    }
}
