/// A stored message: opaque ciphertext with what the server stamped on it.
public struct Envelope: Sendable, Equatable {
    /// Server-assigned id, increasing in arrival order.
    public let id: Int64
    /// The recipient device.
    public let recipient: DeviceAddress
    /// The authenticated sender device.
    public let sender: DeviceAddress
    /// Arrival time, Unix milliseconds.
    public let timestamp: Int64
    /// The ciphertext, never inspected.
    public let body: [UInt8]

    /// Creates an envelope.
    /// - Parameters:
    ///   - id: the id.
    ///   - recipient: the recipient device.
    ///   - sender: the sender device.
    ///   - timestamp: arrival time in Unix milliseconds.
    ///   - body: the ciphertext.
    public init(id: Int64, recipient: DeviceAddress, sender: DeviceAddress, timestamp: Int64, body: [UInt8]) {
        self.id = id
        self.recipient = recipient
        self.sender = sender
        self.timestamp = timestamp
        self.body = body
    }
}

/// A message to store, before it has an id.
public struct OutgoingEnvelope: Sendable, Equatable {
    /// The recipient device.
    public let recipient: DeviceAddress
    /// The ciphertext.
    public let body: [UInt8]

    /// Creates one.
    /// - Parameters:
    ///   - recipient: the recipient device.
    ///   - body: the ciphertext.
    public init(recipient: DeviceAddress, body: [UInt8]) {
        self.recipient = recipient
        self.body = body
    }
}
