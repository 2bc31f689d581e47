import Foundation
import ParleyCrypto
import ParleyKeyServer

extension TestAccount {
    /// The `device_list` body `{version, devices, signature}` naming `devices`, signed by this
    /// account's key (or by `signer`).
    func deviceList(version: UInt64, _ devices: [TestDevice], signedBy signer: Ed25519.PrivateKey? = nil) throws
        -> [String: Any]
    {
        let list = try SignedDeviceList.sign(
            user: try UserID(user), version: version,
            devices: devices.map { SignedDeviceList.Entry(id: $0.id, identityKey: $0.key.publicKey) },
            with: signer ?? accountKey)
        let json = DeviceListJSON(list)
        return [
            "version": Int(json.version),
            "devices": json.devices.map { ["id": Int($0.id), "identity_key": $0.identityKey] as [String: Any] },
            "signature": json.signature,
        ]
    }
}
