import ParleyCrypto

/// One device's prekey bundle as handed out by a claim. The one-time prekey in it has been deleted.
public struct PreKeyBundleRecord: Sendable, Equatable {
    /// The device.
    public let device: DeviceRecord
    /// The device's current signed prekey.
    public let signedPreKey: SignedPreKeyRecord
    /// A one-time prekey, handed out exactly once; nil when the device has none left.
    public let oneTimePreKey: X25519.PublicKey?

    /// Creates a bundle.
    /// - Parameters:
    ///   - device: the device.
    ///   - signedPreKey: its signed prekey.
    ///   - oneTimePreKey: the claimed one-time prekey, if any.
    public init(device: DeviceRecord, signedPreKey: SignedPreKeyRecord, oneTimePreKey: X25519.PublicKey?) {
        self.device = device
        self.signedPreKey = signedPreKey
        self.oneTimePreKey = oneTimePreKey
    }
}
