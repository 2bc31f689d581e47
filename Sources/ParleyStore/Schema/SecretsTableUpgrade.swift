import Foundation
import GRDB
import ParleyCrypto

/// The step from schema version 1 to 2 that moves secrets out of `settings` (Specs/store.md
/// §9.4). Version 1 kept secrets as raw bytes in `settings` under the row key
/// `lookup("settings", "secret" || 0x00 || name)`, beside `[name, value]` settings, so a backup
/// could not tell them apart and a setting named `"secret\0x"` shared a row with the secret `x`.
///
/// A `settings` row is a setting when its value decodes as `[name, value]` and its row key is
/// `lookup("settings", name)`; every other row is a version 1 secret. It moves to `secrets`
/// under the same row key as an unnamed record (version 1 kept no names), sealed for the
/// `secrets` table; ``EncryptedStore/secret(_:)`` names it on first read.
enum SecretsTableUpgrade {
    /// Runs inside the upgrade's transaction, after every value was re-sealed under version 2.
    static func moveSecretsOutOfSettings(_ db: Database, _ keyring: StoreKeyring) throws {
        let rows = try Row.fetchAll(db, sql: "SELECT setting_hash, sealed FROM settings")
        for row in rows {
            guard let hash = (row["setting_hash"] as Data?).map(Array.init), let sealed = row["sealed"] as Data? else {
                throw StoreError.integrity(table: "settings")
            }
            let plaintext = try keyring.open(Array(sealed), for: .settings, rowKey: hash)
            if isSetting(plaintext, rowKey: hash, keyring) { continue }
            let moved = try keyring.seal(SecretRecord.unnamed(plaintext), for: .secrets, rowKey: hash)
            try db.execute(sql: "DELETE FROM settings WHERE setting_hash = ?", arguments: [Data(hash)])
            try db.execute(
                sql: "INSERT OR REPLACE INTO secrets (secret_hash, sealed) VALUES (?, ?)", arguments: [Data(hash), Data(moved)])
        }
    }

    private static func isSetting(_ plaintext: SecureBytes, rowKey: [UInt8], _ keyring: StoreKeyring) -> Bool {
        guard let pair = try? plaintext.withUnsafeBytes({ try JSONDecoder().decode([String].self, from: Data($0)) }),
            pair.count == 2
        else { return false }
        return keyring.lookupHash(Array(pair[0].utf8), for: .settings) == rowKey
    }
}
