import ParleyCrypto

/// The key server's persistent state: the directory (accounts, devices, prekeys), the mailboxes,
/// and the replay cache. Public keys and ciphertext only.
///
/// Implementations: ``MemoryKeyServerStorage`` (tests), ``SQLiteKeyServerStorage`` (default) and
/// ``PostgresKeyServerStorage`` (several server processes on one database).
/// Each method is atomic. Client-caused outcomes are thrown as ``DirectoryError``; anything else
/// thrown is a backend failure.
public protocol KeyServerStorage: Sendable {
    // MARK: Directory

    /// Registers a new user with its first device and, when given, its first signed device list
    /// (the caller has checked that `accountKey` signed it and that it names exactly `device`).
    /// - Throws: ``DirectoryError/userTaken``.
    func createAccount(
        user: UserID, accountKey: Ed25519.PublicKey, device: DeviceRecord, deviceList: SignedDeviceList?
    ) async throws

    /// The user's account key and devices, or nil for an unknown user.
    func account(_ user: UserID) async throws -> AccountRecord?

    /// The identity key of a registered device, or nil.
    func identityKey(of address: DeviceAddress) async throws -> Ed25519.PublicKey?

    /// Adds a device to an existing user, with its first signed prekey when given, in one
    /// transaction (the device is never stored without the signed prekey it came with); the
    /// caller has verified the certificate and the prekey's signature.
    /// A `deviceList`, when given, is stored in the same transaction under the rules of
    /// ``setDeviceList(_:signedBy:)`` (checked after the device is added, so it must name it).
    /// - Parameter timestamp: the signed prekey's upload time (Unix ms), for its age.
    /// - Throws: ``DirectoryError/unknownUser``, ``DirectoryError/deviceTaken``,
    ///   ``DirectoryError/deviceRemoved`` (the user removed a device with this identity key
    ///   before), the errors of ``setDeviceList(_:signedBy:)`` (nothing changed).
    func addDevice(
        _ device: DeviceRecord, signedPreKey: SignedPreKeyRecord?, to user: UserID, deviceList: SignedDeviceList?,
        at timestamp: Int64
    ) async throws

    /// Removes a device with its prekeys (also its PQ prekeys) and its pending messages, and remembers its identity key
    /// as removed for its user (a tombstone): ``addDevice(_:signedPreKey:to:deviceList:)`` never
    /// adds that key to that user again, also after the account was deleted.
    /// - Throws: ``DirectoryError/unknownDevice``.
    func removeDevice(_ address: DeviceAddress) async throws

    /// Replaces the user's signed device list with `list` (the caller has verified its signature
    /// under `accountKey`).
    /// - Throws: ``DirectoryError/unknownUser`` (also when the user's account key is no longer
    ///   `accountKey`), ``DirectoryError/staleDeviceList`` when the stored list's version is not
    ///   lower, ``DirectoryError/deviceListMismatch`` when the list names a device that is not
    ///   registered with that identity key (nothing changed).
    func setDeviceList(_ list: SignedDeviceList, signedBy accountKey: Ed25519.PublicKey) async throws

    /// Replaces the device's signed prekey.
    /// - Parameter timestamp: the upload time (Unix ms), for its age.
    /// - Throws: ``DirectoryError/unknownDevice``.
    func setSignedPreKey(_ signedPreKey: SignedPreKeyRecord, for address: DeviceAddress, at timestamp: Int64) async throws

    /// Replaces the device's last-resort PQ prekey (the caller has checked its length and signature).
    /// - Parameter timestamp: the upload time (Unix ms), for its age.
    /// - Throws: ``DirectoryError/unknownDevice``.
    func setPQLastResortPreKey(_ preKey: PQPreKeyRecord, for address: DeviceAddress, at timestamp: Int64) async throws

    /// Adds one-time PQ prekeys (checked by the caller); keys the device already holds are skipped.
    /// - Parameter limit: the most a device may hold afterwards.
    /// - Returns: how many the device holds afterwards.
    /// - Throws: ``DirectoryError/unknownDevice``, ``DirectoryError/preKeyLimit(limit:)`` (nothing stored).
    func addPQOneTimePreKeys(_ preKeys: [PQPreKeyRecord], for address: DeviceAddress, limit: Int) async throws -> Int

    /// The device's stock and key upload times (`GET /v1/keys/count`); all zero and nil for an
    /// unknown device.
    func preKeyStatus(for address: DeviceAddress) async throws -> PreKeyStatus

    /// Adds one-time prekeys; keys the device already holds are skipped.
    /// - Parameter limit: the most a device may hold afterwards.
    /// - Returns: how many the device holds afterwards.
    /// - Throws: ``DirectoryError/unknownDevice``, ``DirectoryError/preKeyLimit(limit:)`` (nothing stored).
    func addOneTimePreKeys(_ keys: [X25519.PublicKey], for address: DeviceAddress, limit: Int) async throws -> Int

    /// How many one-time prekeys the device holds.
    func oneTimePreKeyCount(for address: DeviceAddress) async throws -> Int

    /// Hands out bundles of the user's devices (all, or those listed); each one-time prekey and
    /// one-time PQ prekey handed out is deleted in the same transaction, so none is ever handed
    /// out twice. A bundle's PQ prekey is the oldest one-time PQ prekey, or else the last-resort
    /// one. Devices without a signed prekey are left out, and with `requirePQPreKey` so are
    /// devices that cannot be given a PQ prekey.
    /// - Parameters:
    ///   - requirePQPreKey: leave out devices without a PQ prekey for this claim (else their
    ///     bundle goes out without one).
    ///   - mayTakeOneTimePreKey: asked once per device whose bundle goes out, before its one-time
    ///     prekeys are taken; false leaves both one-time stocks as they are and the bundle without a
    ///     one-time prekey and with the last-resort PQ prekey (the per-target claim limit).
    /// - Throws: ``DirectoryError/unknownUser``, ``DirectoryError/unknownDevice`` (a listed id).
    func claimBundles(
        of user: UserID, devices: [UInt32]?, requirePQPreKey: Bool,
        mayTakeOneTimePreKey: @escaping @Sendable (UInt32) -> Bool
    )
        async throws
        -> [PreKeyBundleRecord]

