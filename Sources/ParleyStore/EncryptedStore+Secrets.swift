import Foundation
import GRDB
import ParleyCrypto

/// Named secrets of the app using the store (an account key, say): their own table, subkey and
/// lookup hashes (Specs/store.md §3.4, §4.1), so that no setting can share a row with a secret,
/// and never passed through a `String`.
extension EncryptedStore {
    /// Stores `secret` under `name`, replacing any previous value.
    /// - Throws: ``StoreError/invalidSecretName`` for a name over 65,535 UTF-8 bytes.
    public func setSecret(_ name: String, to secret: SecureBytes) async throws {
        let nameHash = secretNameHash(name)
        let legacyHash = Self.legacySecretNameHash(name, keyring)
        let sealed = Data(try keyring.seal(try SecretRecord.named(name, secret), for: .secrets, rowKey: nameHash))
        try await pool.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO secrets (secret_hash, sealed) VALUES (?, ?)", arguments: [Data(nameHash), sealed])
            // A row of the same name moved from schema version 1 is superseded.
            try db.execute(sql: "DELETE FROM secrets WHERE secret_hash = ?", arguments: [Data(legacyHash)])
        }
    }

    /// The secret stored under `name`, if any. A secret moved from a schema version 1 store
    /// (which kept no names) is given its name and lookup hash in the same transaction, so that
    /// backups include it from then on.
    ///
    /// - Throws: ``StoreError/integrity(table:)`` when the row was altered or moved.
    public func secret(_ name: String) async throws -> SecureBytes? {
        let nameHash = secretNameHash(name)
        if let sealed = try await pool.read({ db in try Self.sealedSecret(nameHash, db) }) {
            let record = try SecretRecord(plaintext: try keyring.open(Array(sealed), for: .secrets, rowKey: nameHash))
            guard record.name == name else { throw StoreError.integrity(table: "secrets") }
            return record.secret
        }
        return try await nameLegacySecret(name, nameHash: nameHash)
    }

    /// Finds `name` among the unnamed rows moved from schema version 1 and re-keys it under
    /// its name, in one write transaction.
    private func nameLegacySecret(_ name: String, nameHash: [UInt8]) async throws -> SecureBytes? {
        let legacyHash = Self.legacySecretNameHash(name, keyring)
        let keyring = self.keyring
        return try await pool.write { db -> SecureBytes? in
            guard let sealed = try Self.sealedSecret(legacyHash, db) else { return nil }
            let record = try SecretRecord(plaintext: try keyring.open(Array(sealed), for: .secrets, rowKey: legacyHash))
            guard record.name == nil else { throw StoreError.integrity(table: "secrets") }
            let named = try keyring.seal(try SecretRecord.named(name, record.secret), for: .secrets, rowKey: nameHash)
            try db.execute(sql: "DELETE FROM secrets WHERE secret_hash = ?", arguments: [Data(legacyHash)])
            try db.execute(
                sql: "INSERT OR REPLACE INTO secrets (secret_hash, sealed) VALUES (?, ?)",
                arguments: [Data(nameHash), Data(named)])
            return record.secret
        }
    }

    /// Every secret with its name, for backups.
    /// - Throws: ``StoreError/unnamedSecret`` while a secret moved from schema version 1 has not
    ///   been read by name yet (its name is not known, so it could not be restored);
    ///   ``StoreError/integrity(table:)``.
    func allSecrets() async throws -> [(name: String, secret: SecureBytes)] {
        let keyring = self.keyring
        return try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT secret_hash, sealed FROM secrets").map { row in
                guard let hash = row["secret_hash"] as Data?, let sealed = row["sealed"] as Data? else {
                    throw StoreError.integrity(table: "secrets")
                }
                let record = try SecretRecord(plaintext: try keyring.open(Array(sealed), for: .secrets, rowKey: Array(hash)))
                guard let name = record.name else { throw StoreError.unnamedSecret }
                guard keyring.lookupHash(Array(name.utf8), for: .secrets) == Array(hash) else {
                    throw StoreError.integrity(table: "secrets")
                }
                return (name, record.secret)
            }
        }
    }

    private func secretNameHash(_ name: String) -> [UInt8] {
        keyring.lookupHash(Array(name.utf8), for: .secrets)
    }

    private static func sealedSecret(_ hash: [UInt8], _ db: Database) throws -> Data? {
        try Data.fetchOne(db, sql: "SELECT sealed FROM secrets WHERE secret_hash = ?", arguments: [Data(hash)])
    }

    /// The row key schema version 1 gave a secret in the `settings` table, which rows moved from
    /// there keep until they are first read by name.
    static func legacySecretNameHash(_ name: String, _ keyring: StoreKeyring) -> [UInt8] {
        keyring.lookupHash(Array("secret\u{0}\(name)".utf8), for: .settings)
    }
}
