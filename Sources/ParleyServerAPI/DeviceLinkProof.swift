import ParleyCrypto

/// A new device's statement that it wants to join `user` as `device`: its proof of possession
/// of the identity key when an existing device of the user registers it (`parley link`).
///
/// Signed message: `"parley-link-v1" || u8(len(user)) || user || u32(device id) || device identity key`,
/// signed by the new device's own identity key. It travels in the link code the new device shows
/// and then in `POST /v1/devices` as `link_proof` (Specs/server-api.md §5.2).
public enum DeviceLinkProof {
    /// Domain separation prefix of the signed message.
    public static let context: [UInt8] = SignatureDomain.linkProof

    /// The exact bytes the new device signs.
    public static func signedMessage(user: UserID, device: UInt32, identityKey: Ed25519.PublicKey) -> [UInt8] {
        DeviceStatement.bytes(context: context, user: user, device: device, key: identityKey)
    }

    /// Whether `proof` is the device's own signature over its link statement.
    public static func isValid(_ proof: [UInt8], user: UserID, device: UInt32, identityKey: Ed25519.PublicKey) -> Bool {
        identityKey.isValidSignature(proof, for: signedMessage(user: user, device: device, identityKey: identityKey))
    }
}