    // MARK: Mailbox

    /// Stores messages all or nothing, stamped with sender and time.
    /// - Parameters:
    ///   - mailboxLimit: the most messages a recipient device's mailbox may hold afterwards.
    ///   - senderQuota: the most messages from `sender` a recipient device's mailbox may hold
    ///     afterwards (acknowledgements and expiry free them again).
    /// - Returns: the new ids, in the order of `messages`.
    /// - Throws: ``DirectoryError/unknownDevice``, ``DirectoryError/mailboxFull(limit:)``,
    ///   ``DirectoryError/senderQuota(limit:)`` (nothing stored).
    func enqueue(
        _ messages: [OutgoingEnvelope], from sender: DeviceAddress, at timestamp: Int64, mailboxLimit: Int, senderQuota: Int
    ) async throws -> [Int64]

    /// The device's pending envelopes not older than `notBefore` and with an id above `after`
    /// (0 for all), oldest first.
    func pendingEnvelopes(for address: DeviceAddress, limit: Int, notBefore: Int64, after: Int64) async throws -> [Envelope]

    /// The id of the newest envelope in the device's mailbox, or nil when it is empty (where a
    /// new push subscription starts: only envelopes stored after it are pushed).
    func newestEnvelopeID(for address: DeviceAddress) async throws -> Int64?

    /// Deletes the listed envelopes of the device's mailbox; other ids are ignored.
    /// - Returns: how many were deleted.
    func acknowledge(_ ids: [Int64], for address: DeviceAddress) async throws -> Int

    // MARK: Maintenance

    /// Records a verified request signature; false if it was already recorded and has not expired.
    /// Where the records live is the backend's: in the database for PostgreSQL (shared by every
    /// server process), in memory for ``MemoryKeyServerStorage``, in memory with a journal file
    /// for SQLite (one server process per database).
    /// - Parameters:
    ///   - signature: the request signature.
    ///   - signer: the device named in `Parley-Device` (in-memory caches bound the records per
    ///     device, see ``ReplayCache``).
    ///   - registering: true when the request is signed with a key not registered yet
    ///     (registration, new device): its records count apart from the registered device's.
    ///   - expiresAt: when the record may be forgotten (Unix ms).
    ///   - now: the server's time (Unix ms).
    /// - Throws: ``ServerError/rateLimited(retryAfterSeconds:)`` when an in-memory cache is at its bounds.
    func recordSignature(_ signature: [UInt8], by signer: DeviceAddress, registering: Bool, expiresAt: Int64, now: Int64)
        async throws -> Bool

    /// Deletes messages older than `messagesBefore` and replay records expired at `now`.
    func purgeExpired(messagesBefore: Int64, now: Int64) async throws

    /// Totals for `/metrics`.
    func statistics() async throws -> StorageStatistics
}

extension KeyServerStorage {
    /// ``claimBundles(of:devices:requirePQPreKey:mayTakeOneTimePreKey:)`` with no per-target limit
    /// (storage tests).
    func claimBundles(of user: UserID, devices: [UInt32]?, requirePQPreKey: Bool = false) async throws
        -> [PreKeyBundleRecord]
    {
        try await claimBundles(of: user, devices: devices, requirePQPreKey: requirePQPreKey, mayTakeOneTimePreKey: { _ in true })
    }

    /// ``enqueue(_:from:at:mailboxLimit:senderQuota:)`` with no quota tighter than the mailbox
    /// itself (for storage tests and tools; the send route always passes its quota).
    func enqueue(_ messages: [OutgoingEnvelope], from sender: DeviceAddress, at timestamp: Int64, mailboxLimit: Int)
        async throws -> [Int64]
    {
        try await enqueue(messages, from: sender, at: timestamp, mailboxLimit: mailboxLimit, senderQuota: mailboxLimit)
    }
}

/// Totals reported on `/metrics`; no per-user numbers.
public struct StorageStatistics: Sendable, Equatable {
    /// Registered users.
    public var users: Int
    /// Registered devices.
    public var devices: Int
    /// Pending messages over all mailboxes.
    public var pendingMessages: Int
    /// One-time prekeys held over all devices.
    public var oneTimePreKeys: Int

    /// Creates totals.
    public init(users: Int, devices: Int, pendingMessages: Int, oneTimePreKeys: Int) {
        self.users = users
        self.devices = devices
        self.pendingMessages = pendingMessages
        self.oneTimePreKeys = oneTimePreKeys
    }
}

extension KeyServerStorage {
    /// Registers a new user with its first device and no signed device list.
    public func createAccount(user: UserID, accountKey: Ed25519.PublicKey, device: DeviceRecord) async throws {
        try await createAccount(user: user, accountKey: accountKey, device: device, deviceList: nil)
    }

    /// Adds a device to an existing user without a new signed device list.
    /// - Parameter timestamp: the signed prekey's upload time (Unix ms).
    public func addDevice(_ device: DeviceRecord, signedPreKey: SignedPreKeyRecord?, to user: UserID, at timestamp: Int64)
        async throws
    {
        try await addDevice(device, signedPreKey: signedPreKey, to: user, deviceList: nil, at: timestamp)
    }
}
