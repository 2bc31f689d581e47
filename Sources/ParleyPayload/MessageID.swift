import ParleyCrypto

/// A message's identity: 16 random bytes chosen by the sender, echoed in delivery receipts and
/// used to deduplicate copies. Public; prints as 32 lowercase hex digits.
public struct MessageID: Sendable, Hashable, CustomStringConvertible {
    /// Bytes in an id: 128 random bits make a collision between honest senders negligible.
    public static let byteCount = 16

    /// The 16 raw bytes.
    public let rawRepresentation: [UInt8]

    /// A fresh random id.
    /// - Parameter random: the source of the 16 bytes.
    public init(random: some RandomSource) {
        rawRepresentation = random.bytes(Self.byteCount)
    }

    /// Wraps 16 bytes.
    /// - Throws: ``PayloadError/invalidMessageIDLength(_:)`` unless exactly 16 bytes.
    public init(rawRepresentation bytes: some Collection<UInt8>) throws(PayloadError) {
        guard bytes.count == Self.byteCount else { throw .invalidMessageIDLength(bytes.count) }
        rawRepresentation = Array(bytes)
    }

    /// Parses the 32-hex-digit form that ``description`` prints (either case).
    /// - Returns: nil for anything else.
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex), bytes.count == Self.byteCount else { return nil }
        rawRepresentation = bytes
    }

    /// The id as 32 lowercase hex digits.
    public var description: String { Hex.encode(rawRepresentation) }
}
