import Foundation
import ParleyCrypto
import ParleyServerAPI

/// A user's account key and the devices it vouches for, checked on the client: the server can
/// neither add a device (each certificate must verify under the account key) nor keep one the
/// account removed (a device counts only if the account's newest signed device list names it).
struct VerifiedDeviceList: Sendable {
    let user: String
    let accountKey: Ed25519.PublicKey
    /// Device id to identity key: the devices the server lists under a valid certificate that the
    /// signed list names with the same key. Devices the server lists beyond the signed list are
    /// left out (a server cannot add any), as are devices of the signed list the server no longer
    /// lists (removed, or withheld: a server can always withhold).
    let devices: [UInt32: Ed25519.PublicKey]
    /// The account key's newest list as the server handed it out.
    let signedList: SignedDeviceList

    /// Verifies the server's answer.
    /// - Throws: ``ClientError/invalidCertificate(_:)`` when any key is malformed, the list is
    ///   for another user, any certificate fails, or an id repeats: a list with one bad entry is
    ///   not used at all; ``ClientError/untrustedDeviceList(_:)`` when the signed device list is
    ///   missing, malformed or not signed by the account key.
    init(_ json: DeviceListResponse, for user: String) throws {
        guard json.user == user, let userID = try? UserID(user),
            let accountBytes = Data(base64Encoded: json.accountKey),
            let accountKey = try? Ed25519.PublicKey(rawRepresentation: Array(accountBytes))
        else { throw ClientError.invalidCertificate(user) }
        var certified: [UInt32: Ed25519.PublicKey] = [:]
        for device in json.devices {
            guard let keyBytes = Data(base64Encoded: device.identityKey),
                let key = try? Ed25519.PublicKey(rawRepresentation: Array(keyBytes)),
                let certificate = Data(base64Encoded: device.certificate),
                DeviceCertificate.isValid(
                    Array(certificate), accountKey: accountKey, user: userID, device: device.id, identityKey: key),
                certified[device.id] == nil
            else { throw ClientError.invalidCertificate(user) }
            certified[device.id] = key
        }
        guard let signedJSON = json.deviceList, let signedList = try? signedJSON.list(for: userID),
            signedList.isSigned(by: accountKey)
        else { throw ClientError.untrustedDeviceList(user) }
        self.user = user
        self.accountKey = accountKey
        self.devices = certified.filter { signedList.identityKey(of: $0.key) == $0.value }
        self.signedList = signedList
    }
}
