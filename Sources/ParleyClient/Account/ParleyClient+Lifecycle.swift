import Foundation
import ParleyCrypto
import ParleyProtocol
import ParleyServerAPI
import ParleyStore

/// Creating an account, opening an existing store.
extension ParleyClient {
    /// Creates a new user: a store in `storeDirectory` with a fresh account key and device
    /// identity, registered on `server` with its certificate, then a signed prekey and
    /// ``PreKeyPolicy/stock`` one-time prekeys uploaded.
    ///
    /// Nothing is left behind when registration fails (taken user id, unreachable server): the
    /// store is removed again. A failure after registration (prekey upload) keeps the store; the
    /// next ``sync()`` uploads what is missing.
    /// - Throws: ``ClientError/invalidUserID(_:)``, ``ClientError/storeExists(_:)``,
    ///   ``ClientError/userTaken(_:)``, ``ClientError/serverUnreachable(_:)``, …
    public static func create(
        user: String, device: UInt32 = 1, server: String, storeDirectory: String, passphrase: SecureBytes,
        limits: Argon2id.Limits = .moderate, random: any RandomSource = SystemRandomSource(),
        now: @escaping @Sendable () -> Int64 = { ParleyClient.systemNow() }
    ) async throws -> ParleyClient {
        guard let userID = try? UserID(user) else { throw ClientError.invalidUserID(user) }
        let accountKey = Ed25519.PrivateKey(random: InjectedRandom(source: random))
        let (client, store) = try await makeStore(
            settings: ClientSettings(user: user, device: device, server: server), storeDirectory: storeDirectory,
            passphrase: passphrase, limits: limits, random: random, now: now)
        let identity = client.identity
        do {
            try await store.setSecret(ClientSettings.accountSecretKey, to: accountKey.seedRepresentation)
            try await store.setSetting(ClientSettings.accountPublicKey, to: Hex.encode(accountKey.publicKey.rawRepresentation))
            let certificate = accountKey.signature(
                for: DeviceCertificate.signedMessage(user: userID, device: device, identityKey: identity.publicKey))
            let deviceList = try SignedDeviceList.sign(
                user: userID, version: 1, devices: [SignedDeviceList.Entry(id: device, identityKey: identity.publicKey)],
                with: accountKey)
            try await store.saveContact(
                Contact(
                    user: user, accountKey: accountKey.publicKey.rawRepresentation, trust: .verified,
                    deviceList: DeviceListPin(deviceList)))
            let body = CreateAccountRequest(
                user: user, accountKey: client.server.base64(accountKey.publicKey.rawRepresentation),
                device: DeviceJSON(
                    id: device, identityKey: client.server.base64(identity.publicKey.rawRepresentation),
                    certificate: client.server.base64(certificate)),
                deviceList: DeviceListJSON(deviceList))
            try await client.server.createAccount(body)
        } catch {
            try? store.close()
            removeStoreFiles(storePath(in: storeDirectory))
            throw error
        }
        try await client.maintainPreKeys()
        return client
    }

    /// A new store in `storeDirectory` with a fresh device identity and `settings` saved.
    static func makeStore(
        settings: ClientSettings, storeDirectory: String, passphrase: SecureBytes, limits: Argon2id.Limits,
        random: any RandomSource, now: @escaping @Sendable () -> Int64
    ) async throws -> (ParleyClient, EncryptedStore) {
        let path = storePath(in: storeDirectory)
        guard !FileManager.default.fileExists(atPath: path) else { throw ClientError.storeExists(storeDirectory) }
        try StoreDirectory.prepare(storeDirectory)
        let identity = IdentityKeyPair(random: InjectedRandom(source: random))
        let store = try await EncryptedStore.create(
            at: path, passphrase: passphrase, identity: identity, limits: limits, random: random)
        do {
            try await settings.save(to: store)
        } catch {
            try? store.close()
            removeStoreFiles(path)
            throw error
        }
        let client = ParleyClient(
            settings: settings, storeDirectory: storeDirectory, store: store, identity: identity, random: random, now: now)
        return (client, store)
    }

    /// Whether `storeDirectory` holds a client store (checked before asking for a passphrase).
    public static func storeExists(in storeDirectory: String) -> Bool {
        FileManager.default.fileExists(atPath: storePath(in: storeDirectory))
    }

    /// Opens the store in `storeDirectory`.
    /// - Throws: ``ClientError/storeNotFound(_:)`` or ``ClientError/wrongPassphrase``.
    public static func open(
        storeDirectory: String, passphrase: SecureBytes, random: any RandomSource = SystemRandomSource(),
        now: @escaping @Sendable () -> Int64 = { ParleyClient.systemNow() }
    ) async throws -> ParleyClient {
        let path = storePath(in: storeDirectory)
        guard FileManager.default.fileExists(atPath: path) else { throw ClientError.storeNotFound(storeDirectory) }
        try StoreDirectory.requirePrivate(storeDirectory)
        let store: EncryptedStore
        do {
            store = try await EncryptedStore.open(at: path, passphrase: passphrase, random: random)
        } catch StoreError.wrongPassphrase {
            throw ClientError.wrongPassphrase
        } catch let error as StoreError {
            throw ClientError.storeFailure("\(error)")
        }
        let settings = try await ClientSettings.load(from: store)
        let identity = try await store.identityKeyPair()
        return ParleyClient(
            settings: settings, storeDirectory: storeDirectory, store: store, identity: identity, random: random, now: now)
    }

    /// Removes a store file and SQLite's companion files, and the store directory if that leaves
    /// it empty: a failed create leaves nothing behind.
    static func removeStoreFiles(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let directory = (path as NSString).deletingLastPathComponent
        if (try? FileManager.default.contentsOfDirectory(atPath: directory))?.isEmpty == true {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}
