import Foundation
import GRDB
import ParleyCrypto

/// Contacts and trust, settings and attachment records.
extension EncryptedStore {
    // MARK: Contacts

    /// Adds or replaces the contact with `contact.user`.
    public func saveContact(_ contact: Contact) async throws {
        let userHash = keyring.lookupHash(Array(contact.user.utf8), for: .contacts)
        let sealed = try sealRecord(contact, for: .contacts, rowKey: userHash)
        try await pool.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO contacts (user_hash, sealed) VALUES (?, ?)", arguments: [Data(userHash), sealed])
        }
    }

    /// The contact with this user id, if any.
    public func contact(_ user: String) async throws -> Contact? {
        let userHash = keyring.lookupHash(Array(user.utf8), for: .contacts)
        return try await pool.read { db in
            guard
                let sealed = try Data.fetchOne(
                    db, sql: "SELECT sealed FROM contacts WHERE user_hash = ?", arguments: [Data(userHash)])
            else { return nil }
            let contact = try self.openRecord(Contact.self, sealed, for: .contacts, rowKey: userHash)
            guard contact.user == user else { throw StoreError.integrity(table: "contacts") }
            return contact
        }
    }

    /// All contacts, by user id.
    public func contacts() async throws -> [Contact] {
        try await pool.read { db in
            try self.openAllRecords(Contact.self, keyColumn: "user_hash", for: .contacts, db).sorted { $0.user < $1.user }
        }
    }

    // MARK: Settings

    /// Stores a setting (sealed, like everything else).
    public func setSetting(_ name: String, to value: String) async throws {
        let nameHash = keyring.lookupHash(Array(name.utf8), for: .settings)
        let sealed = try sealRecord([name, value], for: .settings, rowKey: nameHash)
        try await pool.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO settings (setting_hash, sealed) VALUES (?, ?)", arguments: [Data(nameHash), sealed])
        }
    }

    /// A setting's value, if set.
    public func setting(_ name: String) async throws -> String? {
        let nameHash = keyring.lookupHash(Array(name.utf8), for: .settings)
        return try await pool.read { db in
            guard
                let sealed = try Data.fetchOne(
                    db, sql: "SELECT sealed FROM settings WHERE setting_hash = ?", arguments: [Data(nameHash)])
            else { return nil }
            let pair = try self.openRecord([String].self, sealed, for: .settings, rowKey: nameHash)
            guard pair.count == 2, pair[0] == name else { throw StoreError.integrity(table: "settings") }
            return pair[1]
        }
    }

    // MARK: Attachments

    /// Adds or replaces an attachment record.
    public func saveAttachment(_ record: AttachmentRecord) async throws {
        let (idHash, sealed) = try sealAttachment(record)
        try await pool.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO attachments (attachment_hash, sealed) VALUES (?, ?)",
                arguments: [Data(idHash), sealed])
        }
    }

    /// Records `record` inside the caller's transaction unless its id is recorded already (the
    /// first message naming an upload decides its key and hash).
    func insertAttachmentIfNew(_ record: AttachmentRecord, _ db: Database) throws {
        let (idHash, sealed) = try sealAttachment(record)
        try db.execute(
            sql: "INSERT OR IGNORE INTO attachments (attachment_hash, sealed) VALUES (?, ?)", arguments: [Data(idHash), sealed])
    }

    /// The lookup hash of the id and the sealed `key (32) || metadata JSON`.
    private func sealAttachment(_ record: AttachmentRecord) throws -> (idHash: [UInt8], sealed: Data) {
        guard record.key.count == 32 else { throw StoreError.invalidAttachmentKey }
        let idHash = keyring.lookupHash(Array(record.id.utf8), for: .attachments)
        var metadata = try Array(JSONEncoder().encode(record.metadata))
        defer { _ = SecureBytes(zeroingAfterCopy: &metadata) }
        let plaintext = SecureBytes.concatenating([record.key, SecureBytes(copying: metadata)])
        return (idHash, Data(try keyring.seal(plaintext, for: .attachments, rowKey: idHash)))
    }

    /// Every attachment record.
    public func attachments() async throws -> [AttachmentRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT attachment_hash, sealed FROM attachments").map { row in
                guard let hash = row["attachment_hash"] as Data?, let sealed = row["sealed"] as Data? else {
                    throw StoreError.integrity(table: "attachments")
                }
                return try self.openAttachment(sealed, rowKey: Array(hash), expectedID: nil)
            }
        }
    }

    /// The attachment record with this id, if any.
    public func attachment(_ id: String) async throws -> AttachmentRecord? {
        let idHash = keyring.lookupHash(Array(id.utf8), for: .attachments)
        return try await pool.read { db in
            guard
                let sealed = try Data.fetchOne(
                    db, sql: "SELECT sealed FROM attachments WHERE attachment_hash = ?", arguments: [Data(idHash)])
            else { return nil }
            return try self.openAttachment(sealed, rowKey: idHash, expectedID: id)
        }
    }

    private func openAttachment(_ sealed: Data, rowKey: [UInt8], expectedID: String?) throws -> AttachmentRecord {
        let plaintext = try keyring.open(Array(sealed), for: .attachments, rowKey: rowKey)
        guard plaintext.count > 32,
            let metadata = try? plaintext.withUnsafeBytes({
                try JSONDecoder().decode(AttachmentRecord.Metadata.self, from: Data($0[32...]))
            }),
            expectedID == nil || metadata.id == expectedID
        else { throw StoreError.integrity(table: "attachments") }
        return AttachmentRecord(
            id: metadata.id, key: plaintext.slice(0..<32), size: metadata.size, ciphertextSHA256: metadata.ciphertextSHA256,
            fileName: metadata.fileName, mediaType: metadata.mediaType, localPath: metadata.localPath)
    }
}
