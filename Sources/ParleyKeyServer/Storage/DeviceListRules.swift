import ParleyCrypto

/// The storage-side rules for replacing a user's signed device list, shared by every
/// ``KeyServerStorage`` so that each refuses the same lists.
enum DeviceListRules {
    /// Checks `list` against the stored version and the registered devices.
    /// - Parameters:
    ///   - list: the new list (its signature is already verified).
    ///   - storedVersion: the version of the list stored now, nil when there is none.
    ///   - registeredKey: the identity key registered for a device id of the list's user, or nil.
    /// - Throws: ``DirectoryError/staleDeviceList`` unless `list` is newer,
    ///   ``DirectoryError/deviceListMismatch`` when it names a device not registered with its key.
    static func check(
        _ list: SignedDeviceList, storedVersion: UInt64?, registeredKey: (UInt32) throws -> Ed25519.PublicKey?
    ) throws {
        if let storedVersion, list.version <= storedVersion { throw DirectoryError.staleDeviceList }
        for entry in list.devices where try registeredKey(entry.id) != entry.identityKey {
            throw DirectoryError.deviceListMismatch
        }
    }
}

extension DeviceListRules {
    /// Bytes of one stored entry: `u32(device id) || identity key`.
    static let storedEntryByteCount = 4 + Ed25519.publicKeyByteCount

    /// The list's devices as stored in a database column: the entries as the signed message
    /// carries them.
    static func storedDevices(_ list: SignedDeviceList) -> [UInt8] {
        SignedDeviceList.encodedDevices(list.devices)
    }

    /// A stored list read back; nil when the stored bytes do not make a list (a corrupt row).
    static func storedList(user: UserID, version: Int64, devices: [UInt8], signature: [UInt8]) -> SignedDeviceList? {
        guard version > 0, devices.count % storedEntryByteCount == 0 else { return nil }
        var entries: [SignedDeviceList.Entry] = []
        var offset = 0
        while offset < devices.count {
            let id = devices[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let keyBytes = Array(devices[offset + 4..<offset + storedEntryByteCount])
            guard let key = try? Ed25519.PublicKey(rawRepresentation: keyBytes) else { return nil }
            entries.append(SignedDeviceList.Entry(id: id, identityKey: key))
            offset += storedEntryByteCount
        }
        return try? SignedDeviceList(user: user, version: UInt64(version), devices: entries, signature: signature)
    }
}
