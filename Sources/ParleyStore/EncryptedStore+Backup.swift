import Foundation
import GRDB
import ParleyCrypto
import ParleyProtocol

/// Encrypted backups: identity, contacts and trust, settings, secrets and history — not sessions.
extension EncryptedStore {
    /// Writes a passphrase-protected backup of this store to `path` (atomically: a complete
    /// file or none).
    ///
    /// - Throws: ``StoreError/invalidPassphraseSettings``; ``StoreError/unnamedSecret`` while a
    ///   secret moved from a schema version 1 store has not been read by name since;
    ///   ``StoreError/integrity(table:)``; a file-system error when `path` cannot be written.
    public func exportBackup(to path: String, passphrase: SecureBytes, limits: Argon2id.Limits = .moderate) async throws {
        guard passphrase.count > 0, limits.isAcceptedForNewKeys else { throw StoreError.invalidPassphraseSettings }
        var history: [StoredMessage] = []
        for conversation in try await conversations() {
            history += try await self.history(conversation: conversation.id, limit: Int.max)
        }
        history.sort { $0.rowID < $1.rowID }
        let attachments = try await self.attachments().map {
            BackupFile.Attachment(key: $0.key.unprotectedBytes(), metadata: $0.metadata)
        }
        let secrets = try await allSecrets().map { BackupFile.Secret(name: $0.name, value: $0.secret.unprotectedBytes()) }
        let payload = BackupFile.Payload(
            identitySeed: identity.signingKey.seedRepresentation.unprotectedBytes(), contacts: try await contacts(),
            settings: try await allSettings(), history: history, attachments: attachments, secrets: secrets)
        let random = self.random
        let file = try await offExecutor { try BackupFile.seal(payload, passphrase: passphrase, limits: limits, random: random) }
        try await offExecutor {
            try Data(file).write(to: URL(fileURLWithPath: path), options: .atomic)
            try StoreFilePermissions.restrict(fileAt: path)
        }
    }

    /// Creates a new store at `storePath` from a backup: the same identity, contacts, trust
    /// decisions, settings, secrets, history and attachment records, and no sessions (new ones start on
    /// first contact; publish new prekeys). Messages that were still unsent at backup time are
    /// marked failed, since their encrypted copies are gone. The store appears at `storePath`
    /// only when complete.
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
        guard !FileManager.default.fileExists(atPath: storePath) else { throw StoreError.alreadyExists }
        let payload = try await offExecutor { () throws -> BackupFile.Payload in
            guard let data = FileManager.default.contents(atPath: backupPath) else { throw StoreError.invalidBackup }
            return try BackupFile.open(Array(data), passphrase: backupPassphrase)
        }
        let identity: IdentityKeyPair
        do {
            identity = try IdentityKeyPair(seed: SecureBytes(copying: payload.identitySeed))
        } catch {
            throw StoreError.invalidBackup
        }
        // Built beside the target and renamed into place when complete.
        let partialPath = storePath + ".restoring-\(UUID().uuidString)"
        do {
            let store = try await create(
                at: partialPath, passphrase: storePassphrase, identity: identity, limits: limits, random: random)
            for contact in payload.contacts { try await store.saveContact(contact) }
            for setting in payload.settings where setting.count == 2 { try await store.setSetting(setting[0], to: setting[1]) }
            for secret in payload.secrets ?? [] { try await store.setSecret(secret.name, to: SecureBytes(copying: secret.value)) }
            for attachment in payload.attachments ?? [] {
                let metadata = attachment.metadata
                try await store.saveAttachment(
                    AttachmentRecord(
                        id: metadata.id, key: SecureBytes(copying: attachment.key), size: metadata.size,
                        ciphertextSHA256: metadata.ciphertextSHA256, fileName: metadata.fileName, mediaType: metadata.mediaType,
                        // Nothing is downloaded on the restored device yet: the backed-up device's
                        // path may be missing here, or another file (store.md §7.5).
                        localPath: nil))
            }
            try await store.pool.write { db in
                for var message in payload.history {
                    if message.state == .pending {
                        // Its encrypted copy was in the outbox, which a backup does not keep.
                        message.state = .failed
                        message.failureReason = "unsent_at_backup"
                    }
                    try store.insertMessage(&message, db)
                }
            }
            try store.close()
            try await moveStore(from: partialPath, to: storePath)
        } catch {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: partialPath + suffix) }
            throw error
        }
        return try await open(at: storePath, passphrase: storePassphrase, random: random)
    }

    /// Folds the WAL into the database file of a closed store and renames it into place.
    private static func moveStore(from source: String, to destination: String) async throws {
        try await offExecutor {
            let queue = try DatabaseQueue(path: source)
            try queue.writeWithoutTransaction { db in
                _ = try db.checkpoint(.truncate)
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
            }
            try queue.close()
            try FileManager.default.moveItem(atPath: source, toPath: destination)
        }
    }

    /// Every setting as [name, value].
    func allSettings() async throws -> [[String]] {
        try await pool.read { db in
            try self.openAllRecords([String].self, keyColumn: "setting_hash", for: .settings, db).map { pair in
                guard pair.count == 2 else { throw StoreError.integrity(table: "settings") }
                return pair
            }
        }
    }
}
