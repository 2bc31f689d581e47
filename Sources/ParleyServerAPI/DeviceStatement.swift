import ParleyCrypto

/// The byte layout shared by the statements about one device:
/// `context || u8(len(user)) || user || u32(device id) || key` (u32 big-endian), where the key is
/// the device's identity key (certificates, link proofs) or its account's key (link
/// confirmations).
public enum DeviceStatement {
    /// The statement's bytes.
    public static func bytes(context: [UInt8], user: UserID, device: UInt32, key: Ed25519.PublicKey) -> [UInt8] {
        let userBytes = user.utf8Bytes
        var message = context
        message.reserveCapacity(context.count + 1 + userBytes.count + 4 + Ed25519.publicKeyByteCount)
        // A user id is at most 32 bytes, so its length always fits one byte.
        message.append(UInt8(truncatingIfNeeded: userBytes.count))
        message.append(contentsOf: userBytes)
        message.append(contentsOf: [
            UInt8(truncatingIfNeeded: device >> 24), UInt8(truncatingIfNeeded: device >> 16),
            UInt8(truncatingIfNeeded: device >> 8), UInt8(truncatingIfNeeded: device),
        ])
        message.append(contentsOf: key.rawRepresentation)
        return message
    }
}
