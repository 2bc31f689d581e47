/// Names one device of one peer: sessions are kept per address.
public struct PeerAddress: Sendable, Hashable, CustomStringConvertible {
    /// The peer's user id.
    public let user: String
    /// The peer's device id.
    public let device: UInt32

    public init(user: String, device: UInt32) {
        self.user = user
        self.device = device
    }

    public var description: String { "\(user)/\(device)" }
}
