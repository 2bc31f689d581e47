import ParleyCrypto

/// One device's prekey bundle as handed out by a claim. The one-time prekey in it has been deleted.
public struct PreKeyBundleRecord: Sendable, Equatable {
    /// The device.
    public let device: DeviceRecord
    /// The device's current signed prekey.
    public let signedPreKey: SignedPreKeyRecord
    /// A one-time prekey, handed out exactly once; nil when the device has none left.
    public let oneTimePreKey: X25519.PublicKey?
    /// A one-time PQ prekey (deleted as it went out) or else the last-resort one; nil when the
    /// device has neither (only while ``ServerLimits/requirePQPreKeys`` is off).
    public let pqPreKey: ClaimedPQPreKey?

    /// Creates a bundle.
    /// - Parameters:
    ///   - device: the device.
    ///   - signedPreKey: its signed prekey.
    ///   - oneTimePreKey: the claimed one-time prekey, if any.
    ///   - pqPreKey: the claimed PQ prekey, if the device has one.
    public init(
        device: DeviceRecord, signedPreKey: SignedPreKeyRecord, oneTimePreKey: X25519.PublicKey?,
        pqPreKey: ClaimedPQPreKey? = nil
    ) {
        self.pqPreKey = pqPreKey
        self.device = device
        self.signedPreKey = signedPreKey
        self.oneTimePreKey = oneTimePreKey
    }
}
