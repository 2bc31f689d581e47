import ParleyCrypto

/// The account key's statement that a device identity key belongs to a user's device.
///
/// Signed message: `"parley-device-v1" || u8(len(user)) || user || u32(device id) || device identity key`,
/// with `u32` big-endian as everywhere in Specs/protocol.md. The server checks it on registration;
/// clients check it again on every device list, so the server cannot add a device to anyone.
public enum DeviceCertificate {
    /// Domain separation prefix of the signed message.
    public static let context: [UInt8] = SignatureDomain.deviceCertificate

    /// The exact bytes the account key signs.
    /// - Parameters:
    ///   - user: the device's user.
    ///   - device: the device id.
    ///   - identityKey: the device's Ed25519 identity key.
    /// - Returns: the message to sign or verify.
    public static func signedMessage(user: UserID, device: UInt32, identityKey: Ed25519.PublicKey) -> [UInt8] {
        DeviceStatement.bytes(context: context, user: user, device: device, key: identityKey)
    }

    /// Whether `certificate` is the account key's signature for this device.
    /// - Parameters:
    ///   - certificate: the 64-byte signature.
    ///   - accountKey: the user's account key.
    ///   - user: the device's user.
    ///   - device: the device id.
    ///   - identityKey: the device's identity key.
    /// - Returns: true when the signature verifies.
    public static func isValid(
        _ certificate: [UInt8], accountKey: Ed25519.PublicKey, user: UserID, device: UInt32, identityKey: Ed25519.PublicKey
    ) -> Bool {
        accountKey.isValidSignature(certificate, for: signedMessage(user: user, device: device, identityKey: identityKey))
    }
}
