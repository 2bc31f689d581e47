import ParleyCrypto

/// A user's account key and devices, as `GET /v1/users/{user}/devices` returns them.
public struct AccountRecord: Sendable, Equatable {
    /// The user.
    public let user: UserID
    /// The account key: it certifies devices and is what safety numbers are made of.
    public let accountKey: Ed25519.PublicKey
    /// The devices, by ascending id.
    public let devices: [DeviceRecord]
    /// The newest device list the account key signed, if the account has one.
    public let deviceList: SignedDeviceList?

    /// Creates a record.
    /// - Parameters:
    ///   - user: the user.
    ///   - accountKey: the account key.
    ///   - devices: the devices, by ascending id.
    ///   - deviceList: the newest signed device list.
    public init(user: UserID, accountKey: Ed25519.PublicKey, devices: [DeviceRecord], deviceList: SignedDeviceList? = nil) {
        self.user = user
        self.accountKey = accountKey
        self.devices = devices
        self.deviceList = deviceList
    }
}
