import ParleyCrypto
import ParleyServerAPI

/// The primary device's confirmation, to a device it linked, of the account key that certified
/// it: a mailbox envelope from the primary whose body is ``marker`` followed by an HMAC-SHA-256,
/// keyed with the link secret from the new device's code, over the user, the new device's id and
/// the account key (Specs/client.md, "Linking a device").
///
/// The link secret travels only in the code the user carries from the new device to the primary;
/// the server never sees it. So the server, which hands the new device its account's device list,
/// cannot make it accept an account key of its own: it cannot confirm one.
enum LinkConfirmation {
    /// The first bytes of a confirmation envelope's body (never those of a wire message).
    static let marker = Array("parley-link-confirm-v1".utf8)
    /// Bytes of the link secret in a link code.
    static let secretByteCount = 16

    /// The body the primary sends to `device` of `user`, confirming `accountKey`.
    static func body(secret: SecureBytes, user: UserID, device: UInt32, accountKey: Ed25519.PublicKey) -> [UInt8] {
        marker + tag(secret: secret, user: user, device: device, accountKey: accountKey).withUnsafeBytes { Array($0) }
    }

    /// Whether `body` is a confirmation envelope's (whatever its tag).
    static func isConfirmation(_ body: [UInt8]) -> Bool {
        body.count == marker.count + HMACSHA256.outputByteCount && body.starts(with: marker)
    }

    /// Whether `body` confirms `accountKey` for `device` of `user` under `secret` (constant-time).
    static func confirms(
        _ body: [UInt8], secret: SecureBytes, user: UserID, device: UInt32, accountKey: Ed25519.PublicKey
    ) -> Bool {
        guard isConfirmation(body) else { return false }
        let expected = tag(secret: secret, user: user, device: device, accountKey: accountKey).withUnsafeBytes { Array($0) }
        return ConstantTime.equals(Array(body.dropFirst(marker.count)), expected)
    }

    /// HMAC-SHA-256 under `secret` of `marker || u8(len(user)) || user || u32(device) || account key`.
    private static func tag(secret: SecureBytes, user: UserID, device: UInt32, accountKey: Ed25519.PublicKey) -> SecureBytes {
        HMACSHA256.authenticationCode(
            key: secret, message: DeviceStatement.bytes(context: marker, user: user, device: device, key: accountKey))
    }
}
