/// A token-bucket rate: a burst of `capacity` requests, refilled at `refillPerMinute` tokens a
/// minute (Specs/server-api.md §4).
public struct RateLimit: Sendable, Equatable {
    /// The most tokens a bucket holds: requests allowed in one burst.
    public var capacity: Int
    /// Tokens added per minute, spread evenly (one every `60 / refillPerMinute` seconds).
    public var refillPerMinute: Int

    /// Largest accepted value of either number: keeps the bucket arithmetic far from overflow.
    public static let maximum = 1_000_000

    /// Creates a rate; ``isValid`` tells whether the numbers are in range.
    /// - Parameters:
    ///   - capacity: burst size.
    ///   - refillPerMinute: tokens added per minute.
    public init(capacity: Int, refillPerMinute: Int) {
        self.capacity = capacity
        self.refillPerMinute = refillPerMinute
    }

    /// Both numbers in 1 … ``maximum``.
    public var isValid: Bool {
        (1...Self.maximum).contains(capacity) && (1...Self.maximum).contains(refillPerMinute)
    }
}
