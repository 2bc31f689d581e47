import ParleyCrypto

/// In-memory ``KeyServerStorage``: the reference behaviour, for tests. State is lost on exit.
public actor MemoryKeyServerStorage: KeyServerStorage {
    private struct DeviceState {
        var record: DeviceRecord
        var signedPreKey: SignedPreKeyRecord?
        /// When the signed prekey was uploaded (Unix ms).
        var signedPreKeyAt: Int64?
        /// In upload order; a claim takes the oldest.
        var oneTimePreKeys: [X25519.PublicKey] = []
        /// In upload order; a claim takes the oldest.
        var pqOneTimePreKeys: [PQPreKeyRecord] = []
        /// The last-resort PQ prekey with its upload time (Unix ms); it stays when claimed.
        var pqLastResort: (record: PQPreKeyRecord, uploadedAt: Int64)?
        var mailbox: [Envelope] = []
    }

    private struct AccountState {
        var accountKey: Ed25519.PublicKey
        var devices: [UInt32: DeviceState]
        var deviceList: SignedDeviceList?
    }

    private var accounts: [UserID: AccountState] = [:]
    /// Identity keys of removed devices, per user: never added to that user again.
    private var removedKeys: [UserID: Set<Ed25519.PublicKey>] = [:]
    /// Accepted request signatures (thread-safe on its own, so no hop onto the actor).
    private let replay: ReplayCache
    private var nextMessageID: Int64 = 1

    /// An empty store.
    /// - Parameter limits: the replay cache's bounds.
    public init(limits: ServerLimits = ServerLimits()) {
        replay = ReplayCache(limits: limits.replayCache)
    }

    public func createAccount(
        user: UserID, accountKey: Ed25519.PublicKey, device: DeviceRecord, deviceList: SignedDeviceList?
    ) throws {
        guard accounts[user] == nil else { throw DirectoryError.userTaken }
        accounts[user] = AccountState(
            accountKey: accountKey, devices: [device.id: DeviceState(record: device)], deviceList: deviceList)
    }

    public func account(_ user: UserID) -> AccountRecord? {
        guard let state = accounts[user] else { return nil }
        let devices = state.devices.values.map(\.record).sorted { $0.id < $1.id }
        return AccountRecord(user: user, accountKey: state.accountKey, devices: devices, deviceList: state.deviceList)
    }

    public func identityKey(of address: DeviceAddress) -> Ed25519.PublicKey? {
        accounts[address.user]?.devices[address.device]?.record.identityKey
    }

    public func addDevice(
        _ device: DeviceRecord, signedPreKey: SignedPreKeyRecord?, to user: UserID, deviceList: SignedDeviceList?,
        at timestamp: Int64
    ) throws {
        guard var state = accounts[user] else { throw DirectoryError.unknownUser }
        guard state.devices[device.id] == nil else { throw DirectoryError.deviceTaken }
        guard removedKeys[user]?.contains(device.identityKey) != true else { throw DirectoryError.deviceRemoved }
        state.devices[device.id] = DeviceState(
            record: device, signedPreKey: signedPreKey, signedPreKeyAt: signedPreKey == nil ? nil : timestamp)
        if let deviceList {
            try DeviceListRules.check(deviceList, storedVersion: state.deviceList?.version) {
                state.devices[$0]?.record.identityKey
            }
            state.deviceList = deviceList
        }
        accounts[user] = state
    }

    public func removeDevice(_ address: DeviceAddress) throws {
        guard let removed = accounts[address.user]?.devices.removeValue(forKey: address.device) else {
            throw DirectoryError.unknownDevice
        }
        removedKeys[address.user, default: []].insert(removed.record.identityKey)
        // The last device takes the account with it: the user id is free again.
        if accounts[address.user]?.devices.isEmpty == true { accounts[address.user] = nil }
    }

    public func setDeviceList(_ list: SignedDeviceList, signedBy accountKey: Ed25519.PublicKey) throws {
        guard var state = accounts[list.user], state.accountKey == accountKey else { throw DirectoryError.unknownUser }
        try DeviceListRules.check(list, storedVersion: state.deviceList?.version) { state.devices[$0]?.record.identityKey }
        state.deviceList = list
        accounts[list.user] = state
    }

    public func setSignedPreKey(_ signedPreKey: SignedPreKeyRecord, for address: DeviceAddress, at timestamp: Int64) throws {
        try modifyDevice(address) {
            $0.signedPreKey = signedPreKey
            $0.signedPreKeyAt = timestamp
        }
    }

    public func setPQLastResortPreKey(_ preKey: PQPreKeyRecord, for address: DeviceAddress, at timestamp: Int64) throws {
        try modifyDevice(address) { $0.pqLastResort = (preKey, timestamp) }
    }

    public func addPQOneTimePreKeys(_ preKeys: [PQPreKeyRecord], for address: DeviceAddress, limit: Int) throws -> Int {
        try modifyDevice(address) { state in
            // A key already held (with any signature) is skipped, as the databases' unique keys do.
            var held = Set(state.pqOneTimePreKeys.map(\.key))
            var added: [PQPreKeyRecord] = []
            for preKey in preKeys where held.insert(preKey.key).inserted {
                added.append(preKey)
            }
            guard state.pqOneTimePreKeys.count + added.count <= limit else { throw DirectoryError.preKeyLimit(limit: limit) }
            state.pqOneTimePreKeys += added
            return state.pqOneTimePreKeys.count
        }
    }

    public func preKeyStatus(for address: DeviceAddress) -> PreKeyStatus {
        guard let device = accounts[address.user]?.devices[address.device] else {
            return PreKeyStatus(oneTime: 0, pqOneTime: 0, signedPreKeyUploadedAt: nil, pqLastResortUploadedAt: nil)
        }
        return PreKeyStatus(
            oneTime: device.oneTimePreKeys.count, pqOneTime: device.pqOneTimePreKeys.count,
            signedPreKeyUploadedAt: device.signedPreKeyAt, pqLastResortUploadedAt: device.pqLastResort?.uploadedAt)
    }

    public func addOneTimePreKeys(_ keys: [X25519.PublicKey], for address: DeviceAddress, limit: Int) throws -> Int {
        try modifyDevice(address) { state in
            var held = Set(state.oneTimePreKeys)
            var added: [X25519.PublicKey] = []
            for key in keys where held.insert(key).inserted {
                added.append(key)
            }
            guard state.oneTimePreKeys.count + added.count <= limit else { throw DirectoryError.preKeyLimit(limit: limit) }
            state.oneTimePreKeys += added
            return state.oneTimePreKeys.count
        }
    }

    public func oneTimePreKeyCount(for address: DeviceAddress) -> Int {
        accounts[address.user]?.devices[address.device]?.oneTimePreKeys.count ?? 0
    }

    public func claimBundles(
        of user: UserID, devices: [UInt32]?, requirePQPreKey: Bool,
        mayTakeOneTimePreKey: @escaping @Sendable (UInt32) -> Bool
    )
        throws
        -> [PreKeyBundleRecord]
    {
        guard var state = accounts[user] else { throw DirectoryError.unknownUser }
        let ids = try Self.claimedIDs(devices, available: Set(state.devices.keys))
        var bundles: [PreKeyBundleRecord] = []
        for id in ids {
            guard var device = state.devices[id], let signedPreKey = device.signedPreKey else { continue }
            // Left out before the budget is asked: a device no claim can get a PQ prekey from.
            if requirePQPreKey, device.pqLastResort == nil, device.pqOneTimePreKeys.isEmpty { continue }
            let hasOneTime = !device.oneTimePreKeys.isEmpty || !device.pqOneTimePreKeys.isEmpty
            let mayTake = hasOneTime && mayTakeOneTimePreKey(id)
            var pqPreKey = device.pqLastResort.map { ClaimedPQPreKey(record: $0.record, lastResort: true) }
            if mayTake, !device.pqOneTimePreKeys.isEmpty {
                pqPreKey = ClaimedPQPreKey(record: device.pqOneTimePreKeys.removeFirst(), lastResort: false)
            }
            // Only one-time PQ prekeys and no budget left: nothing was taken.
            if requirePQPreKey, pqPreKey == nil { continue }
            let oneTime = mayTake && !device.oneTimePreKeys.isEmpty ? device.oneTimePreKeys.removeFirst() : nil
            state.devices[id] = device
            bundles.append(
                PreKeyBundleRecord(
                    device: device.record, signedPreKey: signedPreKey, oneTimePreKey: oneTime, pqPreKey: pqPreKey))
        }
        accounts[user] = state
        return bundles
    }

    public func enqueue(
        _ messages: [OutgoingEnvelope], from sender: DeviceAddress, at timestamp: Int64, mailboxLimit: Int, senderQuota: Int
    ) throws -> [Int64] {
        // Check everything first: all or nothing.
        var incoming: [DeviceAddress: Int] = [:]
        for message in messages {
            guard let device = accounts[message.recipient.user]?.devices[message.recipient.device] else {
                throw DirectoryError.unknownDevice
            }
            let count = incoming[message.recipient, default: 0] + 1
            guard device.mailbox.count + count <= mailboxLimit else { throw DirectoryError.mailboxFull(limit: mailboxLimit) }
            incoming[message.recipient] = count
        }
        for (recipient, count) in incoming {
            let held = accounts[recipient.user]?.devices[recipient.device]?.mailbox.lazy.filter { $0.sender == sender }.count ?? 0
            guard held + count <= senderQuota else { throw DirectoryError.senderQuota(limit: senderQuota) }
        }
        var ids: [Int64] = []
        for message in messages {
            let id = nextMessageID
            nextMessageID += 1
            let envelope = Envelope(
                id: id, recipient: message.recipient, sender: sender, timestamp: timestamp, body: message.body)
            accounts[message.recipient.user]?.devices[message.recipient.device]?.mailbox.append(envelope)
            ids.append(id)
        }
        return ids
    }

    public func pendingEnvelopes(for address: DeviceAddress, limit: Int, notBefore: Int64, after: Int64) -> [Envelope] {
        let mailbox = accounts[address.user]?.devices[address.device]?.mailbox ?? []
        return Array(mailbox.lazy.filter { $0.id > after && $0.timestamp >= notBefore }.prefix(max(0, limit)))
    }

    public func newestEnvelopeID(for address: DeviceAddress) -> Int64? {
        accounts[address.user]?.devices[address.device]?.mailbox.last?.id
    }

    public func acknowledge(_ ids: [Int64], for address: DeviceAddress) -> Int {
        let wanted = Set(ids)
        guard var mailbox = accounts[address.user]?.devices[address.device]?.mailbox else { return 0 }
        let before = mailbox.count
        mailbox.removeAll { wanted.contains($0.id) }
        accounts[address.user]?.devices[address.device]?.mailbox = mailbox
        return before - mailbox.count
    }

    public nonisolated func recordSignature(
        _ signature: [UInt8], by signer: DeviceAddress, registering: Bool, expiresAt: Int64, now: Int64
    )
        throws -> Bool
    {
        try replay.record(
            ReplayCache.Key(signature: signature), quota: registering ? .registering(signer) : .device(signer),
            expiresAt: expiresAt,
            now: now)
    }

    public func purgeExpired(messagesBefore: Int64, now: Int64) {
        replay.prune(at: now)
        for (user, var state) in accounts {
            for (id, var device) in state.devices {
                device.mailbox.removeAll { $0.timestamp < messagesBefore }
                state.devices[id] = device
            }
            accounts[user] = state
        }
    }

    public func statistics() -> StorageStatistics {
        var devices = 0
        var pending = 0
        var oneTime = 0
        for state in accounts.values {
            devices += state.devices.count
            for device in state.devices.values {
                pending += device.mailbox.count
                oneTime += device.oneTimePreKeys.count
            }
        }
        return StorageStatistics(users: accounts.count, devices: devices, pendingMessages: pending, oneTimePreKeys: oneTime)
    }

    private func modifyDevice<T>(_ address: DeviceAddress, _ body: (inout DeviceState) throws -> T) throws -> T {
        guard var device = accounts[address.user]?.devices[address.device] else { throw DirectoryError.unknownDevice }
        let result = try body(&device)
        accounts[address.user]?.devices[address.device] = device
        return result
    }

    /// The device ids a claim covers: the listed ones (each must exist) or all, ascending.
    static func claimedIDs(_ requested: [UInt32]?, available: Set<UInt32>) throws -> [UInt32] {
        guard let requested else { return available.sorted() }
        var seen = Set<UInt32>()
        var ids: [UInt32] = []
        for id in requested where seen.insert(id).inserted {
            guard available.contains(id) else { throw DirectoryError.unknownDevice }
            ids.append(id)
        }
        return ids
    }
}
