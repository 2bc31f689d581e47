import Foundation
import GRDB
import ParleyCrypto

/// Named secrets of the app using the store (an account key, say), sealed like every row and
/// never passed through a `String`.
extension EncryptedStore {
    /// Stores `secret` under `name`, replacing any previous value.
    public func setSecret(_ name: String, to secret: SecureBytes) async throws {
        let nameHash = secretNameHash(name)
        let sealed = Data(try keyring.seal(secret, for: .settings, rowKey: nameHash))
        try await pool.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO settings (setting_hash, sealed) VALUES (?, ?)", arguments: [Data(nameHash), sealed])
        }
    }

    /// The secret stored under `name`, if any.
    ///
    /// - Throws: ``StoreError/integrity(table:)`` when the row was altered or moved.
    public func secret(_ name: String) async throws -> SecureBytes? {
        let nameHash = secretNameHash(name)
        let sealed = try await pool.read { db in
            try Data.fetchOne(db, sql: "SELECT sealed FROM settings WHERE setting_hash = ?", arguments: [Data(nameHash)])
        }
        guard let sealed else { return nil }
        return try keyring.open(Array(sealed), for: .settings, rowKey: nameHash)
    }

    /// Secrets share the settings table; their names are hashed in their own namespace so that a
    /// secret and a plain setting of the same name are different rows.
    private func secretNameHash(_ name: String) -> [UInt8] {
        keyring.lookupHash(Array("secret\u{0}\(name)".utf8), for: .settings)
    }
}
