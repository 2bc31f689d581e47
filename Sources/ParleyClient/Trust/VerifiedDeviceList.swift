import Foundation
import ParleyCrypto
import ParleyServerAPI

/// A user's account key and the devices it certified, checked on the client (the server cannot
/// add a device: each device's certificate must verify under the account key).
struct VerifiedDeviceList: Sendable {
    let user: String
    let accountKey: Ed25519.PublicKey
    /// Device id to its identity key, every one certified by `accountKey`.
    let devices: [UInt32: Ed25519.PublicKey]

    /// Verifies the server's answer.
    /// - Throws: ``ClientError/invalidCertificate(_:)`` when any key is malformed, the list is
    ///   for another user, or any certificate fails: a list with one bad entry is not used at all.
    init(_ json: DeviceListResponse, for user: String) throws {
        guard json.user == user, let userID = try? UserID(user),
            let accountBytes = Data(base64Encoded: json.accountKey),
            let accountKey = try? Ed25519.PublicKey(rawRepresentation: Array(accountBytes))
        else { throw ClientError.invalidCertificate(user) }
        var devices: [UInt32: Ed25519.PublicKey] = [:]
        for device in json.devices {
            guard let keyBytes = Data(base64Encoded: device.identityKey),
                let key = try? Ed25519.PublicKey(rawRepresentation: Array(keyBytes)),
                let certificate = Data(base64Encoded: device.certificate),
                DeviceCertificate.isValid(
                    Array(certificate), accountKey: accountKey, user: userID, device: device.id, identityKey: key),
                devices[device.id] == nil
            else { throw ClientError.invalidCertificate(user) }
            devices[device.id] = key
        }
        self.user = user
        self.accountKey = accountKey
        self.devices = devices
    }
}
