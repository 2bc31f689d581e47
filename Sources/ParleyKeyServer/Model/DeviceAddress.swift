/// One device of one user, as written in the `Parley-Device: USER/DEVICE` header.
public struct DeviceAddress: Sendable, Hashable, CustomStringConvertible {
    /// The user.
    public let user: UserID
    /// The device id, chosen by the client, unique per user.
    public let device: UInt32

    /// Creates an address.
    /// - Parameters:
    ///   - user: the user.
    ///   - device: the device id.
    public init(user: UserID, device: UInt32) {
        self.user = user
        self.device = device
    }

    /// Parses `USER/DEVICE` (decimal device id, no sign, no leading `+`).
    /// - Parameter header: the header value.
    /// - Returns: nil when the value is not of that form.
    public init?(header: String) {
        let parts = header.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let user = try? UserID(String(parts[0])) else { return nil }
        let digits = parts[1]
        guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let device = UInt32(digits)
        else { return nil }
        self.init(user: user, device: device)
    }

    /// `USER/DEVICE`.
    public var description: String { "\(user)/\(device)" }
}
