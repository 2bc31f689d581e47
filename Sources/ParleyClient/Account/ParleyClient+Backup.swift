import Foundation
import ParleyCrypto
import ParleyStore

/// Backups of this device's store, restoring a device from one, and changing the store
/// passphrase (Specs/store.md §2.5, §7; what a restored device can do: Specs/client.md).
extension ParleyClient {
    /// Writes an encrypted backup of this device's store to `path`: identity, settings, secrets
    /// (the account key on a primary device), contacts and trust, history and attachment records,
    /// but no sessions or prekeys. The file is written atomically and replaces any file at `path`.
    ///
    /// - Parameters:
    ///   - passphrase: the backup passphrase, independent of the store passphrase.
    ///   - limits: the Argon2id cost for the backup passphrase.
    /// - Throws: ``ClientError/fileAccess(_:)`` when `path` cannot be written,
    ///   ``ClientError/storeFailure(_:)`` when the store fails a check.
    public func backup(to path: String, passphrase: SecureBytes, limits: Argon2id.Limits = .moderate) async throws {
        // Secrets moved from a schema version 1 store are named on first read by name; a backup
        // refuses unnamed ones, so name this SDK's own before exporting.
        for name in [ClientSettings.accountSecretKey, Self.linkSecretName] { _ = try await store.secret(name) }
        do {
            try await store.exportBackup(to: path, passphrase: passphrase, limits: limits)
        } catch let error as StoreError {
            throw ClientError.storeFailure("\(error)")
        } catch {
            throw ClientError.fileAccess(path)
        }
    }

    /// Restores a device from a backup into a new store in `storeDirectory`, under `passphrase`.
    ///
    /// The restored device has its identity, account key (on a primary device), settings,
    /// contacts, trust decisions and history, and no sessions or prekeys: its next ``sync()``
    /// publishes a new signed prekey (and one-time prekeys once the server runs low), and its
    /// first message to a device starts a new session with it. Messages sent to it in sessions
    /// from before the backup cannot be read (they are reported as undecryptable). Use the
    /// restored store instead of the device it was backed up from, not beside it.
    ///
    /// - Throws: ``ClientError/storeExists(_:)`` when `storeDirectory` holds a store,
    ///   ``ClientError/fileAccess(_:)`` when the backup cannot be read,
    ///   ``ClientError/invalidBackup`` for a damaged file or a wrong backup passphrase,
    ///   ``ClientError/storeFailure(_:)`` for a backup of a store that holds no client account.
    ///   Nothing is left in `storeDirectory` after a failure.
    public static func restore(
        fromBackup backupPath: String, backupPassphrase: SecureBytes, storeDirectory: String, passphrase: SecureBytes,
        limits: Argon2id.Limits = .moderate, random: any RandomSource = SystemRandomSource(),
        now: @escaping @Sendable () -> Int64 = { ParleyClient.systemNow() }
    ) async throws -> ParleyClient {
        let path = storePath(in: storeDirectory)
        guard !FileManager.default.fileExists(atPath: path) else { throw ClientError.storeExists(storeDirectory) }
        guard FileManager.default.isReadableFile(atPath: backupPath) else { throw ClientError.fileAccess(backupPath) }
        try StoreDirectory.prepare(storeDirectory)
        let store: EncryptedStore
        do {
            store = try await EncryptedStore.restoreBackup(
                from: backupPath, backupPassphrase: backupPassphrase, to: path, storePassphrase: passphrase, limits: limits,
                random: random)
        } catch {
            removeStoreFiles(path)
            switch error {
            case StoreError.invalidBackup: throw ClientError.invalidBackup
            case let error as StoreError: throw ClientError.storeFailure("\(error)")
            default: throw error
            }
        }
        do {
            let settings = try await ClientSettings.load(from: store)
            let identity = try await store.identityKeyPair()
            let client = ParleyClient(
                settings: settings, storeDirectory: storeDirectory, store: store, identity: identity, random: random, now: now)
            try await client.forgetSignedPreKeys()
            return client
        } catch {
            try? store.close()
            removeStoreFiles(path)
            throw error
        }
    }

    /// Changes the store passphrase: the store key is wrapped again under `newPassphrase`
    /// (Specs/store.md §2.5); nothing else is re-encrypted.
    ///
    /// - Parameters:
    ///   - limits: a new Argon2id cost, or nil to keep the current one.
    /// - Throws: ``ClientError/wrongPassphrase`` when `currentPassphrase` does not open the
    ///   store (nothing changes), ``ClientError/storeFailure(_:)`` for an empty new passphrase.
    public func changePassphrase(
        from currentPassphrase: SecureBytes, to newPassphrase: SecureBytes, limits: Argon2id.Limits? = nil
    ) async throws {
        do {
            try await store.changePassphrase(from: currentPassphrase, to: newPassphrase, limits: limits)
        } catch StoreError.wrongPassphrase {
            throw ClientError.wrongPassphrase
        } catch let error as StoreError {
            throw ClientError.storeFailure("\(error)")
        }
    }
}
