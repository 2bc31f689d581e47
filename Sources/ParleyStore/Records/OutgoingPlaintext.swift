import ParleyProtocol

/// One envelope of a message's fan-out, before encryption: the plaintext for one recipient device.
public struct OutgoingPlaintext: Sendable {
    /// What to encrypt.
    public var plaintext: [UInt8]
    /// The device it goes to.
    public var recipient: PeerAddress

    /// `plaintext` for `recipient`.
    public init(_ plaintext: [UInt8], to recipient: PeerAddress) {
        self.plaintext = plaintext
        self.recipient = recipient
    }
}
