/// One device's bucket: a plain value that the clock drives; tested without a server.
///
/// Integer arithmetic in units of 1/60,000 token, so that a rate of `r` tokens a minute adds
/// exactly `r` units per millisecond and nothing is lost to rounding.
struct TokenBucket: Sendable, Equatable {
    /// Units in one token (milliseconds in a minute).
    static let unitsPerToken: Int64 = 60_000

    /// What ``take(at:)`` decided.
    enum Decision: Sendable, Equatable {
        /// A token was taken.
        case allowed
        /// The bucket is empty; a token is back after this many whole seconds (at least 1).
        case limited(retryAfterSeconds: Int)
    }

    let rate: RateLimit
    private(set) var units: Int64
    private(set) var updatedAt: Int64

    /// A full bucket at `now`.
    init(rate: RateLimit, now: Int64) {
        self.rate = rate
        units = Int64(rate.capacity) * Self.unitsPerToken
        updatedAt = now
    }

    /// Refills for the time since the last call, then takes one token if there is one.
    mutating func take(at now: Int64) -> Decision {
        refill(at: now)
        if units >= Self.unitsPerToken {
            units -= Self.unitsPerToken
            return .allowed
        }
        let perMillisecond = max(1, Int64(rate.refillPerMinute))
        let waitMilliseconds = (Self.unitsPerToken - units + perMillisecond - 1) / perMillisecond
        return .limited(retryAfterSeconds: max(1, Int((waitMilliseconds + 999) / 1000)))
    }

    /// What ``take(at:)`` would decide at `now`, without taking.
    func peek(at now: Int64) -> Decision {
        var copy = self
        return copy.take(at: now)
    }

    /// Whether the bucket is full at `now` (forgetting it changes nothing).
    func isFull(at now: Int64) -> Bool {
        var copy = self
        copy.refill(at: now)
        return copy.units == Int64(rate.capacity) * Self.unitsPerToken
    }

    private mutating func refill(at now: Int64) {
        let full = Int64(rate.capacity) * Self.unitsPerToken
        // A clock that went back adds nothing; a long pause is clamped to the time that fills the
        // bucket from empty at the slowest rate (capacity minutes), which keeps the product small.
        let elapsed = min(max(0, now - updatedAt), full)
        units = min(full, units + elapsed * Int64(rate.refillPerMinute))
        updatedAt = max(updatedAt, now)
    }
}
