import Foundation
import GRDB
import ParleyCrypto
import ParleyProtocol

/// Encrypted backups: identity, contacts and trust, settings and history — not sessions.
extension EncryptedStore {
    /// Writes a passphrase-protected backup of this store to `path` (atomically: a complete
    /// file or none).
    public func exportBackup(to path: String, passphrase: SecureBytes, limits: Argon2id.Limits = .moderate) async throws {
        guard passphrase.count > 0, limits.isSupported else { throw StoreError.invalidPassphraseSettings }
        var history: [StoredMessage] = []
        for conversation in try await conversations() {
            history += try await self.history(conversation: conversation.id, limit: Int.max)
        }
        history.sort { $0.rowID < $1.rowID }
        let payload = BackupFile.Payload(
            identitySeed: identity.signingKey.seedRepresentation.unprotectedBytes(), contacts: try await contacts(),
            settings: try await allSettings(), history: history)
        let random = self.random
        let file = try await offExecutor { try BackupFile.seal(payload, passphrase: passphrase, limits: limits, random: random) }
        try Data(file).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Creates a new store at `storePath` from a backup: the same identity, contacts, trust
    /// decisions, settings and history, and no sessions (new ones start on first contact).
    ///
    /// - Throws: ``StoreError/invalidBackup`` for a damaged file or a wrong backup passphrase,
    ///   ``StoreError/alreadyExists`` if a store is at `storePath`.
    public static func restoreBackup(
        from backupPath: String,
        backupPassphrase: SecureBytes,
        to storePath: String,
        storePassphrase: SecureBytes,
        limits: Argon2id.Limits = .moderate,
        random: any RandomSource = SystemRandomSource()
    ) async throws -> EncryptedStore {
        guard let data = FileManager.default.contents(atPath: backupPath) else { throw StoreError.invalidBackup }
        let payload = try await offExecutor { try BackupFile.open(Array(data), passphrase: backupPassphrase) }
        let identity: IdentityKeyPair
        do {
            identity = try IdentityKeyPair(seed: SecureBytes(copying: payload.identitySeed))
        } catch {
            throw StoreError.invalidBackup
        }
        let store = try await create(
            at: storePath, passphrase: storePassphrase, identity: identity, limits: limits, random: random)
        for contact in payload.contacts { try await store.saveContact(contact) }
        for setting in payload.settings where setting.count == 2 { try await store.setSetting(setting[0], to: setting[1]) }
        try await store.pool.write { db in
            for var message in payload.history { try store.insertMessage(&message, db) }
        }
        return store
    }

    /// Every setting as [name, value].
    func allSettings() async throws -> [[String]] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT setting_hash, sealed FROM settings").map { row in
                guard let hash = row["setting_hash"] as Data?, let sealed = row["sealed"] as Data? else {
                    throw StoreError.integrity(table: "settings")
                }
                let pair = try self.openRecord([String].self, sealed, for: .settings, rowKey: Array(hash))
                guard pair.count == 2 else { throw StoreError.integrity(table: "settings") }
                return pair
            }
        }
    }
}
