/// When prekeys are replenished and rotated (the numbers, named once).
public enum PreKeyPolicy {
    /// One-time prekeys held on the server after a refill.
    public static let stock = 100
    /// A refill happens when the server holds fewer than this many.
    public static let refillBelow = 20
    /// The server takes at most this many one-time prekeys per call.
    static let uploadBatch = 100
    /// The signed prekey is replaced after this long.
    public static let signedPreKeyLifetimeMilliseconds: Int64 = 7 * 24 * 3600 * 1000
    /// A replaced signed prekey is kept this long, for first messages that were sent to it late.
    public static let retiredSignedPreKeyGraceMilliseconds: Int64 = 30 * 24 * 3600 * 1000
}
