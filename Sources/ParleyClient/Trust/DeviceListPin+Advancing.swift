import ParleyCrypto
import ParleyServerAPI
import ParleyStore

/// The client's rule for a contact's signed device lists: versions never go back, and a key that
/// left a list never comes back (Specs/client.md, "Device lists").
extension DeviceListPin {
    /// The first pin of a contact, from the first list seen.
    init(_ list: SignedDeviceList) {
        self.init(
            version: list.version, keys: list.devices.map(\.identityKey.rawRepresentation), deviceIDs: list.devices.map(\.id))
    }

    /// The pin after seeing `list` (the same pin when nothing is new).
    /// - Throws: ``ClientError/untrustedDeviceList(_:)`` when `list` is older than the pin, has
    ///   the pinned version with other devices, or names a key that left an earlier list.
    func advanced(to list: SignedDeviceList) throws -> DeviceListPin {
        let user = list.user.rawValue
        let keys = list.devices.map(\.identityKey.rawRepresentation)
        guard !keys.contains(where: { key in removedKeys.contains { ConstantTime.equals($0, key) } }) else {
            throw ClientError.untrustedDeviceList(user)
        }
        guard list.version >= version else { throw ClientError.untrustedDeviceList(user) }
        guard list.version > version else {
            // One version, one list: the account key does not sign two.
            guard Set(keys) == Set(self.keys) else { throw ClientError.untrustedDeviceList(user) }
            var same = self
            same.deviceIDs = list.devices.map(\.id)
            return same
        }
        let left = self.keys.filter { key in !keys.contains { ConstantTime.equals($0, key) } }
        return DeviceListPin(
            version: list.version, keys: keys, removedKeys: removedKeys + left, deviceIDs: list.devices.map(\.id))
    }
}
