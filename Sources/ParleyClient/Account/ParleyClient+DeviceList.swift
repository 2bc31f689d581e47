import ParleyCrypto
import ParleyServerAPI
import ParleyStore

/// The account's signed device list, kept by the primary device (the only one holding the
/// account key): version 1 at account creation, the next version with each linked device, and
/// the next without each removed one (Specs/client.md, "Device lists").
extension ParleyClient {
    /// The account key, on the primary device; nil on a linked device.
    func accountSigningKey() async throws -> Ed25519.PrivateKey? {
        guard let seed = try await store.secret(ClientSettings.accountSecretKey) else { return nil }
        guard let key = try? Ed25519.PrivateKey(seed: seed) else {
            throw ClientError.storeFailure("the account key is damaged")
        }
        return key
    }

    /// The account's next device list, signed: the devices of the current signed list that the
    /// server still lists (checked against this device's pins, so a server can add nothing),
    /// with `adding` and without `removing`.
    /// - Parameter fetched: this account's list when the caller fetched it just now (else it is
    ///   fetched here).
    /// - Throws: ``ClientError/untrustedDeviceList(_:)`` and the errors of fetching the list.
    func nextDeviceList(
        signedBy accountKey: Ed25519.PrivateKey, adding: SignedDeviceList.Entry? = nil, removing: UInt32? = nil,
        from fetched: VerifiedDeviceList? = nil
    ) async throws -> SignedDeviceList {
        guard let userID = try? UserID(user) else { throw ClientError.invalidUserID(user) }
        let current: VerifiedDeviceList
        if let fetched { current = fetched } else { current = try await currentOwnDevices() }
        var devices = current.devices.filter { $0.key != removing && $0.key != adding?.id }
            .map { SignedDeviceList.Entry(id: $0.key, identityKey: $0.value) }
        if let adding { devices.append(adding) }
        do {
            return try SignedDeviceList.sign(
                user: userID, version: current.signedList.version + 1, devices: devices, with: accountKey)
        } catch {
            throw ClientError.untrustedDeviceList(user)
        }
    }

    /// Fetches this account's own device list (checking it against the pins) and, on the
    /// primary device, signs a new list when the current one names devices the server no longer
    /// lists (a linked device removed itself or another), so that those keys stay out for good.
    /// - Throws: ``ClientError/ownAccountKeyChanged`` when the server shows another account key
    ///   for this account; the errors of fetching and publishing.
    func pruneDeviceList() async throws {
        let current = try await currentOwnDevices()
        guard let accountKey = try await accountSigningKey(),
            current.signedList.devices.count != current.devices.count
        else { return }
        try await publish(try await nextDeviceList(signedBy: accountKey, from: current))
    }

    /// Uploads a new signed list (`PUT /v1/devices/list`) and forgets the cached own list.
    func publish(_ list: SignedDeviceList) async throws {
        deviceListCache[user] = nil
        try await server.setDeviceList(DeviceListJSON(list))
    }

    /// This account's verified devices, fetched now.
    private func currentOwnDevices() async throws -> VerifiedDeviceList {
        deviceListCache[user] = nil
        return try await verifiedDevices(of: user, requireTrusted: true)
    }
}
